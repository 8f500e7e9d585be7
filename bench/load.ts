// The load bench: perfdhcp (one core) against each server (the other core),
// full DORA, stepping the rate until the median of repeated runs loses 1 % or
// more, then one point between the last pass and the first failure. Prints a
// line per run and per server; the summary goes to bench/RESULTS.md.

import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { formatTop } from './cpu-profile';
import { waitForFreeLeases, waitServing } from './drive';
import type { BenchNet } from './netns';
import { sleep } from './netns';
import { percentile, runPerfdhcp, type PerfdhcpRun } from './perfdhcp';
import { formatMemory, readCpuTimes, readStatus, readUdpRcvbufErrors, type ProcStatus } from './proc';
import type { DdhcpdSetup, RunningServer, ServerKind } from './servers';
import { readRouterFlags, startDdhcpd, startDnsmasq, startKea } from './servers';
import { fmt, median, pct } from './stats';

export const GENERATOR_CPU = 0;
export const SERVER_CPU = 1;
const MAX_DROP = 0.01;

export interface LoadOptions {
  readonly kinds: readonly ServerKind[];
  readonly rates: readonly number[];
  readonly repeats: number;
  readonly periodSec: number;
  readonly clients: number;
  readonly warmupSec: number;
  readonly bisect: boolean;
  readonly profileSec: number;
}

export interface RunFigures {
  readonly run: PerfdhcpRun;
  readonly cpuSec: number;
  /** Kernel share of cpuSec: on a veth pair the sender's CPU also runs the receiver's network stack. */
  readonly systemSec: number;
  readonly completed: number;
  readonly serverOverflows: number;
}

export interface PointFigures {
  readonly rate: number;
  readonly runs: readonly RunFigures[];
  readonly drop: number;
  readonly achieved: number;
  readonly cpuPer1000: number;
  readonly doP50: number;
  readonly doP99: number;
  readonly raP50: number;
  readonly raP99: number;
  readonly generatorLimited: boolean;
  readonly serverOverflowed: boolean;
  readonly serverCpuShare: number;
  readonly systemShare: number;
}

export interface ServerFigures {
  readonly kind: ServerKind;
  readonly points: readonly PointFigures[];
  readonly best: PointFigures | undefined;
  readonly firstFail: PointFigures | undefined;
  readonly at1000: PointFigures | undefined;
  readonly before: ProcStatus;
  readonly after: ProcStatus;
  readonly limit: string;
  readonly profile: string | undefined;
}

/** Block size 128 (the largest -b) and spare leases above the client count: see RESULTS.md, "how the pool holds the load". */
export function loadSetup(clients: number, nodeFlags: readonly string[]): DdhcpdSetup {
  return { blockSizePow: 7, spareLeases: Math.ceil(clients / 128) * 128 + 128, extra: ['-L', '-t', '2'], nodeFlags };
}

/** The UCI defaults (files/etc/config/ddhcpd): 2^2 blocks, 2 spare leases, -t 15, -B 300, -n 300, learning on. */
export const PACKAGE_DEFAULTS = { blockSizePow: 2, spareLeases: 2, tentativeSec: 15, blockTimeoutSec: 300 } as const;

export function packageDefaultsSetup(nodeFlags: readonly string[]): DdhcpdSetup {
  const d = PACKAGE_DEFAULTS;
  return { blockSizePow: d.blockSizePow, spareLeases: d.spareLeases, extra: ['-t', String(d.tentativeSec), '-B', String(d.blockTimeoutSec), '-n', '300'], nodeFlags };
}

