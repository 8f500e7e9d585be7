// The daemon's two clocks. The core runs on monotonic milliseconds only (a Gluon
// node without RTC jumps at its first NTP sync); wall-clock time is used solely
// to write and read the state file across restarts.

import { randomBytes } from 'node:crypto';
import type { Millis, Rng } from '../core/types';

export function monotonicNow(): Millis {
  return Math.floor(performance.now());
}

export function wallNow(): number {
  return Date.now();
}

/** Randomness for the core, drawn from the kernel in batches. */
export function createCryptoRng(): Rng {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return {
    nextU32(): number {
      if (offset + 4 > pool.length) {
        pool = randomBytes(1024);
        offset = 0;
      }
      const v = pool.readUInt32BE(offset);
      offset += 4;
      return v;
    },
  };
}
