// Small byte helpers shared by the codecs: big-endian reads over a Uint8Array
// that may be a view into a larger buffer, and hex conversion. Callers check
// lengths first; nothing here throws on well-formed calls.

/** A DataView over exactly the bytes of `bytes` (Buffers are often slices of a pool). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const HEX = '0123456789abcdef';

export function bytesToHex(bytes: Uint8Array): string {
  // One flat string: one grown by += is a rope past 12 characters, slower to compare.
  const codes: number[] = [];
  for (const b of bytes) codes.push(HEX_CODES[b >> 4]!, HEX_CODES[b & 15]!);
  let out = '';
  for (let i = 0; i < codes.length; i += 4096) out += String.fromCharCode(...codes.slice(i, i + 4096));
  return out;
}
const HEX_CODES = [...HEX].map((c) => c.charCodeAt(0));

/** Lower- or upper-case hex of even length, else undefined. */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The four bytes of a uint32 in network order. */
export function u32ToBytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** A copy of `bytes` padded with zeros or cut to exactly `length` bytes. */
export function fitBytes(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out;
}
