// The sparse block table: a Map holding only the blocks we have heard of or
// hold; an absent index is free. Foreign claims lapse through expiry buckets.
// No decisions about conflicts here (consensus.ts), no leases (leases.ts).

import type { Block, NodeState, OwnBlock } from './state';
import { NO_BUCKET, oursSorted } from './state';
import { expiryTimerKey } from './timers';
import type { Millis, NodeId } from './types';

/** A block someone else holds for a while: tentative (inquired) or claimed (announced). `found` is its entry, looked up by the caller. */
export function markForeign(
  st: NodeState,
  found: Block | undefined,
  index: number,
  state: 'tentative' | 'claimed',
  owner: NodeId,
  ownerAddress: string,
  timeoutAt: Millis,
): Block {
  let b = found;
  if (b === undefined) {
    b = { index, state, owner, ownerAddress, claimCount: 0, timeoutAt, own: undefined, lastAnswerAt: -Infinity, expiryBucket: NO_BUCKET };
    st.blocks.set(index, b);
  } else {
    if (b.state === 'claiming') {
      st.claiming.delete(index);
      // Someone else holds it: leases saved for a block we hoped to win back are void.
      st.reclaimLeases.delete(index);
    } else if (b.state === 'ours' && st.ours.delete(index)) st.oursSortedCache = undefined;
    b.state = state;
    b.owner = owner;
    b.ownerAddress = ownerAddress;
    b.claimCount = 0;
    b.timeoutAt = timeoutAt;
    b.own = undefined;
  }
  fileExpiry(st, b, timeoutAt);
  return b;
}

/**
 * Files a foreign block in the bucket of its timeout. A refresh only moves the timeout
 * later, so a block already filed earlier stays there and is re-filed when that bucket
 * comes due: per claim one bucket entry per block timeout, not one per refresh.
 */
function fileExpiry(st: NodeState, b: Block, at: number): void {
  const bucket = Math.ceil(at / st.expiryStepMs);
  if (b.expiryBucket !== NO_BUCKET && b.expiryBucket <= bucket) return;
  b.expiryBucket = bucket;
  const list = st.expiryBuckets.get(bucket);
  if (list !== undefined) {
    list.push(b.index);
    return;
  }
  st.expiryBuckets.set(bucket, [b.index]);
  st.timers.set(expiryTimerKey(bucket), bucket * st.expiryStepMs);
}

/** Frees the foreign blocks of a due bucket whose timeout has come; the others are filed again. */
export function sweepExpiryBucket(st: NodeState, bucket: number, now: number): void {
  const list = st.expiryBuckets.get(bucket);
  if (list === undefined) return;
  st.expiryBuckets.delete(bucket);
  for (const index of list) {
    const b = st.blocks.get(index);
    // Entries of blocks re-filed earlier, replaced or deleted since are stale.
    if (b === undefined || b.expiryBucket !== bucket) continue;
    b.expiryBucket = NO_BUCKET;
    if ((b.state !== 'tentative' && b.state !== 'claimed') || b.timeoutAt === undefined) continue;
    if (b.timeoutAt <= now) {
      deleteBlock(st, index);
      // In a full mesh a claim may have found nothing free: this block is a new chance.
      st.spareDirty = true;
    } else fileExpiry(st, b, b.timeoutAt);
  }
}

export function markClaiming(st: NodeState, index: number): Block {
  const b: Block = {
    index,
    state: 'claiming',
    owner: st.cfg.nodeId,
    ownerAddress: undefined,
    claimCount: 0,
    timeoutAt: undefined,
    own: undefined,
    lastAnswerAt: -Infinity,
    expiryBucket: NO_BUCKET,
  };
  st.blocks.set(index, b);
  st.claiming.add(index);
  return b;
}

/** Makes a block ours with the given lease slots; `timeoutAt` is what peers believe (last announcement + B). */
export function markOurs(st: NodeState, index: number, own: OwnBlock, timeoutAt: Millis): Block {
  const b: Block = {
    index,
    state: 'ours',
    owner: st.cfg.nodeId,
    ownerAddress: undefined,
    claimCount: 3,
    timeoutAt,
    own,
    lastAnswerAt: -Infinity,
    expiryBucket: NO_BUCKET,
  };
  st.blocks.set(index, b);
  st.claiming.delete(index);
  st.ours.add(index);
  st.oursSortedCache = undefined;
  return b;
}

export function deleteBlock(st: NodeState, index: number): void {
  st.blocks.delete(index);
  st.claiming.delete(index);
  if (st.ours.delete(index)) st.oursSortedCache = undefined;
}

/**
 * A random free block: draw an index and probe upwards (wrapping) to the first
 * absent one that `usable` accepts. Work grows with the table, not the network.
 */
export function chooseFreeBlock(st: NodeState, usable: (index: number) => boolean): number | undefined {
  const n = st.geo.numBlocks;
  if (st.blocks.size >= n) return undefined;
  const start = st.rng.nextU32() % n;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (!st.blocks.has(i) && usable(i)) return i;
  }
  return undefined;
}

/** Our blocks, ascending by index (the order UPDATECLAIM lists them). */
export function listOurBlocks(st: NodeState): Block[] {
  const out: Block[] = [];
  for (const i of oursSorted(st)) {
    const b = st.blocks.get(i);
    if (b !== undefined) out.push(b);
  }
  return out;
}
