// When claim rounds run and when a block we claim becomes ours (docs/protocol.md,
// "Claiming"). The protocol fixes neither: C needs three INQUIREs and owns the
// block in the round after the third, 3T/2 after the first. We own it one
// tentative timeout T after the first INQUIRE, as soon as every node that heard
// it would have let its tentative mark lapse, with more INQUIREs in that time:
// four (T/4 apart), or eight (T/8 apart) while learning, when we do not yet know
// every owner and an owner's answer is what tells us a block is taken.

import type { CoreConfig, Millis } from './types';

/** INQUIREs before a block can be ours; C's claim_count reaches 3. */
export const INQUIRES_TO_OWN = 4;
/** Rounds per tentative timeout once the node has heard a whole block timeout of claims. */
const ROUNDS_PER_TENTATIVE = 4;
/** While learning an unanswered INQUIRE is the only sign a block is free: more of them, so one lost answer is not enough to take an owned block. */
const ROUNDS_PER_TENTATIVE_LEARNING = 8;
/** A claim round waits this long for the rest of a crowd's DISCOVERs, so they share one INQUIRE. */
const GATHER_MS = 250;

export function roundPeriodMs(cfg: CoreConfig, learning: boolean): Millis {
  return (cfg.tentativeTimeoutSec * 1000) / (learning ? ROUNDS_PER_TENTATIVE_LEARNING : ROUNDS_PER_TENTATIVE);
}

/** How long a new claim waits for the round it starts: short against a round, never longer than half of one. */
export function gatherMs(cfg: CoreConfig): Millis {
  return Math.min(GATHER_MS, roundPeriodMs(cfg, true) / 2);
}

/** From the moment a client needs a block until the block is ours, at the longest. */
export function claimLatencyMs(cfg: CoreConfig): Millis {
  return cfg.tentativeTimeoutSec * 1000 + roundPeriodMs(cfg, false) + gatherMs(cfg);
}

/** Inquired often enough, and for one tentative timeout: nobody objected in time. */
export function claimSettled(cfg: CoreConfig, claimCount: number, firstInquireAt: Millis | undefined, now: Millis): boolean {
  return claimCount >= INQUIRES_TO_OWN && firstInquireAt !== undefined && now - firstInquireAt >= cfg.tentativeTimeoutSec * 1000;
}
