// The state file as bytes, made straight from a core snapshot (either form), a
// fixed number of leases per chunk written into one reused buffer. The text is
// exactly that of state-file.ts (encodeStateFile(fromPersisted(...))), which
// keeps the decoder.

import { LEASE_STATES, type CompactSnapshot, type LeaseState, type PersistedState } from '../core/types';
import { encodeStateFileHead, fileHeadOf, wholeMs, type BootClock } from './state-file';

const BYTES_PER_LEASE = 128;
const HEX = '0123456789abcdef';
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

  /**
   * A number as JSON writes it. Whole numbers are written digit by digit in two
   * parts below 1e9, so the arithmetic stays on small integers: on doubles the
   * interpreter boxes every intermediate value (about 2 MB of garbage per write).
   */
  number(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.text(Number.isFinite(n) ? String(n) : 'null');
    const high = Math.floor(n / 1e9);
    const low = n - high * 1e9;
    if (high === 0) return this.digits(low, 0);
    this.digits(high, 0);
    this.digits(low, 9);
  }

  /** A non-negative integer below 2^31, zero-padded to `width` digits. */
  private digits(v: number, width: number): void {
    let count = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) count++;
    count = Math.max(count, width);
    this.room(count);
    let x = v;
    for (let i = this.length + count - 1; i >= this.length; i--) {
      this.bytes[i] = 48 + (x % 10);
      x = (x / 10) | 0;
    }
    this.length += count;
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

  /** Bytes as a JSON string of lowercase hex digits. */
  hex(bytes: Uint8Array, at: number, length: number): void {
    this.room(2 * length + 2);
    this.bytes[this.length++] = 0x22;
    for (let i = 0; i < length; i++) {
      const b = bytes[at + i] ?? 0;
      this.bytes[this.length++] = HEX.charCodeAt(b >> 4);
      this.bytes[this.length++] = HEX.charCodeAt(b & 15);
    }
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
export function encodePersistedChunks(
  p: PersistedState,
  nowWallMs: number,
  boot: BootClock | undefined,
  leasesPerChunk: number,
): Generator<Uint8Array, void, undefined> {
  return encodeChunks(p, p.leases.length, nowWallMs, boot, leasesPerChunk, (out, i, now) => {
    const l = p.leases[i];
    if (l === undefined) return;
    writeLeaseStart(out, l.ip);
    out.string(l.chaddr);
    writeLeaseEnd(out, l.state, now + wholeMs(l.remainingMs));
  });
}

/** The same bytes from the core's compact snapshot: no object or string per lease on the way. */
export function encodeCompactChunks(
  s: CompactSnapshot,
  nowWallMs: number,
  boot: BootClock | undefined,
  leasesPerChunk: number,
): Generator<Uint8Array, void, undefined> {
  const t = s.leases;
  return encodeChunks(s.head, t.count, nowWallMs, boot, leasesPerChunk, (out, i, now) => {
    writeLeaseStart(out, t.ip[i] ?? 0);
    out.hex(t.chaddr, 16 * i, 16);
    writeLeaseEnd(out, LEASE_STATES[t.state[i] ?? 0] ?? 'leased', now + wholeMs(t.remainingMs[i] ?? 0));
  });
}

/** Field order and spacing as JSON.stringify({ ip, chaddr, state, expiresAtWallMs }); the chaddr goes between. */
function writeLeaseStart(out: ByteWriter, ip: number): void {
  out.text('{"ip":');
  out.number(ip);
  out.text(',"chaddr":');
}

function writeLeaseEnd(out: ByteWriter, state: LeaseState, expiresAtWallMs: number): void {
  out.text(',"state":');
  out.string(state);
  out.text(',"expiresAtWallMs":');
  out.number(expiresAtWallMs);
  out.text('}');
}

function* encodeChunks(
  head: Omit<PersistedState, 'leases'>,
  count: number,
  nowWallMs: number,
  boot: BootClock | undefined,
  leasesPerChunk: number,
  writeRow: (out: ByteWriter, i: number, now: number) => void,
): Generator<Uint8Array, void, undefined> {
  const now = wholeMs(nowWallMs);
  const per = Number.isFinite(leasesPerChunk) && leasesPerChunk >= 1 ? Math.floor(leasesPerChunk) : Math.max(1, count);
  const out = new ByteWriter(Math.min(per, count + 1) * BYTES_PER_LEASE);
  out.text(encodeStateFileHead(fileHeadOf(head, now, boot)));
  if (count === 0) {
    out.text('[]\n}\n');
    yield out.bytes.subarray(0, out.length);
    return;
  }
  for (let i = 0; i < count; i++) {
    out.text(i === 0 ? '[\n    ' : ',\n    ');
    writeRow(out, i, now);
    if ((i + 1) % per === 0 && i + 1 < count) {
      yield out.bytes.subarray(0, out.length);
      out.length = 0;
    }
  }
  out.text(TAIL);
  yield out.bytes.subarray(0, out.length);
}
