// `make bench-ttl`, and the `ttl` part of `make bench` (bench/main.ts): how long
// real clients wait for a lease, for our daemon and, with DDHCPD_C_BINARY, the
// C ddhcpd in the same run. Cold start of a node in a running mesh (C's timers
// and the package's -B 300), crowds of udhcpc clients at one node, steady
// arrivals and a flood from perfdhcp as a relay (ours only: C has no relay
// support). Environment: BENCH_QUICK=1 (smoke run), BENCH_TTL_PARTS
// (cold,crowd,steady,flood), BENCH_TTL_REPEATS, BENCH_TTL_SERIAL=1 (one lab at a
// time; by default the latency scenarios run side by side, each in its own
// namespaces, as they wait on timers rather than on the CPU), BENCH_NO_RESULTS=1.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cBinary, C_TIMERS, describeFlags, PACKAGE_TIMERS, type Impl } from './mesh-lab';
import { appendResults, describeCommit, describeMachine, loadAverage } from './results';
import { pinBuild } from './servers';
import { fmt, median, pct } from './stats';
import { coldStart, crowd, flood, steady, type ColdStartFigures, type CrowdFigures, type FloodFigures, type SteadyFigures } from './ttl-scenarios';

export interface TtlOptions {
  readonly quick: boolean;
  readonly parts: ReadonlySet<string>;
  readonly repeats: number;
  readonly serial: boolean;
}

export function ttlOptionsFromEnv(env: NodeJS.ProcessEnv): TtlOptions {
  const quick = env['BENCH_QUICK'] === '1';
  const parts = env['BENCH_TTL_PARTS'];
  return {
    quick,
    parts: new Set(parts === undefined || parts === '' ? ['cold', 'crowd', 'steady', 'flood'] : parts.split(',').map((s) => s.trim())),
    repeats: Number(env['BENCH_TTL_REPEATS'] ?? '') || (quick ? 1 : 3),
    serial: env['BENCH_TTL_SERIAL'] === '1',
  };
}

const secs = (v: number | undefined): string => (v === undefined ? 'n/a' : `${fmt(v, 1)} s`);

function formatCold(f: ColdStartFigures): string {
  const got = f.secs.filter((s): s is number => s !== undefined);
  const missed = f.secs.length - got.length;
  return `cold start ${f.impl.padEnd(4)} ${describeFlags(f.timers)}: median ${secs(got.length > 0 ? median(got) : undefined)}, ` +
    `max ${missed > 0 ? `> ${f.timeoutSec} s (${missed} of ${f.secs.length} not leased)` : secs(Math.max(...got))} ` +
    `[${f.secs.map((s) => (s === undefined ? '-' : fmt(s, 1))).join(', ')}]`;
}

function formatCrowd(f: CrowdFigures): string {
  const missed = f.clients - f.secs.length;
  return `crowd ${String(f.clients).padStart(3)} ${f.impl.padEnd(4)}: median ${secs(f.secs.length > 0 ? median(f.secs) : undefined)}, ` +
    `last ${missed > 0 ? `> ${f.timeoutSec} s (${missed} not leased)` : secs(Math.max(...f.secs))}, ` +
    `leased ${f.secs.length}/${f.clients}, duplicate addresses ${f.duplicates}`;
}

function formatSteady(f: SteadyFigures): string {
  const loss = (r: { discovers: number; acks: number }): string => `${pct(1 - r.acks / r.discovers)} (${r.acks} ACKs of ${r.discovers} DISCOVERs)`;
  return `steady ${f.rate}/s ours ${f.flags}: first ${f.periodSec} s lost ${loss(f.first)}; next ${f.periodSec} s (other clients) lost ${loss(f.second)}`;
}

function formatFlood(f: FloodFigures): string[] {
  return [
    `flood ours ${f.flags}: perfdhcp ${f.clients} random MACs at ${f.rate}/s for ${f.periodSec} s (${f.sent.discovers} DISCOVERs, ${f.sent.acks} ACKs)`,
    `  flooded node holds ${f.heldSeenByPeer} of ${f.blockCount} blocks (${pct(f.heldSeenByPeer / f.blockCount)}) in the other node's table ` +
      `(${f.heldOwnView} in its own); others keep ${pct(1 - f.heldSeenByPeer / f.blockCount)}`,
    `  drop.core.claimLimit ${f.claimLimit ?? 'n/a (no such counter)'}`,
    `  log: ${f.logLines.length === 0 ? '(no line about a limit)' : f.logLines.slice(0, 3).join(' | ')}`,
  ];
}

