// How many addresses a node keeps at hand, and how much of the network it may
// hold at all (docs/protocol.md, "Demand"). The window of arrivals it counts
// is arrival-window.ts.
//
// A block takes one tentative timeout to claim, so a node that waits until its
// free leases run out makes every new client wait that long. It counts instead
// the clients that needed a fresh address (a DISCOVER with no offer or lease of
// ours) over the last claim latency. Those that found nothing are claimed for
// at once, so one claim round asks for as many blocks as a crowd needs; those
// that were served, if they came as a stream rather than at once, are likely to
// be followed by as many in the next latency, so that many addresses are kept
// coming. When arrivals stop, the count drains within one latency and the
// target falls back to `spare_leases`; blocks a burst left unused are given
// back by the needless timeout.
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

/** The first six chaddr bytes as one number (exact in a double), the key C compares clients by. */
export function macKey(chaddr: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + (chaddr[i] ?? 0);
  return n;
}

/**
 * Free addresses to have at hand or on the way: `spare_leases`, one for every client still
 * waiting, and for the clients served lately as many again as they will likely bring in
 * the next claim latency. That forecast is scaled by how much of the window their arrivals
 * spread over: a stream fills it and keeps a claim latency's worth of addresses coming; a
 * crowd that came at once, or a lone client, asks for nothing more once it is served.
 */
export function spareTarget(st: NodeState, now: Millis): number {
  const d = st.arrivals.demand(now);
  const stream = Math.min(1, d.spreadMs / st.arrivals.windowMs);
  return st.cfg.spareLeases + d.waiting + Math.floor(d.served * stream * ARRIVAL_MARGIN);
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
