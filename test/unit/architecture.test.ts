// The folder map of src/ (README "Architecture"), held to the code:
// - the core and the codecs stay pure: no node:* modules, no IO shell, no ubus,
//   and none of the hidden clocks or randomness that would break simulation;
// - every import from one folder of src/ into another is an edge of ALLOWED, and
//   every edge of ALLOWED is still used, so the table stays the true map;
// - no import cycle between files (`import type` counts: a type-only cycle is
//   still two modules that cannot be read one without the other) nor between folders;
// - the README's folder map shows the same edges as ALLOWED.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/**
 * Which folders of src/ each folder may import, as tight as the code allows. A new
 * edge is a design decision: add it here (and to the README) or import otherwise.
 * In this order every folder imports only folders above it (so the map has no cycle):
 * wire, core, config, io, persist, driver, ctl, ubus, gluon, cli; sim beside cli.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  wire: [],
  core: ['wire'],
  config: ['core', 'wire'],
  io: ['core', 'wire'],
  persist: ['core', 'io', 'wire'],
  driver: ['config', 'core', 'io', 'persist', 'wire'],
  ctl: ['core', 'driver', 'io', 'wire'],
  ubus: ['config', 'core', 'ctl', 'driver', 'io', 'wire'],
  gluon: ['config', 'ubus', 'wire'],
  cli: ['config', 'ctl', 'driver', 'gluon', 'io', 'ubus', 'wire'],
  sim: ['config', 'core', 'driver', 'io', 'persist', 'wire'],
};

/**
 * Cycles between files that are known and owed, each as its files sorted and joined
 * by ' <-> '. The test fails on any other cycle, and on one of these once it is gone
 * (then drop it here). sim/workloads.ts takes the type Scenario from sim/scenario.ts,
 * which builds the Workloads: the type wants a module of its own (sim/ is being
 * changed in parallel, so it was left as it is).
 */
const KNOWN_CYCLES: readonly string[] = [];

/** Codecs outside wire/ that are held to wire/'s rules (src-relative files). */
const PURE_FILES = ['ctl/codec.ts'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module a file names: import (type or not), side-effect import, export ... from, import(), require(). */
function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  const forms = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return forms.flatMap((re) => [...code.matchAll(re)].map((m) => m[1] ?? ''));
}

/** The src file a relative specifier names, src-relative; undefined for packages, node:* and files outside src/. */
function resolveInSrc(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  const hit = [base, `${base}.ts`, path.join(base, 'index.ts')].find((p) => p.endsWith('.ts') && existsSync(p));
  if (hit === undefined) {
    assert.ok(!base.startsWith(SRC + path.sep) || existsSync(base), `${path.relative(SRC, fromFile)} imports '${spec}', which does not exist`);
    return undefined;
  }
  return hit.startsWith(SRC + path.sep) ? path.relative(SRC, hit) : undefined;
}

const folderOf = (file: string): string => (file.includes(path.sep) ? file.split(path.sep)[0]! : '.');