export async function startServer(net: BenchNet, kind: ServerKind, dir: string, clients: number, nodeFlags: readonly string[] = []): Promise<RunningServer> {
  let server: RunningServer;
  if (kind === 'dnsmasq') server = startDnsmasq(net, dir, SERVER_CPU);
  else if (kind === 'kea') server = startKea(net, dir, SERVER_CPU);
  else if (kind === 'ddhcpd-defaults') {
    // No pre-claimed pool: the sweep sees what the package does with spare leases of 2.
    server = startDdhcpd(net, dir, SERVER_CPU, packageDefaultsSetup([...readRouterFlags(), ...nodeFlags]), kind);
  } else {
    const flags = kind === 'ddhcpd-router' ? [...readRouterFlags(), ...nodeFlags] : nodeFlags;
    server = startDdhcpd(net, dir, SERVER_CPU, loadSetup(clients, flags), kind);
    await waitForFreeLeases(net, server.ctl ?? '', 128, clients, 30_000);
  }
  // With learning on, a node with no saved state may listen a whole block timeout first.
  const servingMs = kind === 'ddhcpd-defaults' ? (PACKAGE_DEFAULTS.blockTimeoutSec + PACKAGE_DEFAULTS.tentativeSec * 3 + 30) * 1000 : 20_000;
  try {
    await waitServing(net, servingMs);
  } catch (e) {
    await server.stop();
    throw new Error(`${kind}: ${e instanceof Error ? e.message : String(e)}\n${server.log()}`);
  }
  return server;
}

export async function measureRun(net: BenchNet, server: RunningServer, rate: number, periodSec: number, clients: number, seed: number): Promise<RunFigures> {
  const cpu0 = readCpuTimes(server.pid);
  const over0 = readUdpRcvbufErrors(net.server);
  const run = await runPerfdhcp(net, { rate, periodSec, clients, cpu: GENERATOR_CPU, seed });
  const cpu1 = readCpuTimes(server.pid);
  const systemSec = cpu1.systemSec - cpu0.systemSec;
  const cpuSec = cpu1.userSec - cpu0.userSec + systemSec;
  return { run, cpuSec, systemSec, completed: run.requestAck.received, serverOverflows: readUdpRcvbufErrors(net.server) - over0 };
}

function summarisePoint(rate: number, runs: RunFigures[], periodSec: number): PointFigures {
  const m = (f: (r: RunFigures) => number): number => median(runs.map(f));
  return {
    rate,
    runs,
    drop: m((r) => r.run.dropRatio),
    // Completed DORAs over the sending period (perfdhcp's own figure also counts its exit wait).
    achieved: m((r) => r.completed / periodSec),
    cpuPer1000: m((r) => (r.completed > 0 ? (r.cpuSec / r.completed) * 1000 : NaN)),
    doP50: m((r) => percentile(r.run.discoverOffer.latenciesMs, 50)),
    doP99: m((r) => percentile(r.run.discoverOffer.latenciesMs, 99)),
    raP50: m((r) => percentile(r.run.requestAck.latenciesMs, 50)),
    raP99: m((r) => percentile(r.run.requestAck.latenciesMs, 99)),
    // perfdhcp could not send at the rate asked, or its own socket overflowed.
    generatorLimited: runs.filter((r) => r.run.generatorOverflows > 0 || r.run.discoverOffer.sent < 0.9 * rate * periodSec).length * 2 > runs.length,
    serverOverflowed: runs.filter((r) => r.serverOverflows > 0).length * 2 > runs.length,
    serverCpuShare: m((r) => r.cpuSec / (periodSec + 1)),
    systemShare: m((r) => (r.cpuSec > 0 ? r.systemSec / r.cpuSec : NaN)),
  };
}

export function formatPoint(kind: string, p: PointFigures): string {
  const runs = p.runs.map((r) => `${pct(r.run.dropRatio)}${r.run.generatorOverflows > 0 ? ' gen-ovf' : ''}${r.serverOverflows > 0 ? ' srv-ovf' : ''}`).join(', ');
  return `  ${kind.padEnd(13)} ${String(p.rate).padStart(5)}/s: got ${fmt(p.achieved, 0)}/s drop ${pct(p.drop)} [${runs}] ` +
    `DO p50/p99 ${fmt(p.doP50, 2)}/${fmt(p.doP99, 2)} ms RA ${fmt(p.raP50, 2)}/${fmt(p.raP99, 2)} ms ` +
    `CPU ${fmt(p.cpuPer1000, 3)} s/1000 (${fmt(p.systemShare * 100, 0)} % system; ${fmt(p.serverCpuShare * 100, 0)} % of a core)`;
}

