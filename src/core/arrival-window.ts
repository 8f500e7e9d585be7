// The sliding window of clients that needed a fresh address: what demand.ts
// turns into how many addresses to keep at hand. Kept apart from demand.ts,
// which reads NodeState, because NodeState holds one of these.

import type { Millis } from './types';

/** What the arrivals of the last window ask for (spareTarget). */
export interface Demand {
  /** Clients that asked and have not been offered an address yet. */
  readonly waiting: number;
  /** Clients that were offered a fresh address. */
  readonly served: number;
  /** From the first to the latest arrival in the window: a crowd is short, a stream fills the window. */
  readonly spreadMs: Millis;
}

/**
 * Distinct clients (by MAC) that needed a fresh address within a sliding window,
 * each counted from its first DISCOVER, so a client retrying every second counts once.
 */
export class ArrivalWindow {
  /** MAC as a 48-bit number -> when it first asked; a Map iterates oldest first. */
  private readonly firstSeen = new Map<number, Millis>();
  private readonly waiting = new Set<number>();
  private newestAt: Millis = 0;

  constructor(
    readonly windowMs: Millis,
    /** More than the cap allows is no more demand: a flood of random MACs must not grow this. */
    private readonly bound: number,
  ) {}

  /** A client that needed a fresh address: `served` if it was offered one, else it waits. */
  record(mac: number, now: Millis, served: boolean): void {
    this.prune(now);
    if (this.firstSeen.has(mac)) {
      if (served) this.waiting.delete(mac);
      return;
    }
    if (this.firstSeen.size >= this.bound) return;
    this.firstSeen.set(mac, now);
    if (!served) this.waiting.add(mac);
    this.newestAt = now;
  }

  demand(now: Millis): Demand {
    this.prune(now);
    const first = this.firstSeen.values().next();
    return {
      waiting: this.waiting.size,
      served: this.firstSeen.size - this.waiting.size,
      spreadMs: first.done === true ? 0 : this.newestAt - first.value,
    };
  }

  private prune(now: Millis): void {
    const oldest = now - this.windowMs;
    for (const [mac, at] of this.firstSeen) {
      if (at > oldest) return;
      this.firstSeen.delete(mac);
      this.waiting.delete(mac);
    }
  }
}
