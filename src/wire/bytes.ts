// Small byte helpers, each the one copy in src/: big-endian reads and writes over
// a Uint8Array that may be a view into a larger buffer, hex, and the text forms of
// IPv4 addresses and MACs. Imports nothing, so every layer may use it. Callers
// check lengths first; nothing here throws on well-formed calls.

/** A DataView over exactly the bytes of `bytes` (Buffers are often slices of a pool). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const HEX_CODES = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
/** String.fromCharCode takes its arguments on the stack: longer strings are made in pieces. */
const CHARS_PER_CALL = 4096;
/** Reused by bytesToHexAt: no array per call (the state writer formats 10 000 chaddrs). */
const hexCodes: number[] = [];

/** Lower-case hex digits, two per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  return bytesToHexAt(bytes, 0, bytes.length);
}

/** `length` bytes from `at` as lower-case hex digits; bytes past the end read as 0. */
export function bytesToHexAt(bytes: Uint8Array, at: number, length: number): string {
  hexCodes.length = 2 * length;
  for (let i = 0; i < length; i++) {
    const b = bytes[at + i] ?? 0;
    hexCodes[2 * i] = HEX_CODES[b >> 4] as number;
    hexCodes[2 * i + 1] = HEX_CODES[b & 15] as number;
  }
  // One flat string: one grown by += is a rope past 12 characters, slower to compare.
  if (hexCodes.length <= CHARS_PER_CALL) return String.fromCharCode(...hexCodes);
  let out = '';
  for (let i = 0; i < hexCodes.length; i += CHARS_PER_CALL) out += String.fromCharCode(...hexCodes.slice(i, i + CHARS_PER_CALL));
  return out;
}

/** Lower- or upper-case hex of even length, else undefined. */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Exactly `length` bytes, leniently: a pair of digits that is missing or cannot be read gives 0 (the state file's chaddr). */
export function hexToBytesPadded(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
    out[i] = Number.isNaN(v) ? 0 : v;
  }
  return out;
}

/** The uint32 in network order at `offset`, or undefined when fewer than four bytes are there. */
export function readU32(bytes: Uint8Array, offset: number): number | undefined {
  if (offset < 0 || bytes.length < offset + 4) return undefined;
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0;
}

/** The four bytes of a uint32 in network order. */
export function u32ToBytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** Reverses the four bytes of a uint32: the C daemon's double htonl() on little-endian hosts. */
export function swapBytes32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | ((n >>> 24) & 0xff)) >>> 0;
}

/** Dotted-quad text of an IPv4 address held as a uint32. */
export function formatIpv4(ip: number): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** "aa:bb:cc:dd:ee:ff" from the first 6 chaddr bytes (zeros if chaddr is shorter). */
export function formatMac(chaddr: Uint8Array): string {
  return formatMacAt(chaddr, 0);
}

/** "aa:bb:cc:dd:ee:ff" from the 6 bytes at `at` (zeros past the end). */
export function formatMacAt(bytes: Uint8Array, at: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((bytes[at + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** A copy of `bytes` padded with zeros or cut to exactly `length` bytes. */
export function fitBytes(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out;
}
