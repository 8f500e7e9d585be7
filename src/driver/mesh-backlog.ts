// Multicasts the core made while the mesh sockets were not open yet, held for a
// short while and sent once they open. At start this is the restored blocks'
// first UPDATECLAIM (issue 6: "announced at once"); without the backlog peers
// would hear of those blocks only at the next refresh, a quarter block timeout later.

import type { Millis } from '../core/types';

export interface BacklogTake {
  /** Still worth sending, oldest first. */
  readonly fresh: readonly Uint8Array[];
  /** Dropped: older than the age limit. */
  readonly stale: number;
}

export class MeshBacklog {
  private held: { readonly bytes: Uint8Array; readonly at: Millis }[] = [];

  /**
   * `maxAgeMs`: past it a newer announcement has replaced the packet anyway (the refresh
   * interval). `maxPackets`: one full announcement of 255 blocks is 8 packets.
   */
  constructor(
    private readonly maxAgeMs: Millis,
    private readonly maxPackets = 16,
  ) {}

  /** Holds a packet; returns how many older ones were pushed out (0 or 1). */
  hold(bytes: Uint8Array, now: Millis): number {
    this.held.push({ bytes, at: now });
    if (this.held.length <= this.maxPackets) return 0;
    this.held.shift();
    return 1;
  }

  take(now: Millis): BacklogTake {
    const fresh = this.held.filter((p) => now - p.at <= this.maxAgeMs).map((p) => p.bytes);
    const stale = this.held.length - fresh.length;
    this.held = [];
    return { fresh, stale };
  }

  clear(): number {
    const n = this.held.length;
    this.held = [];
    return n;
  }

  get size(): number {
    return this.held.length;
  }
}
