// Keeps the core and the codecs pure: no node:* modules, no IO shell, no ubus,
// and none of the hidden clocks or randomness that would break simulation.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(__dirname, '..', '..', 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

for (const layer of ['core', 'wire']) {
  test(`src/${layer} imports nothing but src/core and src/wire`, () => {
    const files = filesUnder(path.join(SRC, layer));
    assert.ok(files.length > 3);
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
    for (const file of filesUnder(path.join(SRC, layer))) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const banned of ['Date.now', 'new Date', 'Math.random', 'setTimeout', 'setInterval', 'performance.now', 'process.']) {
        assert.ok(!code.includes(banned), `${path.relative(SRC, file)} uses ${banned}`);
      }
    }
  });
}