/** Runs the chosen scenarios, prints each figure as it comes and returns the lines for RESULTS.md. */
export async function runTimeToLease(o: TtlOptions, log: (line: string) => void): Promise<string[]> {
  const impls: Impl[] = cBinary() === undefined ? ['ours'] : ['ours', 'c'];
  if (impls.length === 1) log('ttl: DDHCPD_C_BINARY not set: our daemon only');
  const lines: string[] = [];
  const record = (l: string | string[]): void => {
    for (const x of Array.isArray(l) ? l : [l]) {
      lines.push(x);
      log(x);
    }
  };
  const latency: { label: string; run: () => Promise<void> }[] = [];
  // The C daemon sometimes exits under a crowd ("Error in epoll"); say so, and try once more.
  const once = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (!why.includes('exited')) throw e;
      record(`  (a daemon died, run again: ${why.slice(0, 300)})`);
      return f();
    }
  };
  for (const impl of impls) {
    if (o.parts.has('cold')) {
      latency.push({ label: `cold start ${impl} -B 60`, run: async () => record(formatCold(await once(() => coldStart(impl, C_TIMERS, o.repeats)))) });
      if (!o.quick) latency.push({ label: `cold start ${impl} -B 300`, run: async () => record(formatCold(await once(() => coldStart(impl, PACKAGE_TIMERS, o.repeats)))) });
    }
    if (o.parts.has('crowd')) {
      latency.push({ label: `crowd 30 ${impl}`, run: async () => record(formatCrowd(await once(() => crowd(impl, 30, o.quick ? 120 : 240)))) });
      if (!o.quick) latency.push({ label: `crowd 100 ${impl}`, run: async () => record(formatCrowd(await once(() => crowd(impl, 100, 300)))) });
    }
  }
  const guard = (what: string, p: Promise<void>): Promise<void> => p.catch((e: unknown) => record(`${what} failed: ${e instanceof Error ? e.message : String(e)}`));
  if (o.serial) for (const l of latency) await guard(l.label, l.run());
  else await Promise.all(latency.map((l) => guard(l.label, l.run())));
  // CPU-bound: alone, after the rest.
  const period = o.quick ? 5 : 20;
  if (o.parts.has('steady')) await guard('steady', steady(100, period).then((f) => record(formatSteady(f))));
  // 60 s at 1000/s draws about 95 % of the 20 000 MACs: more clients than half the network's addresses.
  if (o.parts.has('flood')) await guard('flood', flood(20_000, 1000, o.quick ? 5 : 60).then((f) => record(formatFlood(f))));
  if (impls.length === 1) record('C ddhcpd: not measured (DDHCPD_C_BINARY not set)');
  else record('C ddhcpd: steady and flood not measured (it does not answer relayed requests)');
  return lines;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  const o = ttlOptionsFromEnv(process.env);
  const started = new Date();
  const loadBefore = loadAverage();
  // Read now: a merge during a long run must not rename what was measured.
  const commit = describeCommit();
  const other = process.env['BENCH_BUNDLE'];
  // Measure a copy: a rebuild in the checkout during the run cannot change what is measured.
  const work = mkdtempSync(path.join(tmpdir(), 'ddhcpd-ttl-'));
  let figures: string[];
  try {
    pinBuild(path.join(work, 'dist'));
    figures = await runTimeToLease(o, (l) => process.stdout.write(`${l}\n`));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const section = [
    `## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}: time to lease${o.quick ? ' (BENCH_QUICK smoke run)' : ''}`, '',
    ...(other === undefined ? [] : [`- daemon: BENCH_BUNDLE=${path.basename(path.dirname(other))}/${path.basename(other)}, another build than this commit's dist/`]),
    `- machine: ${describeMachine()}; load average before ${loadBefore}, after ${loadAverage()}`,
    `- command: \`make bench-ttl\`${o.quick ? ' with BENCH_QUICK=1' : ''}; parts ${[...o.parts].join(', ')}; ${o.repeats} cold starts per setting${o.serial ? '' : ', latency scenarios side by side'}`,
    '', '```', ...figures, '```',
  ].join('\n');
  process.stdout.write(`\n${section}\n`);
  if (process.env['BENCH_NO_RESULTS'] !== '1') appendResults(section);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench-ttl failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
