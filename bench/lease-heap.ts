// Live heap of the core holding N leases, in process and without sockets: the
// quick instrument for lease memory (the daemon figures are bench/memory.ts).
// `node --expose-gc --import tsx bench/lease-heap.ts [--leases 10000] [--snapshot FILE] [--writer old|plain|compact]`

import { writeHeapSnapshot } from 'node:v8';
import { createCore } from '../src/core/node';
import type { Core, CoreConfig, Ipv4 } from '../src/core/types';
import { buildClientMessage } from '../src/sim/dhcp-build';
import { DhcpMessageType } from '../src/wire/dhcp-message';
import { encodeStateFilePieces, fromPersisted } from '../src/persist/state-file';
import { encodeCompactChunks, encodePersistedChunks } from '../src/persist/state-file-chunks';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const leases = Number(arg('--leases') ?? 10_000);
const snapshotFile = arg('--snapshot');
const SERVER: Ipv4 = 0x0a000001;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

/** Live JS heap plus ArrayBuffer backing stores, which V8 keeps outside the heap. */
function liveHeap(): number {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
/** The bench daemon's mesh: 10.0.0.0/16, blocks of 128, one hour leases, enough spare for every client. */
const cfg: CoreConfig = {
  nodeId: '8000000000000000', prefix: 0x0a000000, prefixLen: 16, blockSizePow: 7,
  blockTimeoutSec: 60, tentativeTimeoutSec: 15, needlessTimeoutSec: 300, spareLeases: leases + 240, maxLeases: 32768,
  learning: false, dhcpEnabled: true, probeMs: 0,
  options: [{ code: 1, payload: u32(0xffff0000) }, { code: 54, payload: u32(SERVER) }, { code: 51, payload: u32(3600) }],
};

function macOf(n: number): Uint8Array {
  return Uint8Array.of(2, 0, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

function claimPool(core: Core): number {
  let now = 0;
  for (; now < 120_000; now += 500) core.handle({ kind: 'timer' }, now);
  return now;
}

function leaseAll(core: Core, now: number, count = leases): void {
  for (let n = 0; n < count; n++) {
    const mac = macOf(n);
    const offer = core.handle({ kind: 'dhcp', msg: buildClientMessage({ type: DhcpMessageType.Discover, xid: n, mac }) }, now);
    const reply = offer.find((e) => e.kind === 'dhcpReply');
    if (reply?.kind !== 'dhcpReply') throw new Error(`no offer for client ${n}`);
    core.handle({ kind: 'dhcp', msg: buildClientMessage({ type: DhcpMessageType.Request, xid: n, mac, requested: reply.msg.yiaddr, serverId: SERVER }) }, now);
  }
}

let seed = 1;
/** xorshift32: the same blocks every run, so before/after compare like with like. */
const rng = { nextU32: (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; } };
// A throw-away core first, so compiled code and type feedback are not counted as lease memory.
const warm = createCore(cfg, rng, 0);
leaseAll(warm, claimPool(warm), Math.min(2000, leases));
const base = liveHeap();
const core = createCore(cfg, rng, 0);
const now = claimPool(core);
const pool = liveHeap();
const t0 = performance.now();
leaseAll(core, now);
const doraMs = performance.now() - t0;
const full = liveHeap();
const counts = core.view().counts();
const mb = (b: number): string => (b / 1048576).toFixed(2);
console.log(`blocks ${counts.blocksOurs}, leased ${counts.leasesLeased}, free ${counts.leasesFree}`);
console.log(`live heap + array buffers: empty ${mb(base)} MB, pool claimed +${mb(pool - base)} MB, ${leases} leases +${mb(full - pool)} MB (${Math.round((full - pool) / leases)} B/lease); ${(doraMs * 1000 / leases).toFixed(1)} µs/DORA`);
const t1 = performance.now();
const saved = core.snapshot(now).leases.length;
console.log(`snapshot of ${saved} leases: ${(performance.now() - t1).toFixed(1)} ms; view().leases(): ${core.view().leases().length}`);
if (snapshotFile !== undefined) console.log(`heap snapshot: ${writeHeapSnapshot(snapshotFile)}`);

/**
 * What one state-file write allocates (snapshot, file form, text), read as heap
 * growth between two GCs: run with --max-semi-space-size=64 so no scavenge
 * hides part of it. `--writer old|plain|compact`: the writer before issue 7,
 * bytes from the plain snapshot, bytes from the compact one.
 */
function measureWrite(writer: string): void {
  liveHeap();
  const m0 = process.memoryUsage();
  const started = performance.now();
  const pieces = writer === 'old'
    ? encodeStateFilePieces(fromPersisted(core.snapshot(now), Date.now()), 1000)
    : writer === 'plain'
      ? encodePersistedChunks(core.snapshot(now), Date.now(), undefined, 1000)
      : encodeCompactChunks(core.snapshotCompact(now), Date.now(), undefined, 1000);
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const ms = performance.now() - started;
  const m1 = process.memoryUsage();
  const allocated = m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers;
  console.log(`one state-file write (${writer}): ${(length / 1024).toFixed(0)} K chars, ~${mb(allocated)} MB allocated, ${ms.toFixed(1)} ms`);
}
const writer = arg('--writer');
if (writer !== undefined) for (let i = 0; i < 3; i++) measureWrite(writer);
