// Invariant 2, from the clients' side: an address a client holds after an ACK
// (until the expiry it computed from its request time, RFC 2131 4.4.1) must not
// be ACKed to another client. Each duplicate is classified by what preceded it.

import type { Ipv4, Millis } from '../core/types';

export type DuplicateCause =
  /** The block passed to another node, or its owner lost its state, after the first ACK. */
  | 'ownerChanged'
  /** Two nodes owned the block at one of the ACKs (split brain during a partition, or a conflict). */
  | 'contested'
  /** Nothing excuses it: a core handed out a held address. */
  | 'bug';

export interface Duplicate {
  readonly ip: Ipv4;
  readonly at: Millis;
  readonly firstClient: number;
  readonly secondClient: number;
  readonly cause: DuplicateCause;
}

interface Holding {
  readonly client: number;
  readonly expiresAt: Millis;
  readonly epoch: number;
  readonly contested: boolean;
}

export class AddressTracker {
  private readonly held = new Map<Ipv4, Holding>();
  /**
   * Every client holding each address, not only the latest: after a duplicate both
   * still use it, and both answer ARP for it (arp.ts). Client -> its expiry.
   */
  private readonly everyHolder = new Map<Ipv4, Map<number, Millis>>();
  readonly duplicates: Duplicate[] = [];

  /**
   * Records the ACK; returns the duplicate it creates, if any. `epoch` is the block's at
   * ACK time; `contested` says whether more than one node owned it then.
   */
  bind(ip: Ipv4, client: number, expiresAt: Millis, epoch: number, contested: boolean, now: Millis): Duplicate | undefined {
    const prev = this.held.get(ip);
    let dup: Duplicate | undefined;
    if (prev !== undefined && prev.client !== client && prev.expiresAt > now) {
      const cause: DuplicateCause = contested || prev.contested ? 'contested' : prev.epoch === epoch ? 'bug' : 'ownerChanged';
      dup = { ip, at: now, firstClient: prev.client, secondClient: client, cause };
      this.duplicates.push(dup);
    }
    this.held.set(ip, { client, expiresAt, epoch, contested });
    let all = this.everyHolder.get(ip);
    if (all === undefined) this.everyHolder.set(ip, (all = new Map()));
    all.set(client, expiresAt);
    return dup;
  }

  /** The client gave the address up (RELEASE, NAK, expiry, new address). */
  unbind(ip: Ipv4, client: number): void {
    if (this.held.get(ip)?.client === client) this.held.delete(ip);
    const all = this.everyHolder.get(ip);
    if (all !== undefined && all.delete(client) && all.size === 0) this.everyHolder.delete(ip);
  }

  /** Every client whose lease of the address lasts (by its own clock), in the order they got it. */
  holdersOf(ip: Ipv4, now: Millis): number[] {
    const out: number[] = [];
    for (const [client, expiresAt] of this.everyHolder.get(ip) ?? []) if (expiresAt > now) out.push(client);
    return out;
  }

  holderOf(ip: Ipv4, now: Millis): number | undefined {
    const h = this.held.get(ip);
    return h !== undefined && h.expiresAt > now ? h.client : undefined;
  }

  countHeld(now: Millis): number {
    let n = 0;
    for (const h of this.held.values()) if (h.expiresAt > now) n++;
    return n;
  }
}