function describeLimit(fail: PointFigures | undefined, lastTried: PointFigures | undefined, maxRate: number): string {
  if (fail === undefined) {
    return lastTried?.generatorLimited === true ? 'generator (perfdhcp could not send or receive faster)' : `none up to ${maxRate}/s (highest rate tried)`;
  }
  if (fail.generatorLimited) return 'generator (perfdhcp receive buffer overflowed or it sent too slowly)';
  if (fail.serverOverflowed) return `server: its socket overflowed (${fmt(fail.serverCpuShare * 100, 0)} % of a core)`;
  if (fail.serverCpuShare > 0.85) return `server CPU (${fmt(fail.serverCpuShare * 100, 0)} % of a core)`;
  return `replies later than perfdhcp's 1 s drop time (server at ${fmt(fail.serverCpuShare * 100, 0)} % of a core)`;
}

interface SweepResult {
  points: PointFigures[];
  best?: PointFigures;
  fail?: PointFigures;
  /** Why the sweep stopped early (the server died), keeping the points measured before. */
  error?: string;
}

async function sweep(net: BenchNet, server: RunningServer, o: LoadOptions, log: (line: string) => void): Promise<SweepResult> {
  try {
    return await sweepRates(net, server, o, log);
  } catch (e) {
    if (!(e instanceof SweepAborted)) throw e;
    return e.partial;
  }
}

class SweepAborted extends Error {
  constructor(readonly partial: SweepResult) {
    super(partial.error);
  }
}

async function sweepRates(net: BenchNet, server: RunningServer, o: LoadOptions, log: (line: string) => void): Promise<SweepResult> {
  const points: PointFigures[] = [];
  let best: PointFigures | undefined;
  let fail: PointFigures | undefined;
  let seed = 1;
  const measurePoint = async (rate: number): Promise<PointFigures> => {
    const runs: RunFigures[] = [];
    for (let k = 0; k < o.repeats; k++) {
      try {
        runs.push(await measureRun(net, server, rate, o.periodSec, o.clients, seed++));
      } catch (e) {
        const died = server.proc.exitCode !== null || server.proc.signalCode !== null;
        const how = died ? `server exited (code ${server.proc.exitCode}, signal ${server.proc.signalCode}) at ${rate}/s` : `run failed at ${rate}/s`;
        const lines = server.log().trim().split('\n');
        // A fatal V8 error names itself in its first lines; the stack follows.
        const tail = (lines.length > 12 ? [...lines.slice(0, 8), '...', ...lines.slice(-3)] : lines).join(' | ');
        const error = `${how}: ${e instanceof Error ? e.message : String(e)}${tail === '' ? '' : `; log: ${tail}`}`;
        log(`  ${server.kind}: ${error}`);
        throw new SweepAborted({ points, ...(best === undefined ? {} : { best }), error });
      }
    }
    const p = summarisePoint(rate, runs, o.periodSec);
    points.push(p);
    log(formatPoint(server.kind, p));
    return p;
  };
  for (const rate of o.rates) {
    const p = await measurePoint(rate);
    if (p.drop >= MAX_DROP) {
      fail = p;
      break;
    }
    best = p;
  }
  if (o.bisect && fail !== undefined && !fail.generatorLimited) {
    const low = best?.rate ?? 0;
    const mid = Math.round((low + fail.rate) / 2 / 50) * 50;
    if (mid > low && mid < fail.rate && fail.rate - low > 100) {
      const p = await measurePoint(mid);
      if (p.drop < MAX_DROP) best = p;
      else fail = p;
    }
  }
  return { points, ...(best === undefined ? {} : { best }), ...(fail === undefined ? {} : { fail }) };
}

