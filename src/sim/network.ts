// The simulated mesh segment: who can hear whom (partitions, nodes down) and
// what the medium does to each datagram (latency, loss, duplication). Random
// latency per datagram is what reorders them. Draws come from one seeded stream.

import type { Millis } from '../core/types';
import type { SimRng } from './rng';

export interface NetworkParams {
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  /** Probability that one receiver misses one datagram. */
  readonly loss: number;
  /** Probability that one receiver gets a datagram twice. */
  readonly duplicate: number;
  /**
   * A multicast reaches its receivers in this many groups, each with its own
   * latency: per-receiver order varies without one heap event per receiver.
   */
  readonly multicastWaves: number;
}

export const DEFAULT_NETWORK: NetworkParams = {
  latencyMinMs: 2,
  latencyMaxMs: 40,
  loss: 0,
  duplicate: 0,
  multicastWaves: 4,
};

export class Network {
  private params: NetworkParams;
  /** Partition group per node index; nodes hear each other only within a group. */
  private groups: number[] = [];
  private partitioned = false;

  constructor(
    params: NetworkParams,
    private readonly rng: SimRng,
  ) {
    this.params = params;
  }

  get settings(): NetworkParams {
    return this.params;
  }

  /** Loss and duplication can change mid-run (e.g. stop loss before checking convergence). */
  update(change: Partial<NetworkParams>): void {
    this.params = { ...this.params, ...change };
  }

  get isPartitioned(): boolean {
    return this.partitioned;
  }

  /** Each listed set becomes its own island; unlisted nodes stay together in group 0. */
  partition(sets: readonly (readonly number[])[]): void {
    this.groups = [];
    sets.forEach((set, i) => {
      for (const n of set) this.groups[n] = i + 1;
    });
    this.partitioned = true;
  }

  heal(): void {
    this.groups = [];
    this.partitioned = false;
  }

  canHear(a: number, b: number): boolean {
    return !this.partitioned || (this.groups[a] ?? 0) === (this.groups[b] ?? 0);
  }

  drawLatency(): Millis {
    const { latencyMinMs, latencyMaxMs } = this.params;
    // Whole milliseconds, like the daemon's clock.
    return Math.round(latencyMinMs + this.rng.nextFloat() * (latencyMaxMs - latencyMinMs));
  }

  isLost(): boolean {
    return this.rng.chance(this.params.loss);
  }

  isDuplicated(): boolean {
    return this.rng.chance(this.params.duplicate);
  }

  drawInt(n: number): number {
    return this.rng.nextInt(n);
  }
}
