// Winning back, after a restart, blocks whose claims ran out while we were down
// (a router reboot outlasts the 60 s block timeout). Instead of a learning
// phase and then random new blocks (82 s at defaults, every client renumbered),
// the old blocks are inquired at once: an owner that took one answers the
// INQUIRE with its UPDATECLAIM, as it would any claim. Won blocks get their
// saved leases back, so clients keep their addresses (docs/protocol.md).

import { hexToBytesPadded } from '../wire/bytes';
import { blockOf, isInNetwork } from './ipv4';
import { isFree, markClaiming } from './blocks';
import { findSlot, setLease } from './leases';
import { slotState } from './lease-slots';
import type { NodeState, ReclaimLease } from './state';
import type { Millis, PersistedState } from './types';

type SavedLease = PersistedState['leases'][number];

/**
 * Starts claiming the expired blocks of a snapshot worth having again: those with
 * leases still running, and then the most recently expired until, with the
 * blocks restored as ours, the spare leases are covered. Returns how many.
 */
export function planReclaim(st: NodeState, expired: readonly { index: number; remainingMs: number }[], leases: readonly SavedLease[], now: Millis): number {
  const held = new Map<number, SavedLease[]>();
  for (const l of leases) {
    if (!(l.remainingMs > 0) || !isInNetwork(st.geo, l.ip)) continue;
    const index = blockOf(st.geo, l.ip);
    const list = held.get(index);
    if (list === undefined) held.set(index, [l]);
    else list.push(l);
  }
  const blocksForSpare = Math.ceil(st.cfg.spareLeases / st.geo.blockSize);
  const candidates = [...expired].sort((a, b) => Number(held.has(b.index)) - Number(held.has(a.index)) || b.remainingMs - a.remainingMs);
  let started = 0;
  for (const b of candidates) {
    if (!isFree(st, b.index)) continue;
    if (!held.has(b.index) && st.ours.size + started >= blocksForSpare) break;
    markClaiming(st, b.index);
    const list = held.get(b.index);
    if (list !== undefined) st.reclaimLeases.set(b.index, list.map((l): ReclaimLease => ({ ip: l.ip, chaddr: l.chaddr, state: l.state, expiresAt: now + l.remainingMs })));
    started++;
  }
  return started;
}

/** A re-inquired block is ours again: its saved leases that have not run out come back. */
export function restoreReclaimedLeases(st: NodeState, index: number, now: Millis): void {
  const list = st.reclaimLeases.get(index);
  if (list === undefined) return;
  st.reclaimLeases.delete(index);
  for (const l of list) {
    if (l.expiresAt <= now || (l.state !== 'leased' && l.state !== 'declined') || typeof l.chaddr !== 'string') continue;
    const ref = findSlot(st, l.ip);
    if (ref === undefined || slotState(ref.own, ref.k) !== 'free') continue;
    setLease(st, now, l.ip, ref, l.state, hexToBytesPadded(l.chaddr, 16), l.expiresAt);
  }
}
