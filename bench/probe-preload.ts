// Preloaded into the daemon under test (`node -r probe.js dist/ddhcpd.js`), never
// shipped: records when node finished booting and when the bundle finished
// loading (compile + top-level run), and on SIGUSR2 writes the heap figures,
// measured after a full GC, to $BENCH_PROBE_DIR. The GC hook (node:v8, node:vm
// and a second context, ~0.9 MB) is made on the first signal, after the bench
// has read RssAnon, so the reading is the daemon's own.

import { writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

const dir = process.env['BENCH_PROBE_DIR'] ?? '/tmp';
const preloadAtMs = performance.now();

type Compile = (this: unknown, content: string, filename: string) => unknown;
const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
const original = proto._compile;
let done = false;
proto._compile = function compile(this: unknown, content: string, filename: string): unknown {
  if (done || !filename.endsWith('ddhcpd.js')) return original.call(this, content, filename);
  done = true;
  const startMs = performance.now();
  const result = original.call(this, content, filename);
  const endMs = performance.now();
  writeFileSync(path.join(dir, 'startup.json'), JSON.stringify({ timeOriginEpochMs: performance.timeOrigin, preloadAtMs, bundleStartMs: startMs, bundleEndMs: endMs }));
  return result;
};

let gc: (() => void) | undefined;
function collect(): void {
  if (gc === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    gc = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  }
  gc();
}

process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  collect();
  const after = process.memoryUsage();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const heap = (require('node:v8') as typeof import('node:v8')).getHeapStatistics();
  writeFileSync(path.join(dir, 'heap.json'), JSON.stringify({ before, after, heap }));
});
