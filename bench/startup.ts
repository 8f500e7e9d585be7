// Start-up: time from spawning the daemon to its first OFFER, with a state file
// (so restored blocks serve at once and no learning phase applies), split into
// spawn (ip netns exec, taskset), node's own boot, loading the bundle, and the
// rest (sockets, netlink, state restore, first packet).

import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startOfferProbe, waitForFreeLeases } from './drive';
import { SERVER_CPU } from './load';
import { idleSetup } from './memory';
import type { BenchNet } from './netns';
import { sleep } from './netns';
import { readStartupMarks } from './probe';
import { epochMs } from './relay-client';
import { readRouterFlags, startDdhcpd } from './servers';
import { fmt, median } from './stats';

export interface StartupFigures {
  readonly label: string;
  readonly totalMs: number;
  readonly spawnMs: number;
  readonly nodeBootMs: number;
  readonly bundleMs: number;
  readonly restMs: number;
  readonly runs: number;
}

async function timeOnce(net: BenchNet, dir: string, stateSrc: string, nodeFlags: readonly string[], probeDir: string): Promise<StartupFigures | undefined> {
  const stateDir = path.join(dir, 'state');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(probeDir, { recursive: true });
  rmSync(path.join(probeDir, 'startup.json'), { force: true });
  cpSync(stateSrc, stateDir, { recursive: true });
  const probe = startOfferProbe(net, 5, 15_000);
  await probe.ready;
  // Learning stays on: only the restored blocks can answer, which is what this measures.
  const t0 = epochMs();
  const s = startDdhcpd(net, dir, SERVER_CPU, idleSetup(nodeFlags, stateDir, []));
  const offerAt = await probe.offer;
  await s.stop();
  const marks = readStartupMarks(probeDir);
  if (offerAt === undefined || marks === undefined) return undefined;
  const spawnMs = marks.timeOriginEpochMs - t0;
  const bundleEnd = marks.timeOriginEpochMs + marks.bundleEndMs;
  return {
    label: '',
    totalMs: offerAt - t0,
    spawnMs,
    nodeBootMs: marks.bundleStartMs,
    bundleMs: marks.bundleEndMs - marks.bundleStartMs,
    restMs: offerAt - bundleEnd,
    runs: 1,
  };
}

/** Makes a state directory with 3 blocks owned, by running the daemon once. */
export async function makeSmallState(net: BenchNet, dir: string): Promise<string> {
  const stateDir = path.join(dir, 'state');
  const s = startDdhcpd(net, dir, SERVER_CPU, idleSetup([], stateDir));
  try {
    await waitForFreeLeases(net, s.ctl ?? '', 128, 257, 30_000);
    await sleep(1500);
  } finally {
    await s.stop();
  }
  return stateDir;
}

export async function runStartup(net: BenchNet, workDir: string, probe: string, states: readonly { label: string; dir: string }[], repeats: number, log: (l: string) => void): Promise<StartupFigures[]> {
  const out: StartupFigures[] = [];
  for (const router of [false, true]) {
    const flags = [...(router ? readRouterFlags() : []), '-r', probe];
    for (const st of states) {
      const runs: StartupFigures[] = [];
      for (let k = 0; k < repeats; k++) {
        const dir = path.join(workDir, 'startup-run');
        const probeDir = path.join(workDir, 'startup-probe');
        process.env['BENCH_PROBE_DIR'] = probeDir;
        const r = await timeOnce(net, dir, st.dir, flags, probeDir);
        if (r !== undefined) runs.push(r);
      }
      const m = (f: (r: StartupFigures) => number): number => median(runs.map(f));
      const fig: StartupFigures = {
        label: `${router ? 'router flags' : 'plain node'}, ${st.label}`,
        totalMs: m((r) => r.totalMs),
        spawnMs: m((r) => r.spawnMs),
        nodeBootMs: m((r) => r.nodeBootMs),
        bundleMs: m((r) => r.bundleMs),
        restMs: m((r) => r.restMs),
        runs: runs.length,
      };
      log(formatStartup(fig));
      out.push(fig);
    }
  }
  return out;
}

export function formatStartup(f: StartupFigures): string {
  return `  start-up ${f.label.padEnd(34)}: first OFFER after ${fmt(f.totalMs, 0)} ms (median of ${f.runs}) = spawn ${fmt(f.spawnMs, 0)} + ` +
    `node boot ${fmt(f.nodeBootMs, 0)} + bundle load ${fmt(f.bundleMs, 0)} + sockets/state/first reply ${fmt(f.restMs, 0)} ms`;
}
