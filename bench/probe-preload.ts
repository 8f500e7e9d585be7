// Preloaded into the daemon under test (`node -r probe.js dist/ddhcpd.js`), never
// shipped: records when node finished booting and when the bundle finished
// loading (compile + top-level run), and on SIGUSR2 writes the heap figures,
// measured after a full GC, to $BENCH_PROBE_DIR.

import { writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

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

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  gc();
  const after = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  writeFileSync(path.join(dir, 'heap.json'), JSON.stringify({ before, after, heap }));
});
