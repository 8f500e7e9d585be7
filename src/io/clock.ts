// The daemon's two clocks. The core runs on monotonic milliseconds only (a Gluon
// node without RTC jumps at its first NTP sync); wall-clock time is used solely
// to write and read the state file across restarts. Randomness comes from
// /dev/urandom: node:crypto would load ~0.45 MB of modules for 1 KB a while.

import { closeSync, openSync, readSync } from 'node:fs';
import type { Millis, Rng } from '../core/types';

export function monotonicNow(): Millis {
  return Math.floor(performance.now());
}

export function wallNow(): number {
  return Date.now();
}

/** `count` bytes from the kernel's random pool (the source OpenSSL's randomBytes reads too). */
export function readRandomBytes(count: number): Buffer {
  const out = Buffer.alloc(count);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let got = 0; got < count; ) {
      const n = readSync(fd, out, got, count - got, null);
      if (n <= 0) throw new Error('/dev/urandom returned no bytes');
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Randomness for the core, drawn from the kernel in batches. */
export function createCryptoRng(): Rng {
  let pool: Buffer = Buffer.alloc(0);
  let offset = 0;
  return {
    nextU32(): number {
      if (offset + 4 > pool.length) {
        pool = readRandomBytes(1024);
        offset = 0;
      }
      const v = pool.readUInt32BE(offset);
      offset += 4;
      return v;
    },
  };
}
