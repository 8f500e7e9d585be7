// How long users wait for an address, on the simulator's virtual clock, for the C daemon's
// default timers and for the package's: a node without state joining a settled mesh, a
// crowd arriving at once, a steady stream of new clients, a flood of MACs, every node of
// a 100-node mesh rebooting without state. Clients resend DISCOVER every second, as
// udhcpc does. Figures only: nothing here asserts a speed (test/sim/claim-safety.test.ts
// holds the safety side). Every row prints the `make sim` flags that replay it.
// `make sim-ttl SIM_ARGS="[--seeds 5] [--profile c|package] [--only cold,crowd,steady,flood,reboot]"`

import { parseArgs } from 'node:util';
import { createCore } from '../src/core/node';
import { runScenario, type SimRun } from '../src/sim/run';
import { DEFAULT_SCENARIO, formatReplay, type Scenario } from '../src/sim/scenario';
import { SimInvariantError } from '../src/sim/sim-types';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    profile: { type: 'string', default: 'c,package' },
    only: { type: 'string', default: 'cold,crowd,steady,flood,reboot' },
  },
});
const seeds = Array.from({ length: Math.max(1, Number(values.seeds)) }, (_, i) => i + 1);
const only = new Set((values.only ?? '').split(','));

interface Profile {
  readonly name: string;
  readonly timers: Partial<Scenario>;
}

const PROFILES: readonly Profile[] = [
  { name: 'c', timers: { tentativeTimeout: 15, blockTimeout: 60, blockSizePow: 2, spareLeases: 2, needlessTimeout: 300, learning: 1 } },
  { name: 'package', timers: { tentativeTimeout: 15, blockTimeout: 300, blockSizePow: 2, spareLeases: 2, needlessTimeout: 300, learning: 1 } },
];

/** No background: no loss, churn or clients of the default scenario; clients retry every second; strict duplicates. */
const QUIET: Scenario = {
  ...DEFAULT_SCENARIO, loss: 0, duplicate: 0, churn: 0, clientsPerNodeHour: 0, lateFraction: 0, startSpread: 30, quiet: 0,
  clientRetry: 1000, leaseTime: 300,
};

function settledAt(s: Scenario): number {
  // Every node started, learnt and claimed its spare block, with a margin.
  return s.startSpread + s.blockTimeout + 6 * s.tentativeTimeout;
}

interface Outcome {
  readonly run: SimRun | undefined;
  readonly failure: string | undefined;
  readonly replay: string;
}

function run(s: Scenario): Outcome {
  const replay = formatReplay(s).replace('npm run sim -- ', 'make sim SIM_ARGS="') + '"';
  try {
    return { run: runScenario(s, createCore), failure: undefined, replay };
  } catch (e) {
    if (e instanceof SimInvariantError) return { run: undefined, failure: e.detail, replay };
    throw e;
  }
}

function median(xs: readonly number[]): number | undefined {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
}

