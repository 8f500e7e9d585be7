// Everything that happens because time passed: deadlines due at `now` (block
// and lease expiry, claim rounds, refresh, learning end, forward timeouts), the
// spare-lease check and giving back needless blocks. Routing of inputs is node.ts.

import { EXPIRY_TIMER, heldBlock, sweepExpired } from './blocks';
import { announceAll, CLAIM_TIMER, giveBack, REFRESH_TIMER, runClaimRound, startClaims } from './consensus';
import { maxBlocks, noteClaimLimit, spareTarget } from './demand';
import { offerProbed } from './dhcp';
import { expirePending } from './forward';
import { claimingSupply, expireLeases, freeCount, totalFree } from './leases';
import { probeOfTimerKey, probeTimerDue } from './probe';
import type { NodeState, Step } from './state';
import type { TimerKey } from './timers';
import { decodeTimerKey } from './timers';
import { emit } from './state';

export const LEARNING_TIMER = 'learn';
/** Asks for a spare-lease check at a given moment (start). */
export const SPARE_TIMER = 'spare';

function dispatch(st: NodeState, step: Step, key: TimerKey): void {
  if (typeof key === 'number') {
    const t = decodeTimerKey(key);
    if (t.kind === 'leaseExpiry') expireLeases(st, t.ip, step.now);
    else checkNeedless(st, step, t.index);
  } else if (key === EXPIRY_TIMER) sweepExpired(st, step.now);
  else if (key === CLAIM_TIMER) runClaimRound(st, step);
  else if (key === REFRESH_TIMER) {
    sweepNeedless(st, step);
    announceAll(st, step);
  } else if (key === LEARNING_TIMER) {
    st.learningUntil = undefined;
    st.spareDirty = true;
    emit(step, { kind: 'learningEnded' });
  } else if (key === SPARE_TIMER) st.spareDirty = true;
  else if (key.startsWith('p')) expirePending(st, step, key.slice(1));
  else if (key.startsWith('a')) {
    const probe = probeTimerDue(st, step, probeOfTimerKey(key));
    if (probe !== undefined) offerProbed(st, step, probe);
  }
}

/** Runs every deadline due at step.now, then the spare-lease check if something changed. */
export function runDue(st: NodeState, step: Step): void {
  for (let key = st.timers.popDue(step.now); key !== undefined; key = st.timers.popDue(step.now)) {
    dispatch(st, step, key);
  }
  if (st.spareDirty) {
    st.spareDirty = false;
    checkSpare(st, step);
    // A claim round scheduled for `now` by the check runs in this same step.
    for (let key = st.timers.popDue(step.now); key !== undefined; key = st.timers.popDue(step.now)) {
      dispatch(st, step, key);
    }
  }
}

/**
 * Keeps the spare target (demand.ts) free or on the way, counting blocks still being
 * claimed as future supply, within the cap. Also while learning: an owner answers
 * an INQUIRE for its block at once, so the claim round finds out what learning would.
 */
function checkSpare(st: NodeState, step: Step): void {
  const missing = spareTarget(st, step.now) - totalFree(st) - claimingSupply(st);
  if (missing <= 0) return;
  const wanted = Math.ceil(missing / st.geo.blockSize);
  const room = maxBlocks(st) - st.held.size;
  if (wanted > room) noteClaimLimit(st, step);
  if (room > 0) startClaims(st, step, Math.min(wanted, room));
}

/** A block with nothing in use for needlessTimeoutSec, whose free leases we can spare, is given back. */
function checkNeedless(st: NodeState, step: Step, index: number): void {
  const b = heldBlock(st, index);
  const own = b?.own;
  if (b === undefined || own === undefined || own.used > 0 || own.idleSince === undefined) return;
  if (own.idleSince + st.cfg.needlessTimeoutSec * 1000 > step.now) return;
  if (totalFree(st) - freeCount(st, own, index) < spareTarget(st, step.now)) return;
  giveBack(st, step, b);
}

/** Needless blocks that were still needed at their own deadline get another look at every refresh. */
function sweepNeedless(st: NodeState, step: Step): void {
  const idle = [...st.ours]
    .flatMap((i) => heldBlock(st, i) ?? [])
    .filter((b) => b.own !== undefined && b.own.used === 0)
    .sort((a, c) => (a.own?.idleSince ?? 0) - (c.own?.idleSince ?? 0) || c.index - a.index);
  for (const b of idle) checkNeedless(st, step, b.index);
}
