// Summarises a V8 .cpuprofile (node --cpu-prof) into the functions with the
// most self time and the most total (inclusive) time, so a bench run can say
// what limits the daemon without opening DevTools.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionCost {
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

function labelOf(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url === '' ? '' : ` ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
  return `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`;
}

/** Self and inclusive time per function label (recursion counted once per sample). */
export function summariseProfile(profile: CpuProfile): { readonly totalMs: number; readonly functions: FunctionCost[] } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    const leafLabel = labelOf(leaf);
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node === undefined) break;
      const label = labelOf(node);
      if (seen.has(label)) continue;
      seen.add(label);
      total.set(label, (total.get(label) ?? 0) + ms);
    }
  });
  const functions = [...total.entries()].map(([name, t]) => ({ name, selfMs: self.get(name) ?? 0, totalMs: t }));
  return { totalMs, functions };
}

export function formatTop(file: string, count: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { totalMs, functions } = summariseProfile(profile);
  const pct = (ms: number): string => `${((100 * ms) / totalMs).toFixed(1).padStart(5)} %`;
  const lines = [`profile ${file}: ${(totalMs / 1000).toFixed(2)} s sampled`, 'top self time:'];
  for (const f of [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, count)) lines.push(`  ${pct(f.selfMs)}  ${f.name}`);
  lines.push('top inclusive time:');
  for (const f of [...functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, count)) lines.push(`  ${pct(f.totalMs)}  ${f.name}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: cpu-profile.ts FILE.cpuprofile [COUNT]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatTop(file, Number(n ?? 25))}\n`);
}
