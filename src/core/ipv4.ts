// Small pure helpers on IPv4 uint32 values, MACs and the block geometry of one
// mesh. No policy here: which form of an address to believe is decided by the
// callers (forward.ts), this file only computes.

import type { Ipv4, Mac } from './types';

export function byteswapU32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

export function formatMac(chaddr: Uint8Array): Mac {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((chaddr[i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export function encodeU32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export function readU32(bytes: Uint8Array, offset: number): number | undefined {
  if (offset < 0 || bytes.length < offset + 4) return undefined;
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0;
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Lenient: a malformed string yields zero bytes where it cannot be read (snapshot input is our own file). */
export function fromHex(hex: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    out[i] = Number.isNaN(v) ? 0 : v;
  }
  return out;
}

/** The address layout of one mesh: prefix, block size and the number of blocks. */
export interface Geometry {
  readonly prefix: Ipv4;
  readonly prefixLen: number;
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly broadcast: Ipv4;
}

export function makeGeometry(prefix: Ipv4, prefixLen: number, blockSizePow: number): Geometry {
  const hostBits = 32 - prefixLen;
  const mask = hostBits >= 32 ? 0 : (0xffffffff << hostBits) >>> 0;
  const net = (prefix & mask) >>> 0;
  return {
    prefix: net,
    prefixLen,
    blockSize: 2 ** blockSizePow,
    numBlocks: 2 ** Math.max(0, hostBits - blockSizePow),
    broadcast: (net | ~mask) >>> 0,
  };
}

export function isInNetwork(g: Geometry, ip: Ipv4): boolean {
  return ip >= g.prefix && ip <= g.broadcast;
}

/** The block an address belongs to; only meaningful for addresses inside the network. */
export function blockOf(g: Geometry, ip: Ipv4): number {
  return Math.floor((ip - g.prefix) / g.blockSize);
}

export function blockStart(g: Geometry, index: number): Ipv4 {
  return (g.prefix + index * g.blockSize) >>> 0;
}
