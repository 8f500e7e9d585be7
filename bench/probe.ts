// Builds the preload probe (probe-preload.ts) into one CommonJS file the
// daemon can load with `node -r`, and reads what it writes.

import { buildSync } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './netns';

export function buildProbe(outDir: string): string {
  const outfile = path.join(outDir, 'bench-probe.js');
  buildSync({ entryPoints: [path.join(__dirname, 'probe-preload.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

export interface HeapFigures {
  readonly heapUsedBeforeGc: number;
  readonly heapUsedAfterGc: number;
  readonly heapTotal: number;
  readonly external: number;
}

export interface StartupMarks {
  readonly timeOriginEpochMs: number;
  readonly preloadAtMs: number;
  readonly bundleStartMs: number;
  readonly bundleEndMs: number;
}

/** Signals the probe and waits for its heap file. */
export async function readHeap(pid: number, dir: string): Promise<HeapFigures | undefined> {
  const file = path.join(dir, 'heap.json');
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let k = 0; k < 50 && !existsSync(file); k++) await sleep(100);
  await sleep(50);
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { before: NodeJS.MemoryUsage; after: NodeJS.MemoryUsage };
    return { heapUsedBeforeGc: j.before.heapUsed, heapUsedAfterGc: j.after.heapUsed, heapTotal: j.after.heapTotal, external: j.after.external };
  } catch {
    return undefined;
  }
}

export function readStartupMarks(dir: string): StartupMarks | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'startup.json'), 'utf8')) as StartupMarks;
  } catch {
    return undefined;
  }
}
