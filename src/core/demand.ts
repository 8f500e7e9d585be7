// How many addresses a node keeps at hand, and how much of the network it may
// hold at all (docs/protocol.md, "Demand").
//
// A block takes one tentative timeout to claim, so a node that waits until its
// free leases run out makes every new client wait that long. It counts instead
// the clients that needed a fresh address (a DISCOVER with no offer or lease of
// ours) over the last claim latency: that many are likely to come during the
// next one. Those that found nothing are in the count too, so one claim round
// asks for as many blocks as a crowd needs. When arrivals stop, the count
// drains within one latency and the target falls back to `spare_leases`; blocks
// a burst left unused are given back by the needless timeout.
//
// The cap (`max_leases`, dnsmasq's dhcp-lease-max) bounds what a flood of
// random MACs at one node can take from the rest of the mesh.

import type { NodeState, Step } from './state';
import { emit } from './state';
import type { Millis } from './types';

/** Headroom over the arrivals of one latency: arrivals come in bursts, and blocks in whole units. */
const ARRIVAL_MARGIN = 1.25;
/** The cap's warning repeats at most this often; the counter counts every refusal. */
const CLAIM_LIMIT_NOTICE_MS = 60_000;

/**
 * Distinct clients (by MAC) that needed a fresh address within a sliding window,
 * each counted from its first DISCOVER, so a client retrying every second counts once.
 */
export class ArrivalWindow {
  /** MAC as a 48-bit number -> when it first asked; a Map iterates oldest first. */
  private readonly firstSeen = new Map<number, Millis>();

  constructor(
    private readonly windowMs: Millis,
    /** More than the cap allows is no more demand: a flood of random MACs must not grow this. */
    private readonly bound: number,
  ) {}

  record(mac: number, now: Millis): void {
    this.prune(now);
    if (this.firstSeen.has(mac) || this.firstSeen.size >= this.bound) return;
    this.firstSeen.set(mac, now);
  }

  count(now: Millis): number {
    this.prune(now);
    return this.firstSeen.size;
  }

  private prune(now: Millis): void {
    const oldest = now - this.windowMs;
    for (const [mac, at] of this.firstSeen) {
      if (at > oldest) return;
      this.firstSeen.delete(mac);
    }
  }
}

/** The first six chaddr bytes as one number (exact in a double), the key C compares clients by. */
export function macKey(chaddr: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + (chaddr[i] ?? 0);
  return n;
}

/**
 * Free addresses to have at hand or on the way: `spare_leases` plus the recent arrivals, with
 * headroom. Rounded down: a lone new client (1.25 -> 1) should not claim a block that the
 * needless timeout gives back five minutes later, every time one comes.
 */
export function spareTarget(st: NodeState, now: Millis): number {
  const arrivals = st.arrivals.count(now);
  return st.cfg.spareLeases + Math.floor(arrivals * ARRIVAL_MARGIN);
}

/** Blocks this node may hold (claiming or ours): `max_leases` in whole blocks, at least one. */
export function maxBlocks(st: NodeState): number {
  return Math.max(1, Math.floor(st.cfg.maxLeases / st.geo.blockSize));
}

export function atClaimLimit(st: NodeState): boolean {
  return st.held.size >= maxBlocks(st);
}

/** Says, at most once a minute, that the cap keeps this node from claiming what its clients ask for. */
export function noteClaimLimit(st: NodeState, step: Step): void {
  if (st.claimLimitNoticeAt !== undefined && step.now - st.claimLimitNoticeAt < CLAIM_LIMIT_NOTICE_MS) return;
  st.claimLimitNoticeAt = step.now;
  emit(step, { kind: 'claimLimitReached', blocks: st.held.size, maxLeases: st.cfg.maxLeases });
}
