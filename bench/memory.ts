// Memory of our daemon: RssAnon, VmRSS and live heap idle (3 blocks owned) and
// with 1 000 and 10 000 leases, with the package's router flags and without.
// The lease phases restart the daemon on the same state directory with more
// spare leases, so the pool is claimed before the clients come (see RESULTS.md).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { leaseClients, waitForFreeLeases } from './drive';
import type { BenchNet } from './netns';
import { sleep } from './netns';
import { readHeap, type HeapFigures } from './probe';
import { formatMb, readStatus, type ProcStatus } from './proc';
import { readRouterFlags, startDdhcpd, type DdhcpdSetup, type RunningServer } from './servers';
import { SERVER_CPU } from './load';

export const IDLE_SPARE = 257;
export const BUSY_SPARE = 10240;
/**
 * V8's memory reducer shrinks the young generation some seconds after start-up
 * work ends; read earlier, RssAnon was 0.7-1.4 MB higher in some runs than in others.
 */
const SETTLE_MS = 15_000;

export interface MemoryPoint {
  readonly label: string;
  readonly leases: number;
  readonly blocks: number;
  readonly status: ProcStatus;
  readonly heap: HeapFigures | undefined;
}

export interface MemoryFigures {
  readonly flags: string;
  readonly points: readonly MemoryPoint[];
}

/** -b 7 with spare 257: exactly 3 blocks of 128 (two hold at most 256). */
export function idleSetup(nodeFlags: readonly string[], stateDir: string, extra: readonly string[] = ['-L', '-t', '2']): DdhcpdSetup {
  return { blockSizePow: 7, spareLeases: IDLE_SPARE, extra, nodeFlags, stateDir };
}

async function measure(net: BenchNet, s: RunningServer, label: string, probeDir: string): Promise<MemoryPoint> {
  await sleep(SETTLE_MS);
  const use = await waitForFreeLeases(net, s.ctl ?? '', 128, 0, 5000);
  const status = readStatus(s.pid);
  const heap = await readHeap(s.pid, probeDir);
  return { label, leases: use.used, blocks: use.ours, status, heap };
}

export async function runMemory(net: BenchNet, workDir: string, probe: string, router: boolean, leaseSteps: readonly number[], log: (l: string) => void): Promise<MemoryFigures> {
  const flags = router ? readRouterFlags() : [];
  const name = router ? 'router' : 'plain';
  const dir = path.join(workDir, `memory-${name}`);
  const stateDir = path.join(dir, 'state');
  const probeDir = path.join(dir, 'probe');
  process.env['BENCH_PROBE_DIR'] = probeDir;
  const nodeFlags = [...flags, '-r', probe];
  const points: MemoryPoint[] = [];
  mkdirSync(probeDir, { recursive: true });

  const idle = startDdhcpd(net, path.join(dir, 'idle'), SERVER_CPU, idleSetup(nodeFlags, stateDir));
  try {
    await waitForFreeLeases(net, idle.ctl ?? '', 128, IDLE_SPARE, 30_000);
    points.push(await measure(net, idle, 'idle', probeDir));
  } finally {
    await idle.stop();
  }

  const busy = startDdhcpd(net, path.join(dir, 'busy'), SERVER_CPU, { ...idleSetup(nodeFlags, stateDir), spareLeases: BUSY_SPARE });
  try {
    await waitForFreeLeases(net, busy.ctl ?? '', 128, 10_000, 30_000);
    points.push(await measure(net, busy, '0 leases, pool claimed', probeDir));
    let leased = 0;
    for (const target of leaseSteps) {
      const r = await leaseClients(net, leased, target - leased, 64);
      leased = target;
      points.push(await measure(net, busy, `${target} leases${r.failed > 0 ? ` (${r.failed} failed)` : ''}`, probeDir));
    }
  } finally {
    await busy.stop();
  }
  const result = { flags: flags.length === 0 ? '(none)' : flags.join(' '), points };
  for (const line of formatMemory(result)) log(line);
  return result;
}

export function formatMemory(m: MemoryFigures): string[] {
  const mb = (b: number | undefined): string => (b === undefined ? 'n/a' : formatMb(b / 1024));
  return [`memory, node flags ${m.flags}:`, ...m.points.map((p) =>
    `  ${p.label.padEnd(30)} blocks ${String(p.blocks).padStart(3)}: RssAnon ${formatMb(p.status.rssAnonKb)} MB, VmRSS ${formatMb(p.status.vmRssKb)} MB, ` +
    `VmHWM ${formatMb(p.status.vmHwmKb)} MB, heap used ${mb(p.heap?.heapUsedBeforeGc)} MB (live after GC ${mb(p.heap?.heapUsedAfterGc)} MB, total ${mb(p.heap?.heapTotal)} MB)`)];
}