/** file -> the src files it imports (src-relative paths). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of filesUnder(SRC)) {
    const targets = importSpecifiers(readFileSync(abs, 'utf8')).flatMap((spec) => resolveInSrc(abs, spec) ?? []);
    graph.set(path.relative(SRC, abs), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one node or a self-loop (Tarjan), each as a cycle path. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(cyclePath(graph, new Set(scc), v));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One concrete cycle through `start` inside its component (breadth first), `start` at both ends. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, scc: ReadonlySet<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const p = [v];
        while (p[0] !== start) p.unshift(prev.get(p[0]!)!);
        return [...p, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...scc];
}

for (const layer of ['core', 'wire', ...PURE_FILES]) {
  const filesOf = (): string[] => (layer.endsWith('.ts') ? [path.join(SRC, layer)] : filesUnder(path.join(SRC, layer)));

  test(`src/${layer} imports nothing but src/core and src/wire`, () => {
    const files = filesOf();
    assert.ok(layer.endsWith('.ts') ? existsSync(files[0]!) : files.length > 3);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        const resolved = spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec;
        const allowed = resolved.startsWith('core/') || resolved.startsWith('wire/');
        assert.ok(allowed, `${path.relative(SRC, file)} imports '${spec}'`);
      }
    }
  });

  test(`src/${layer} reads no clock, randomness or timers`, () => {
    for (const file of filesOf()) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const banned of ['Date.now', 'new Date', 'Math.random', 'setTimeout', 'setInterval', 'performance.now', 'process.']) {
        assert.ok(!code.includes(banned), `${path.relative(SRC, file)} uses ${banned}`);
      }
    }
  });
}

test('the import parser sees every form of import', () => {
  const text = [
    "import { a, type B } from './one';",
    "import type { C } from '../two';",
    'import {',
    '  d,',
    "  e,",
    "} from './three';",
    "import './four';",
    "export { f } from './five';",
    "export type { G } from './six';",
    "export * from './seven';",
    "const h = await import('./eight');",
    "const i = require('./nine');",
    "// import { no } from './comment';",
    "/* export { no } from './block-comment'; */",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text).sort(), ['../two', './eight', './five', './four', './nine', './one', './seven', './six', './three']);
});

test('every src file sits in a folder of the map, and every folder of the map exists', () => {
  const folders = new Set([...importGraph().keys()].map(folderOf));
  for (const f of folders) assert.ok(f in ALLOWED, `src/${f === '.' ? '' : `${f}/`} is not in ALLOWED (test/unit/architecture.test.ts): add it with the folders it may import`);
  for (const f of Object.keys(ALLOWED)) assert.ok(folders.has(f), `ALLOWED names src/${f}/, which holds no .ts file`);
});

test('every import between folders of src/ is an edge of ALLOWED, and every edge of ALLOWED is used', () => {
  const used = new Set<string>();
  const bad: string[] = [];
  for (const [file, targets] of importGraph()) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      used.add(`${from} -> ${to}`);
      if (!(ALLOWED[from] ?? []).includes(to)) bad.push(`${file} imports ${target}: edge ${from} -> ${to} is not in ALLOWED`);
    }
  }
  assert.deepEqual(bad, []);
  const unused = Object.entries(ALLOWED).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`)).filter((e) => !used.has(e));
  assert.deepEqual(unused, [], 'edges of ALLOWED no import uses: drop them so the table stays the true map');
});

test('no import cycle between files of src/ (import type included)', () => {
  const found = cycles(importGraph());
  const key = (c: readonly string[]): string => [...new Set(c)].sort().join(' <-> ');
  assert.deepEqual(found.filter((c) => !KNOWN_CYCLES.includes(key(c))).map((c) => c.join(' -> ')), []);
  assert.deepEqual(KNOWN_CYCLES.filter((k) => !found.some((c) => key(c) === k)), [], 'known cycles that are gone: drop them from KNOWN_CYCLES');
});

test('no import cycle between folders of src/, neither in the code nor in ALLOWED', () => {
  const folderGraph = new Map<string, string[]>();
  for (const [file, targets] of importGraph()) {
    const from = folderOf(file);
    const tos = folderGraph.get(from) ?? [];
    for (const t of targets) if (folderOf(t) !== from && !tos.includes(folderOf(t))) tos.push(folderOf(t));
    folderGraph.set(from, tos);
  }
  assert.deepEqual(cycles(folderGraph).map((c) => c.join(' -> ')), []);
  const allowedGraph = new Map(Object.entries(ALLOWED).map(([k, v]) => [k, [...v]]));
  assert.deepEqual(cycles(allowedGraph).map((c) => c.join(' -> ')), []);
});

test("the README's folder map names every folder of ALLOWED with the same edges", () => {
  const readme = readFileSync(path.join(SRC, '..', 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^src\/([a-z]+)\/\s.*\s->\s+([a-z ]+)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
  const expected = Object.entries(ALLOWED).map(([f, tos]) => [f, tos.length === 0 ? 'nothing' : tos.join(' ')] as const);
  assert.deepEqual(rows, expected);
});

test('the cycle finder finds cycles', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
  ]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c', 'a'], ['e', 'e']]);
});
