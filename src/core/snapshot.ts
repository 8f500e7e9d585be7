// What survives a restart: our blocks and the leases worth keeping, with
// remaining lifetimes (monotonic clocks do not survive a reboot). Restoring
// accepts only a snapshot of the same node and mesh, and only sane entries.

import { markOurs } from './blocks';
import { REFRESH_TIMER } from './consensus';
import { blockStart, fromHex } from './ipv4';
import { slotChaddrHex, slotState } from './lease-slots';
import { createOwnBlock, findSlot, setLease } from './leases';
import type { NodeState } from './state';
import type { Millis, PersistedState } from './types';

export function takeSnapshot(st: NodeState, now: Millis): PersistedState {
  const blocks: { index: number; remainingMs: number }[] = [];
  const leases: PersistedState['leases'][number][] = [];
  for (const index of [...st.ours].sort((a, b) => a - b)) {
    const b = st.blocks.get(index);
    if (b?.own === undefined) continue;
    blocks.push({ index, remainingMs: Math.max(0, (b.timeoutAt ?? now) - now) });
    const start = blockStart(st.geo, index);
    const own = b.own;
    for (let k = 0; k < own.states.length; k++) {
      const state = slotState(own, k);
      // An offer lasts seconds; a restart outlives it, so it is not worth keeping.
      if (state !== 'leased' && state !== 'declined') continue;
      leases.push({ ip: start + k, chaddr: slotChaddrHex(own, k), state, remainingMs: Math.max(0, (own.expiresAt[k] ?? 0) - now) });
    }
  }
  return {
    version: 1,
    nodeId: st.cfg.nodeId,
    prefix: st.geo.prefix,
    prefixLen: st.geo.prefixLen,
    blockSize: st.geo.blockSize,
    blocks,
    leases,
  };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Restored blocks are ours at once and announced by the first handle() call; they skip the learning phase. */
export function restoreSnapshot(st: NodeState, saved: PersistedState, now: Millis): boolean {
  if (saved.version !== 1 || saved.nodeId !== st.cfg.nodeId) return false;
  if (saved.prefix !== st.geo.prefix || saved.prefixLen !== st.geo.prefixLen || saved.blockSize !== st.geo.blockSize) {
    return false;
  }
  for (const b of saved.blocks) {
    if (!isCount(b.index) || b.index >= st.geo.numBlocks || !(b.remainingMs > 0) || st.blocks.has(b.index)) continue;
    markOurs(st, b.index, createOwnBlock(st, b.index, now), now + b.remainingMs);
  }
  for (const l of saved.leases) {
    if (!isCount(l.ip) || !(l.remainingMs > 0) || (l.state !== 'leased' && l.state !== 'declined')) continue;
    const ref = findSlot(st, l.ip);
    if (ref === undefined || slotState(ref.own, ref.k) !== 'free' || typeof l.chaddr !== 'string') continue;
    setLease(st, now, l.ip, ref, l.state, fromHex(l.chaddr, 16), now + l.remainingMs);
  }
  if (st.ours.size > 0) st.timers.set(REFRESH_TIMER, now);
  return true;
}
