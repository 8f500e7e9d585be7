// What survives a restart: our blocks and the leases worth keeping, and the
// claims of other nodes we knew, with remaining lifetimes (monotonic clocks do
// not survive a reboot). Restoring accepts only a snapshot of the same node and
// mesh, and only sane entries.

import { bytesToHexAt as hexOf, hexToBytesPadded as fromHex } from '../wire/bytes';
import { heldBlock, isFree, listForeignClaims, markForeign, markOurs } from './blocks';
import { CLAIM_TIMER, REFRESH_TIMER } from './consensus';
import { planReclaim } from './reclaim';
import { blockStart } from './ipv4';
import { copySlotChaddr, DECLINED, LEASED, slotCode, slotState, type SlotCode } from './lease-slots';
import { createOwnBlock, findSlot, setLease } from './leases';
import type { Block, NodeState, OwnBlock } from './state';
import { oursSorted } from './state';
import { LEASE_STATES, type CompactSnapshot, type LeaseState, type LeaseTable, type Millis, type PersistedForeignClaim, type PersistedState } from './types';

/** Our blocks, and their leased and declined slots as a table: no object per lease. */
export function takeCompactSnapshot(st: NodeState, now: Millis): CompactSnapshot {
  const owned: Block[] = [];
  let count = 0;
  for (const index of oursSorted(st)) {
    const b = heldBlock(st, index);
    if (b?.own === undefined) continue;
    owned.push(b);
    for (let k = 0; k < b.own.states.length; k++) if (isPersisted(slotCode(b.own, k))) count++;
  }
  const leases: LeaseTable = {
    count,
    ip: new Uint32Array(count),
    state: new Uint8Array(count),
    remainingMs: new Float64Array(count),
    chaddr: new Uint8Array(16 * count),
  };
  let row = 0;
  for (const b of owned) {
    const own = b.own as OwnBlock;
    const start = blockStart(st.geo, b.index);
    for (let k = 0; k < own.states.length; k++) {
      const code = slotCode(own, k);
      if (!isPersisted(code)) continue;
      leases.ip[row] = start + k;
      leases.state[row] = LEASE_STATES.indexOf(slotState(own, k) as LeaseState);
      leases.remainingMs[row] = Math.max(0, (own.expiresAt[k] ?? 0) - now);
      copySlotChaddr(own, k, leases.chaddr, 16 * row);
      row++;
    }
  }
  const blocks = owned.map((b) => ({ index: b.index, remainingMs: Math.max(0, (b.timeoutAt ?? now) - now) }));
  const foreign = listForeignClaims(st, now);
  const head = { version: 1 as const, nodeId: st.cfg.nodeId, prefix: st.geo.prefix, prefixLen: st.geo.prefixLen, blockSize: st.geo.blockSize, blocks, foreign };
  return { head, leases };
}

/** An offer lasts seconds; a restart outlives it, so it is not worth keeping. */
function isPersisted(code: SlotCode): boolean {
  return code === LEASED || code === DECLINED;
}

export function takeSnapshot(st: NodeState, now: Millis): PersistedState {
  const { head, leases: t } = takeCompactSnapshot(st, now);
  const leases: PersistedState['leases'][number][] = [];
  for (let i = 0; i < t.count; i++) {
    leases.push({ ip: t.ip[i] ?? 0, chaddr: hexOf(t.chaddr, 16 * i, 16), state: LEASE_STATES[t.state[i] ?? 0] ?? 'leased', remainingMs: t.remainingMs[i] ?? 0 });
  }
  return { ...head, leases };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/**
 * Claims of other nodes come back as if just heard on the wire: not inquired and not chosen
 * for a claim until they run out. An owner rebooting at the same time answers no INQUIRE;
 * without its claim we would win its block and own it twice once the owner is back from
 * its own state file.
 *
 * Each lasts what was left of it, but at least one block timeout from now, even one that
 * ran out while we were down: its owner may have refreshed it meanwhile and be down now,
 * and comes back holding it until its last announcement + B, which is before now + B
 * (seen in the simulator: down 82 s, the saved claim had 47 s left, the owner came back
 * with 15 s left). An owner that is up re-announces within B/4, and the claim goes on
 * as heard. The cost: a block given back while we were down is free B after the restart.
 * Blocks already ours (the snapshot lists each block once, but it may come from
 * anywhere) keep our claim.
 */
const MAX_WIRE_CLAIM_MS = 0xffff * 1000;

function restoreForeignClaims(st: NodeState, claims: readonly PersistedForeignClaim[], now: Millis): void {
  const blockMs = st.cfg.blockTimeoutSec * 1000;
  for (const c of claims) {
    if (!isCount(c.index) || c.index >= st.geo.numBlocks || Number.isNaN(c.remainingMs) || !isFree(st, c.index)) continue;
    // No longer than a claim on the wire can last (its timeout is 16 bits of seconds).
    const remainingMs = Math.min(Math.max(c.remainingMs, blockMs), MAX_WIRE_CLAIM_MS);
    const owner = typeof c.owner === 'string' ? c.owner : '';
    const address = typeof c.ownerAddress === 'string' ? c.ownerAddress : '';
    markForeign(st, undefined, c.index, true, owner, address, now + remainingMs);
  }
}

/**
 * Restored blocks are ours at once and announced by the first handle() call; they skip the
 * learning phase. Blocks whose claim ran out while we were down are inquired again at once
 * (reclaim.ts), their leases held back until the block is won.
 */
export function restoreSnapshot(st: NodeState, saved: PersistedState, now: Millis): boolean {
  if (saved.version !== 1 || saved.nodeId !== st.cfg.nodeId) return false;
  if (saved.prefix !== st.geo.prefix || saved.prefixLen !== st.geo.prefixLen || saved.blockSize !== st.geo.blockSize) {
    return false;
  }
  const expired: { index: number; remainingMs: number }[] = [];
  for (const b of saved.blocks) {
    if (!isCount(b.index) || b.index >= st.geo.numBlocks || typeof b.remainingMs !== 'number' || !isFree(st, b.index)) continue;
    if (b.remainingMs > 0) markOurs(st, b.index, createOwnBlock(st, b.index, now), now + b.remainingMs);
    else expired.push(b);
  }
  restoreForeignClaims(st, saved.foreign ?? [], now);
  for (const l of saved.leases) {
    if (!isCount(l.ip) || !(l.remainingMs > 0) || (l.state !== 'leased' && l.state !== 'declined')) continue;
    const ref = findSlot(st, l.ip);
    if (ref === undefined || slotState(ref.own, ref.k) !== 'free' || typeof l.chaddr !== 'string') continue;
    setLease(st, now, l.ip, ref, l.state, fromHex(l.chaddr, 16), now + l.remainingMs);
  }
  if (st.ours.size > 0) st.timers.set(REFRESH_TIMER, now);
  if (planReclaim(st, expired, saved.leases, now) > 0) st.timers.set(CLAIM_TIMER, now);
  return true;
}
