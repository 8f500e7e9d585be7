// The state file as bytes, made straight from a core snapshot, a fixed number of
// leases per chunk written into one reused buffer. The text is exactly that of
// state-file.ts (encodeStateFile(fromPersisted(...))), which keeps the decoder.

import type { PersistedState } from '../core/types';
import { encodeStateFileHead, wholeMs, type BootClock } from './state-file';

const BYTES_PER_LEASE = 128;
const TAIL = '\n  ]\n}\n';

/**
 * Writes the state file's ASCII text into a buffer it grows as needed. Every lease
 * line used to be a JSON object, its string and a joined copy, plus a second copy
 * of the whole snapshot: ~3 MB of garbage per write of 10 000 leases, which the
 * router's 1 MB young generation promoted (bench/RESULTS.md, memory per lease).
 */
class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }

  /** Any text: ASCII byte for byte, the rest as UTF-8. */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.utf8(s.slice(i));
      this.room(1);
      this.bytes[this.length++] = c;
    }
  }

  /** A number as JSON writes it; whole numbers without building a string. */
  number(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.text(Number.isFinite(n) ? String(n) : 'null');
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    this.room(digits);
    let v = n;
    for (let i = this.length + digits - 1; i >= this.length; i--) {
      this.bytes[i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.length += digits;
  }

  /** A JSON string; plain printable ASCII (hex, state names) is copied without escaping. */
  string(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(s));
    }
    this.room(s.length + 2);
    this.bytes[this.length++] = 0x22;
    for (let i = 0; i < s.length; i++) this.bytes[this.length++] = s.charCodeAt(i);
    this.bytes[this.length++] = 0x22;
  }

  private utf8(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.room(encoded.length);
    this.bytes.set(encoded, this.length);
    this.length += encoded.length;
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + n, 2 * this.bytes.length));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

/**
 * The bytes of encodeStateFile(fromPersisted(p, nowWallMs, boot)), at most
 * `leasesPerChunk` leases per chunk. Each chunk is a view of a buffer the next
 * chunk overwrites: write it out before asking for the next.
 */
export function* encodePersistedChunks(
  p: PersistedState,
  nowWallMs: number,
  boot: BootClock | undefined,
  leasesPerChunk: number,
): Generator<Uint8Array, void, undefined> {
  const now = wholeMs(nowWallMs);
  const per = Number.isFinite(leasesPerChunk) && leasesPerChunk >= 1 ? Math.floor(leasesPerChunk) : Math.max(1, p.leases.length);
  const out = new ByteWriter(Math.min(per, p.leases.length + 1) * BYTES_PER_LEASE);
  out.text(encodeStateFileHead({
    version: 1,
    savedAtWallMs: now,
    ...(boot === undefined ? {} : { savedAt: { bootId: boot.bootId, monoMs: wholeMs(boot.monoMs) } }),
    nodeId: p.nodeId,
    prefix: p.prefix,
    prefixLen: p.prefixLen,
    blockSize: p.blockSize,
    blocks: p.blocks.map((b) => ({ index: b.index, expiresAtWallMs: now + wholeMs(b.remainingMs) })),
  }));
  if (p.leases.length === 0) {
    out.text('[]\n}\n');
    yield out.bytes.subarray(0, out.length);
    return;
  }
  for (let i = 0; i < p.leases.length; i++) {
    const l = p.leases[i];
    if (l === undefined) continue;
    // Field order and spacing as JSON.stringify({ ip, chaddr, state, expiresAtWallMs }).
    out.text(i === 0 ? '[\n    {"ip":' : ',\n    {"ip":');
    out.number(l.ip);
    out.text(',"chaddr":');
    out.string(l.chaddr);
    out.text(',"state":');
    out.string(l.state);
    out.text(',"expiresAtWallMs":');
    out.number(now + wholeMs(l.remainingMs));
    out.text('}');
    if ((i + 1) % per === 0 && i + 1 < p.leases.length) {
      yield out.bytes.subarray(0, out.length);
      out.length = 0;
    }
  }
  out.text(TAIL);
  yield out.bytes.subarray(0, out.length);
}
