// The block geometry of one mesh: which addresses are in it and which block
// each belongs to. No policy here, this file only computes; the byte and text
// forms of addresses are in wire/bytes.ts.

import type { Ipv4 } from './types';

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
