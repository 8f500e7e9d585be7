// A/B figure for one question: CPU per DORA at a fixed rate, for the servers
// named, alternating them run by run so a drift in the shared machine hits both.
// Faster to iterate on than `make bench`; the figures it prints are the same
// measurement (bench/load.ts measureRun), but each run starts a fresh server, so
// most exchanges hand out new leases. `ddhcpd@DIR/ddhcpd.js` runs another build
// (e.g. an older commit's) under the label `ddhcpd@DIR`. As root:
//   node --import tsx bench/dora-cpu.ts [--servers ddhcpd,kea] [--rate 1000] [--runs 5] [--period 20] [--warmup 5]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GENERATOR_CPU, measureRun, startServer } from './load';
import { BenchNet } from './netns';
import { runPerfdhcp } from './perfdhcp';
import { readStatus } from './proc';
import { pinBuild, type RunningServer, type ServerKind } from './servers';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'ddhcpd,kea' },
    rate: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    period: { type: 'string', default: '20' },
    /** Seconds at 500/s before the measured run: 20 s hands out most of the 10 000 clients' leases first, as in make bench. */
    warmup: { type: 'string', default: '5' },
  },
});
interface Entry {
  readonly label: string;
  readonly kind: ServerKind;
  /** The pinned copy of a build given with `kind@bundle`. */
  bundle: string | undefined;
  readonly from: string | undefined;
}
const entries: Entry[] = (values.servers ?? '').split(',').map((label) => {
  const [kind, from] = label.split('@') as [ServerKind, string | undefined];
  return { label: from === undefined ? label : `${kind}@${path.dirname(from)}`, kind, bundle: undefined, from };
});
const rate = Number(values.rate);
const runs = Number(values.runs);
const period = Number(values.period);
const warmup = Number(values.warmup);
const CLIENTS = 10_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'ddhcpd-dora-'));
  const net = new BenchNet();
  const servers = new Set<RunningServer>();
  const perDora = new Map<string, number[]>(entries.map((e) => [e.label, []]));
  try {
    entries.forEach((e, i) => {
      if (e.from === undefined) return;
      process.env['BENCH_BUNDLE'] = e.from;
      pinBuild(path.join(work, `dist-${i}`));
      e.bundle = process.env['BENCH_BUNDLE'];
      delete process.env['BENCH_BUNDLE'];
    });
    pinBuild(path.join(work, 'dist'));
    const ours = process.env['BENCH_BUNDLE'];
    await net.waitLinkLocal();
    // One server at a time owns the relay's port: start, warm up, measure, stop, per run.
    for (let r = 0; r < runs; r++) {
      for (const [i, { label, kind, bundle }] of entries.entries()) {
        process.env['BENCH_BUNDLE'] = bundle ?? ours;
        const server = await startServer(net, kind, path.join(work, `${i}-${r}`), CLIENTS);
        servers.add(server);
        try {
          await runPerfdhcp(net, { rate: 500, periodSec: warmup, clients: CLIENTS, cpu: GENERATOR_CPU, seed: 1000 + r });
          const before = readStatus(server.pid);
          const f = await measureRun(net, server, rate, period, CLIENTS, 2000 + r);
          const after = readStatus(server.pid);
          // Wake-ups of the main thread per exchange: two are the two requests.
          const wakeups = (after.voluntaryCtxt - before.voluntaryCtxt) / Math.max(1, f.completed);
          const us = f.completed > 0 ? (f.cpuSec / f.completed) * 1e6 : NaN;
          perDora.get(label)?.push(us);
          const drop = f.run.dropRatio;
          console.log(`${label.padEnd(14)} run ${r + 1}: ${f.completed} DORA, ${us.toFixed(1)} µs CPU each (${((f.systemSec / f.cpuSec) * 100).toFixed(0)} % system), drop ${(drop * 100).toFixed(2)} %, ${wakeups.toFixed(2)} wake-ups each`);
        } finally {
          await server.stop();
          servers.delete(server);
        }
      }
    }
    for (const [label, xs] of perDora) console.log(`${label.padEnd(14)} median ${median(xs).toFixed(1)} µs per DORA at ${rate}/s over ${xs.length} runs [${xs.map((x) => x.toFixed(0)).join(', ')}]`);
  } finally {
    for (const s of servers.values()) await s.stop();
    net.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
