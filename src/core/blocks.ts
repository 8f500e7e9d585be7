// The sparse block table: a Map holding only the blocks we have heard of or
// hold; an absent index is free. Block expiry deadlines are keyed "b<index>".
// No decisions about conflicts here (consensus.ts), no leases (leases.ts).

import type { Block, NodeState, OwnBlock } from './state';
import { oursSorted } from './state';
import { blockTimerKey } from './timers';
import type { Millis, NodeId } from './types';

export function getBlock(st: NodeState, index: number): Block | undefined {
  return st.blocks.get(index);
}

/** A block someone else holds for a while: tentative (inquired) or claimed (announced). */
export function markForeign(
  st: NodeState,
  index: number,
  state: 'tentative' | 'claimed',
  owner: NodeId,
  ownerAddress: string,
  timeoutAt: Millis,
): Block {
  let b = st.blocks.get(index);
  if (b === undefined) {
    b = { index, state, owner, ownerAddress, claimCount: 0, timeoutAt, own: undefined, lastAnswerAt: -Infinity };
    st.blocks.set(index, b);
  } else {
    b.state = state;
    b.owner = owner;
    b.ownerAddress = ownerAddress;
    b.claimCount = 0;
    b.timeoutAt = timeoutAt;
    b.own = undefined;
  }
  st.claiming.delete(index);
  if (st.ours.delete(index)) st.oursSortedCache = undefined;
  // A refresh only moves the timeout later: the earlier deadline stays and re-arms itself
  // when it finds the block still alive (expireBlock), one heap push per timeout, not per refresh.
  st.timers.setIfEarlier(blockTimerKey(index), timeoutAt);
  return b;
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
  };
  st.blocks.set(index, b);
  st.claiming.add(index);
  st.timers.cancel(blockTimerKey(index));
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
  };
  st.blocks.set(index, b);
  st.claiming.delete(index);
  st.ours.add(index);
  st.oursSortedCache = undefined;
  st.timers.cancel(blockTimerKey(index));
  return b;
}

export function deleteBlock(st: NodeState, index: number): void {
  st.blocks.delete(index);
  st.claiming.delete(index);
  if (st.ours.delete(index)) st.oursSortedCache = undefined;
  st.timers.cancel(blockTimerKey(index));
}

/** Expires a tentative or claimed block whose timeout has come; our own blocks never expire here. */
export function expireBlock(st: NodeState, index: number, now: Millis): void {
  const b = st.blocks.get(index);
  if (b === undefined || (b.state !== 'tentative' && b.state !== 'claimed') || b.timeoutAt === undefined) return;
  if (b.timeoutAt <= now) {
    deleteBlock(st, index);
    // In a full mesh a claim may have found nothing free: this block is a new chance.
    st.spareDirty = true;
  } else st.timers.set(blockTimerKey(index), b.timeoutAt);
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
