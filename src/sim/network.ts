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
  /**
   * Probability that a datagram is held up on top of its latency, by up to `spikeMaxMs`
   * (a queue behind a slow mesh link, a radio retrying): it then arrives after datagrams
   * sent seconds later, across claim rounds, which plain latency never does. Optional, 0.
   */
  readonly spike?: number;
  readonly spikeMaxMs?: number;
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
  /**
   * Receptions left before the next lost (duplicated) one, -1 to draw anew: a draw per
   * loss instead of one per receiver, the same independent chance for each reception.
   * A multicast in a mesh of 1000 nodes is 999 receptions.
   */
  private lossGap = -1;
  private duplicateGap = -1;

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
    this.lossGap = -1;
    this.duplicateGap = -1;
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

  /** Returns whether there was a partition to heal. */
  heal(): boolean {
    const was = this.partitioned;
    this.groups = [];
    this.partitioned = false;
    return was;
  }

  canHear(a: number, b: number): boolean {
    return !this.partitioned || (this.groups[a] ?? 0) === (this.groups[b] ?? 0);
  }

  drawLatency(): Millis {
    const { latencyMinMs, latencyMaxMs, spike = 0, spikeMaxMs = 0 } = this.params;
    // Whole milliseconds, like the daemon's clock.
    const base = Math.round(latencyMinMs + this.rng.nextFloat() * (latencyMaxMs - latencyMinMs));
    // No draw without spikes: runs without them stay as they were.
    if (spike <= 0 || !this.rng.chance(spike)) return base;
    return base + Math.round(this.rng.nextFloat() * spikeMaxMs);
  }

  isLost(): boolean {
    const p = this.params.loss;
    if (p <= 0) return false;
    if (this.lossGap < 0) this.lossGap = this.drawGap(p);
    return this.lossGap-- === 0;
  }

  isDuplicated(): boolean {
    const p = this.params.duplicate;
    if (p <= 0) return false;
    if (this.duplicateGap < 0) this.duplicateGap = this.drawGap(p);
    return this.duplicateGap-- === 0;
  }

  /** Receptions before the next hit, each hit with chance p: geometric on 0, 1, 2, ... */
  private drawGap(p: number): number {
    if (p >= 1) return 0;
    return Math.floor(Math.log(1 - this.rng.nextFloat()) / Math.log(1 - p));
  }

  drawInt(n: number): number {
    return this.rng.nextInt(n);
  }
}
