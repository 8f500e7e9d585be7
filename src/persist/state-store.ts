// Keeps what must survive a restart in the state directory: the node id (chosen
// once, random, never all zeros) and the state file (our blocks and leases).
// Writes are atomic (write, fsync, rename), at most once per second and rarer
// when a write is costly; a missing, corrupt or foreign state file is reported
// in one line and ignored.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { CompactSnapshot, NodeId, PersistedState } from '../core/types';
import { decodeStateFile, type BootClock } from './state-file';
import { toPersisted } from './restart-policy';
import { encodeCompactChunks, encodePersistedChunks } from './state-file-chunks';
import { readRandomBytes } from '../io/clock';
import type { Logger } from '../io/log';

const NODE_ID_FILE = 'node-id';
const STATE_FILE = 'state.json';
const MIN_WRITE_INTERVAL_MS = 1000;
/**
 * Building the file (snapshot and JSON) takes a few ms per 1000 leases on a
 * fast core and ten times that on a router; under load it must not eat the CPU
 * that answers clients (bench/RESULTS.md): the pause after a write is at least
 * this many times the time the write took to build, so writing stays under ~2 %
 * of the time.
 */
const WRITE_COST_FACTOR = 50;
/** Leases encoded per turn of the event loop: about 1-3 ms on a fast core, so a write never holds replies back for long. */
const LEASES_PER_SLICE = 1000;

function writeAtomicSync(file: string, content: string | Iterable<Uint8Array>): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    if (typeof content === 'string') writeSync(fd, content);
    else for (const chunk of content) for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Writes the chunks one by one, each before the next is made (they share one
 * buffer): with 10 000 leases the joined text and its copies were megabytes on
 * top of the live heap, enough to reach the router's 24 MB heap cap under load
 * (bench/RESULTS.md). Each await lets the loop answer clients in between.
 * Returns the milliseconds spent producing the chunks (the CPU the loop lost).
 */
async function writeAtomicChunks(file: string, chunks: Iterable<Uint8Array>, elapsedMs: () => number): Promise<number> {
  const tmp = `${file}.tmp`;
  let busyMs = 0;
  const handle = await open(tmp, 'w', 0o600);
  try {
    let mark = elapsedMs();
    for (const chunk of chunks) {
      busyMs += elapsedMs() - mark;
      for (let done = 0; done < chunk.length;) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      mark = elapsedMs();
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  return busyMs;
}

export function ensureStateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Reads the node id, or makes and stores a new one. */
export function loadOrCreateNodeId(dir: string, log: Logger): NodeId {
  const file = path.join(dir, NODE_ID_FILE);
  try {
    const text = readFileSync(file, 'utf8').trim().toLowerCase();
    if (/^[0-9a-f]{16}$/.test(text) && text !== '0000000000000000') return text;
    log.warn(`${file} does not hold a node id; choosing a new one`);
  } catch {
    // first start: no id yet
  }
  let id = '';
  do id = readRandomBytes(8).toString('hex');
  while (id === '0000000000000000');
  try {
    writeAtomicSync(file, `${id}\n`);
  } catch (e) {
    log.warn(`cannot store node id in ${file}: ${e instanceof Error ? e.message : String(e)}; it will change on restart`);
  }
  return id;
}

let bootId: string | undefined | null = null;

/**
 * Now on this boot's monotonic clock (process.hrtime is CLOCK_MONOTONIC: it does not
 * restart with the process and ignores wall-clock jumps), or undefined without a boot id.
 */
export function readBootClock(): BootClock | undefined {
  if (bootId === null) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = undefined;
    }
  }
  return bootId === undefined ? undefined : { bootId, monoMs: Number(process.hrtime.bigint() / 1_000_000n) };
}

/** The state saved by the previous run, converted to remaining times, or undefined. */
export function loadState(dir: string, nowWallMs: number, log: Logger, now: BootClock | undefined = readBootClock()): PersistedState | undefined {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    log.info(`no state file at ${file}; starting fresh`);
    return undefined;
  }
  const decoded = decodeStateFile(text);
  if (!decoded.ok) {
    log.warn(`ignoring state file ${file}: ${JSON.stringify(decoded.error)}; starting fresh`);
    return undefined;
  }
  return toPersisted(decoded.value, nowWallMs, now);
}

function encodeSnapshot(s: PersistedState | CompactSnapshot, nowWallMs: number, leasesPerChunk: number): Generator<Uint8Array, void, undefined> {
  return 'version' in s
    ? encodePersistedChunks(s, nowWallMs, readBootClock(), leasesPerChunk)
    : encodeCompactChunks(s, nowWallMs, readBootClock(), leasesPerChunk);
}

export class StateWriter {
  private readonly file: string;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private failedOnce = false;
  private lastCostMs = 0;
  private waiters: (() => void)[] = [];

  constructor(
    dir: string,
    /** The core's compact snapshot where it has one: no object per lease to promote on the router's small heap. */
    private readonly snapshot: () => PersistedState | CompactSnapshot,
    private readonly wallNow: () => number,
    private readonly log: Logger,
    private readonly elapsedMs: () => number = () => performance.now(),
  ) {
    this.file = path.join(dir, STATE_FILE);
  }

  /** The pause between two writes: a second, or longer when the last write was costly to build. */
  intervalMs(): number {
    return Math.max(MIN_WRITE_INTERVAL_MS, WRITE_COST_FACTOR * this.lastCostMs);
  }

  /**
   * Resolves once a write has finished (written or failed): the one under way, else the next one. The
   * file and intervalMs() are then current. Someone waits for it, so its timer keeps the process alive
   * until then (it is unref'd otherwise). Never resolves if nothing is marked dirty.
   */
  nextWrite(): Promise<void> {
    this.timer?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Something changed: write soon, but not more often than intervalMs(). */
  markDirty(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs() - this.wallNow());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeNow();
    }, wait);
    if (this.waiters.length === 0) this.timer.unref();
  }

  private async writeNow(): Promise<void> {
    if (this.writing) {
      this.markDirty();
      return;
    }
    this.writing = true;
    this.lastWrite = this.wallNow();
    try {
      // The snapshot is one consistent copy; encoding it is sliced so replies go out in between.
      const started = this.elapsedMs();
      const snapshot = this.snapshot();
      const snapshotMs = this.elapsedMs() - started;
      const chunks = encodeSnapshot(snapshot, this.wallNow(), LEASES_PER_SLICE);
      this.lastCostMs = snapshotMs + (await writeAtomicChunks(this.file, chunks, this.elapsedMs));
      this.failedOnce = false;
    } catch (e) {
      if (!this.failedOnce) this.log.error(`cannot write state file ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
      this.failedOnce = true;
    } finally {
      this.writing = false;
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  /** At shutdown: write synchronously, whatever the rate limit. */
  flushSync(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      writeAtomicSync(this.file, encodeSnapshot(this.snapshot(), this.wallNow(), Number.POSITIVE_INFINITY));
    } catch (e) {
      this.log.error(`cannot write state file ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
