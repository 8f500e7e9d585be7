// Idle cost: context switches and CPU over a quiet interval with 3 blocks
// owned, under the package's router flags and the protocol defaults the UCI
// file ships (block_timeout 300 -> a refresh every 75 s) or the C defaults (60 -> 15 s).

import path from 'node:path';
import { waitForFreeLeases } from './drive';
import { SERVER_CPU } from './load';
import { idleSetup } from './memory';
import type { BenchNet } from './netns';
import { sleep } from './netns';
import { readCpuSeconds, readStatus, readThreadSwitches } from './proc';
import { readRouterFlags, startDdhcpd } from './servers';
import { fmt } from './stats';

export interface IdleFigures {
  readonly label: string;
  readonly seconds: number;
  readonly mainVoluntary: number;
  readonly mainNonvoluntary: number;
  readonly allSwitches: number;
  readonly threads: number;
  readonly cpuMs: number;
  readonly rssAnonKb: number;
}

export async function runIdle(net: BenchNet, workDir: string, seconds: number, blockTimeoutSec: number, log: (l: string) => void): Promise<IdleFigures> {
  const dir = path.join(workDir, `idle-B${blockTimeoutSec}`);
  const s = startDdhcpd(net, dir, SERVER_CPU, idleSetup(readRouterFlags(), path.join(dir, 'state'), ['-L', '-t', '2', '-B', String(blockTimeoutSec)]));
  try {
    await waitForFreeLeases(net, s.ctl ?? '', 128, 257, 30_000);
    // Let start-up work (JIT off, first state write) finish before counting.
    await sleep(3000);
    const main0 = readStatus(s.pid);
    const all0 = readThreadSwitches(s.pid);
    const cpu0 = readCpuSeconds(s.pid);
    await sleep(seconds * 1000);
    const main1 = readStatus(s.pid);
    const all1 = readThreadSwitches(s.pid);
    const fig: IdleFigures = {
      label: `router flags, -B ${blockTimeoutSec}`,
      seconds,
      mainVoluntary: main1.voluntaryCtxt - main0.voluntaryCtxt,
      mainNonvoluntary: main1.nonvoluntaryCtxt - main0.nonvoluntaryCtxt,
      allSwitches: all1.voluntary + all1.nonvoluntary - all0.voluntary - all0.nonvoluntary,
      threads: all1.threads,
      cpuMs: (readCpuSeconds(s.pid) - cpu0) * 1000,
      rssAnonKb: main1.rssAnonKb,
    };
    log(formatIdle(fig));
    return fig;
  } finally {
    await s.stop();
  }
}

export function formatIdle(f: IdleFigures): string {
  return `  idle ${f.label.padEnd(22)} over ${f.seconds} s, 3 blocks: main thread ${f.mainVoluntary} voluntary + ${f.mainNonvoluntary} involuntary ` +
    `context switches (all ${f.threads} threads: ${f.allSwitches}), ` +
    `CPU ${fmt(f.cpuMs, 0)} ms (${fmt(f.cpuMs / f.seconds / 10, 3)} %), RssAnon ${fmt(f.rssAnonKb / 1024, 1)} MB`;
}