function sec(x: number | undefined): string {
  return x === undefined ? 'never' : `${x.toFixed(1)} s`;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`;
}

const rows: string[][] = [];
const replays: string[] = [];

function row(profile: string, what: string, figure: string, o: Outcome | undefined, extra = ''): void {
  const failure = o?.failure === undefined ? '' : ` FAILED: ${o.failure}`;
  const dups = o?.run === undefined ? 'n/a' : String(o.run.figures.duplicatesAny);
  const doubled = o?.run === undefined ? 'n/a' : String(o.run.figures.doubleOwnedMoments);
  rows.push([profile, what, figure + failure, dups, doubled, extra]);
  if (o !== undefined) replays.push(`${profile} ${what}: ${o.replay}`);
}

for (const profile of PROFILES.filter((p) => (values.profile ?? '').split(',').includes(p.name))) {
  const base: Scenario = { ...QUIET, ...profile.timers };
  const settle = settledAt(base);
  const p = profile.name;

  if (only.has('cold')) {
    // A node without state joins 10 settled nodes; its client asks from the first second.
    const outcomes = seeds.map((seed) => run({ ...base, seed, nodes: 10, prefixLen: 24, joinAt: settle, minutes: (settle + base.blockTimeout + 240) / 60 }));
    const waits = outcomes.map((o) => o.run?.workload.joinWaitSec).filter((w): w is number => w !== undefined);
    const never = outcomes.length - waits.length;
    row(p, `cold start (10 nodes, ${seeds.length} seeds)`, `median ${sec(median(waits))}, max ${sec(waits.length ? Math.max(...waits) : undefined)}${never > 0 ? `, ${never} never` : ''}`, outcomes[0]);
  }

  if (only.has('crowd')) {
    for (const crowd of [30, 100]) {
      // Learning off (-L) on a settled 2-node mesh; the crowd arrives at node 0.
      const o = run({ ...base, seed: 1, nodes: 2, learning: 0, prefixLen: 20, crowd, crowdAt: settle, minutes: (settle + 1200) / 60 });
      const w = o.run?.workload.crowdWaitsSec ?? [];
      row(p, `crowd of ${crowd} (2 nodes, -L)`, `median ${sec(median(w))}, last ${sec(w.length === crowd ? w[w.length - 1] : undefined)} (${w.length}/${crowd} leased)`, o);
    }
  }

  if (only.has('steady')) {
    // 100 new clients a second at node 0 of 2 nodes on a /16: 20 s warm-up, 20 s measured;
    // a client not leased 3 s after its first DISCOVER gives up (perfdhcp-like).
    const o = run({ ...base, seed: 1, nodes: 2, prefixLen: 16, arrivalRate: 100, arrivalAt: settle, arrivalFor: 40, arrivalWarmup: 20, giveUp: 3, minutes: (settle + 60) / 60 });
    const wl = o.run?.workload;
    const w = wl?.arrivalWaitsSec ?? [];
    const at = (q: number): number | undefined => w[Math.min(w.length - 1, Math.floor(q * w.length))];
    row(
      p, 'steady 100/s (2 nodes, /16)', wl === undefined ? 'n/a' : `${pct(wl.arrivalsUnserved, wl.arrivalsMeasured)} of ${wl.arrivalsMeasured} not leased within 3 s`, o,
      w.length === 0 ? '' : `waits of those leased: median ${sec(at(0.5))}, p99 ${sec(at(0.99))}, max ${sec(w[w.length - 1])}`,
    );
  }

  if (only.has('flood')) {
    // 20 000 MACs at 1000/s at node 0 of 10 nodes on a /20 (1024 blocks of 4); then one client at each other node.
    const o = run({ ...base, seed: 1, nodes: 10, prefixLen: 20, flood: 20000, floodAt: settle, floodRate: 1000, giveUp: 3, minutes: (settle + 20 + 10 + 120) / 60 });
    const wl = o.run?.workload;
    const f = o.run?.figures;
    const probes = wl?.probeWaitsSec ?? [];
    row(
      p, 'flood 20 000 MACs (10 nodes, /20)',
      wl === undefined ? 'n/a' : `flooded node holds ${wl.floodNodeBlocks}/${wl.totalBlocks} blocks (${pct(wl.floodNodeBlocks, wl.totalBlocks)})`, o,
      wl === undefined || f === undefined ? '' : `${f.acks - probes.length} flood clients leased; other nodes' clients: ${probes.length}/${wl.probeClients} leased, median ${sec(median(probes))}, max ${sec(probes.length ? probes[probes.length - 1] : undefined)}`,
    );
  }

  if (only.has('reboot')) {
    // 100 nodes with clients renewing; every node restarts without state within 10 min.
    const window = 600 + 180 + base.blockTimeout;
    const at = settle + window;
    const o = run({ ...base, seed: 1, nodes: 100, clientsPerNodeHour: 4, clientStay: 36000, rebootAllAt: at, rebootAllOver: 600, downMin: 30, downMax: 180, minutes: Math.ceil((at + window + 120) / 60) });
    const wl = o.run?.workload;
    const f = o.run?.figures;
    const per = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(2));
    row(
      p, 'mass reboot (100 nodes, 10 min)',
      `${per(wl?.rebootPacketsPerNodeMin)} packets/node/min while recovering (busiest minute ${per(wl?.rebootPeakPacketsPerNodeMin)}), ${per(wl?.steadyPacketsPerNodeMin)} before`, o,
      f === undefined ? '' : `DISCOVER-to-ACK p99 ${sec(f.waitP99Sec)}, max ${sec(f.waitMaxSec)}; dup causes: ${f.duplicateAddresses} unexplained, ${f.duplicatesAfterOwnerChange} after owner change, ${f.duplicatesWhileContested} contested`,
    );
  }
}

console.log(`time to lease on the virtual clock (node ${process.version}); clients resend every 1 s; dup = addresses held by two clients at once, any cause`);
console.log('| timers | scenario | figure | dup | double-owned | more |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('\nreplay:');
for (const r of replays) console.log(`  ${r}`);