/** A short CPU profile of our daemon at `rate`: what limits it. */
export async function profileDdhcpd(net: BenchNet, kind: ServerKind, dir: string, rate: number, o: LoadOptions): Promise<string> {
  const profDir = path.join(dir, 'cpu-prof');
  mkdirSync(profDir, { recursive: true });
  const server = await startServer(net, kind, path.join(dir, 'profiled'), o.clients, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  try {
    await runPerfdhcp(net, { rate: Math.min(rate, 500), periodSec: 3, clients: o.clients, cpu: GENERATOR_CPU, seed: 99 });
    await runPerfdhcp(net, { rate, periodSec: o.profileSec, clients: o.clients, cpu: GENERATOR_CPU, seed: 100 });
  } finally {
    await server.stop();
  }
  await sleep(500);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  return file === undefined ? 'no profile written' : formatTop(path.join(profDir, file), 15);
}

export async function runLoad(net: BenchNet, workDir: string, o: LoadOptions, log: (line: string) => void): Promise<ServerFigures[]> {
  const out: ServerFigures[] = [];
  for (const kind of o.kinds) {
    const dir = path.join(workDir, kind);
    log(`load: ${kind}`);
    let server: RunningServer;
    try {
      server = await startServer(net, kind, dir, o.clients);
    } catch (e) {
      log(`  ${kind}: not measured: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    let result: SweepResult;
    let before: ProcStatus;
    try {
      if (o.warmupSec > 0) await runPerfdhcp(net, { rate: 500, periodSec: o.warmupSec, clients: o.clients, cpu: GENERATOR_CPU, seed: 1000 });
      before = readStatus(server.pid);
      result = await sweep(net, server, o, log);
    } catch (e) {
      const how = server.proc.exitCode !== null || server.proc.signalCode !== null ? ` (server exited: code ${server.proc.exitCode}, signal ${server.proc.signalCode})` : '';
      log(`  ${kind}: sweep failed${how}: ${e instanceof Error ? e.message : String(e)}`);
      const tail = server.log().trim().split('\n').slice(-15).join('\n    ');
      if (tail !== '') log(`    ${tail}`);
      await server.stop();
      continue;
    }
    let after: ProcStatus;
    try {
      after = readStatus(server.pid);
    } catch {
      after = { vmRssKb: NaN, rssAnonKb: NaN, vmHwmKb: NaN, voluntaryCtxt: NaN, nonvoluntaryCtxt: NaN };
    }
    await server.stop();
    const last = result.points[result.points.length - 1];
    const limit = result.error ?? describeLimit(result.fail, last, o.rates[o.rates.length - 1] ?? 0);
    let profile: string | undefined;
    // Not the package defaults: a second daemon would wait out another learning phase.
    if (kind.startsWith('ddhcpd') && kind !== 'ddhcpd-defaults' && result.fail !== undefined && !result.fail.generatorLimited && o.profileSec > 0) {
      profile = await profileDdhcpd(net, kind, dir, result.fail.rate, o).catch((e: unknown) => `profile failed: ${String(e)}`);
    }
    out.push({
      kind,
      points: result.points,
      best: result.best,
      firstFail: result.fail,
      at1000: result.points.find((p) => p.rate === 1000),
      before,
      after,
      limit,
      profile,
    });
  }
  return out;
}

export function formatServerLine(s: ServerFigures): string {
  const b = s.best;
  const head = b === undefined
    ? `${s.kind.padEnd(13)} max: below ${s.points[0]?.rate ?? '?'}/s`
    : `${s.kind.padEnd(13)} max ${b.rate} DORA/s (got ${fmt(b.achieved, 0)}) drops ${pct(b.drop)}, ` +
      `latency DO p50 ${fmt(b.doP50, 2)} p99 ${fmt(b.doP99, 2)} ms, RA p50 ${fmt(b.raP50, 2)} p99 ${fmt(b.raP99, 2)} ms`;
  const cpu = `CPU s/1000 leases: ${fmt(s.at1000?.cpuPer1000 ?? NaN, 3)} at 1000/s, ${fmt(b?.cpuPer1000 ?? NaN, 3)} at max`;
  return `${head}; ${cpu}; limit: ${s.limit}; before ${formatMemory(s.before)}; after ${formatMemory(s.after)}`;
}
