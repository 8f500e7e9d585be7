// A small seeded PRNG (xoshiro128**, seeded through splitmix32) for the
// simulator and tests. It implements the core's Rng, so each simulated node can
// get its own reproducible stream; never use it where real randomness is needed.

import type { Rng } from '../core/types';

export class SimRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small seed over the whole 128-bit state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // An all-zero state would only ever produce zeros.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Uniform in [min, max]. */
  between(min: number, max: number): number {
    return min + this.nextFloat() * (max - min);
  }

  chance(p: number): boolean {
    return p > 0 && this.nextFloat() < p;
  }

  /** Exponentially distributed with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.nextFloat()) * mean;
  }

  /** An independent stream derived from this one, so adding consumers does not shift others. */
  fork(): SimRng {
    return new SimRng(this.nextU32() ^ Math.imul(this.nextU32(), 0x27d4eb2d));
  }

  /** 16 lowercase hex digits, the NodeId format. */
  nextHex64(): string {
    return this.nextU32().toString(16).padStart(8, '0') + this.nextU32().toString(16).padStart(8, '0');
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createRng(seed: number): SimRng {
  return new SimRng(seed);
}
