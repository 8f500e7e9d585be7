// The block table, in two parts: the few blocks we hold (claiming, ours) in a
// Map of Block objects, and the many others hold in a ForeignTable of typed
// arrays (foreign-table.ts). An index in neither is free. The rest of the core
// asks through the functions here and does not care which part holds a block.
// Foreign claims lapse in expiry steps (expiry-heap.ts). No decisions about conflicts
// here (consensus.ts), no leases (leases.ts).

import { ExpiryHeap } from './expiry-heap';
import type { Block, NodeState, OwnBlock } from './state';
import { oursSorted } from './state';
import type { BlockView, Millis, NodeId, PersistedForeignClaim } from './types';

/** The block we hold at `index` (claiming or ours), if any. */
export function heldBlock(st: NodeState, index: number): Block | undefined {
  return st.held.get(index);
}

export function isFree(st: NodeState, index: number): boolean {
  return st.foreign.find(index) < 0 && !st.held.has(index);
}

/** Blocks not free: held by us or by others. */
export function blockCount(st: NodeState): number {
  return st.held.size + st.foreign.size;
}

/** The address of the node that has announced the block (claimed, not merely inquired), if another has. */
export function claimedOwnerAddress(st: NodeState, index: number): string | undefined {
  const slot = st.foreign.find(index);
  if (slot < 0 || !st.foreign.isClaimed(slot)) return undefined;
  // Empty for a claim restored from a state file that did not know the address.
  const address = st.foreign.addressAt(slot);
  return address === '' ? undefined : address;
}

/**
 * Every block others hold, as the view shows it, appended to `out` in table order (not
 * by index). Fields in the order of a held block's view: ctl and ubus print them so.
 */
export function viewForeign(st: NodeState, out: BlockView[]): void {
  const ft = st.foreign;
  for (let s = 0; s < ft.capacity; s++) {
    if (!ft.isUsed(s)) continue;
    out.push({
      index: ft.indexAt(s),
      state: ft.isClaimed(s) ? 'claimed' : 'tentative',
      owner: ft.ownerAt(s),
      ownerAddress: ft.addressAt(s),
      claimCount: 0,
      timeoutAt: ft.timeoutAt(s),
      leases: undefined,
    });
  }
}

/**
 * The blocks others have claimed, ascending by index, with what is left of each claim at
 * `now`: what a snapshot keeps. Tentative marks are left out: they last one tentative
 * timeout, and the inquirer inquires again after a restart anyway.
 */
export function listForeignClaims(st: NodeState, now: Millis): PersistedForeignClaim[] {
  const ft = st.foreign;
  const out: PersistedForeignClaim[] = [];
  for (let s = 0; s < ft.capacity; s++) {
    if (!ft.isUsed(s) || !ft.isClaimed(s)) continue;
    const remainingMs = ft.timeoutAt(s) - now;
    if (!(remainingMs > 0)) continue;
    const owner = ft.ownerAt(s);
    const ownerAddress = ft.addressAt(s);
    out.push({ index: ft.indexAt(s), ...(owner === '' ? {} : { owner }), ...(ownerAddress === '' ? {} : { ownerAddress }), remainingMs });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** How many blocks others have claimed, and how many they are inquiring. */
export function countForeign(st: NodeState): { claimed: number; tentative: number } {
  const ft = st.foreign;
  let claimed = 0;
  for (let s = 0; s < ft.capacity; s++) if (ft.isUsed(s) && ft.isClaimed(s)) claimed++;
  return { claimed, tentative: ft.size - claimed };
}

/**
 * A block someone else holds for a while: tentative (inquired) or claimed (announced),
 * for an index not in the foreign table. `held` is our entry for it, looked up by the
 * caller: that claim of ours ends. `sender` sent the claim from `from`.
 */
export function markForeign(
  st: NodeState,
  held: Block | undefined,
  index: number,
  claimed: boolean,
  sender: NodeId,
  from: string,
  timeoutAt: Millis,
): void {
  if (held !== undefined) {
    if (held.state === 'claiming') {
      st.claiming.delete(index);
      // Someone else holds it: leases saved for a block we hoped to win back are void.
      st.reclaimLeases.delete(index);
    } else if (st.ours.delete(index)) st.oursSortedCache = undefined;
    st.held.delete(index);
    st.heldCache = undefined;
  }
  const ft = st.foreign;
  const slot = ft.insert(index, claimed, ft.peer(sender, from), timeoutAt);
  fileExpiry(st, slot, index, timeoutAt);
}

/**
 * A new claim or tentative mark on a block already in the foreign table, in `slot` (from
 * find). The common case, a refresh from the owner it names, does not look the peer up.
 */
export function refreshForeign(st: NodeState, slot: number, index: number, claimed: boolean, sender: NodeId, from: string, timeoutAt: Millis): void {
  const ft = st.foreign;
  if (ft.isFrom(slot, sender, from)) ft.refresh(slot, claimed, timeoutAt);
  else ft.update(slot, claimed, ft.peer(sender, from), timeoutAt);
  fileExpiry(st, slot, index, timeoutAt);
}

/** The one timer for the foreign claims' expiry: the earliest step filed (expiry-heap.ts). */
export const EXPIRY_TIMER = 'expiry';

/**
 * Files a foreign block in the expiry step of its timeout. A refresh only moves the
 * timeout later, so a block already filed earlier stays there and is filed again when
 * that step comes: one entry per claim per block timeout, not one per refresh.
 */
function fileExpiry(st: NodeState, slot: number, index: number, at: number): void {
  const step = Math.ceil(at / st.expiryStepMs);
  const filed = st.foreign.bucketAt(slot);
  if (filed >= 0 && filed <= step) return;
  st.foreign.setBucket(slot, step);
  const heap = st.expiry;
  const first = heap.first;
  heap.push(step, index);
  // Stale entries (blocks filed again earlier, or deleted) wait for their step; a peer
  // moving one claim's timeout back and forth must not grow the heap without bound.
  if (heap.size > 2 * st.foreign.size + 1024) refileAll(st);
  else if (step < first) st.timers.set(EXPIRY_TIMER, step * st.expiryStepMs);
}

/** A heap of exactly the filed blocks, from the table. */
function refileAll(st: NodeState): void {
  const ft = st.foreign;
  const heap = new ExpiryHeap();
  for (let s = 0; s < ft.capacity; s++) if (ft.isUsed(s) && ft.bucketAt(s) >= 0) heap.push(ft.bucketAt(s), ft.indexAt(s));
  st.expiry = heap;
  armExpiry(st);
}

function armExpiry(st: NodeState): void {
  const first = st.expiry.first;
  if (first === Infinity) st.timers.cancel(EXPIRY_TIMER);
  else st.timers.set(EXPIRY_TIMER, first * st.expiryStepMs);
}

/** Frees the foreign blocks of every due step whose timeout has come; the others are filed again. */
export function sweepExpired(st: NodeState, now: number): void {
  const ft = st.foreign;
  const due = Math.floor(now / st.expiryStepMs);
  // st.expiry, not a copy: filing a block again may rebuild the heap (fileExpiry).
  while (st.expiry.first <= due) {
    const step = st.expiry.first;
    const index = st.expiry.pop();
    const slot = ft.find(index);
    // Entries of blocks filed again earlier, or deleted (and maybe claimed anew) since, are stale.
    if (slot < 0 || ft.bucketAt(slot) !== step) continue;
    ft.clearBucket(slot);
    const timeoutAt = ft.timeoutAt(slot);
    if (timeoutAt <= now) {
      ft.deleteSlot(slot);
      // In a full mesh a claim may have found nothing free: this block is a new chance.
      st.spareDirty = true;
    } else fileExpiry(st, slot, index, timeoutAt);
  }
  armExpiry(st);
}

/** Starts claiming a free block. */
export function markClaiming(st: NodeState, index: number): Block {
  const b: Block = { index, state: 'claiming', claimCount: 0, timeoutAt: undefined, own: undefined, lastAnswerAt: -Infinity, firstInquireAt: undefined };
  st.held.set(index, b);
  st.heldCache = undefined;
  st.claiming.add(index);
  return b;
}

/** Makes a block ours with the given lease slots; `timeoutAt` is what peers believe (last announcement + B). */
export function markOurs(st: NodeState, index: number, own: OwnBlock, timeoutAt: Millis): Block {
  const b: Block = { index, state: 'ours', claimCount: 3, timeoutAt, own, lastAnswerAt: -Infinity, firstInquireAt: undefined };
  if (!st.held.has(index)) st.heldCache = undefined;
  st.held.set(index, b);
  st.claiming.delete(index);
  st.ours.add(index);
  st.oursSortedCache = undefined;
  return b;
}

/** Lets go of a block we hold: it is free as far as we know. */
export function deleteHeld(st: NodeState, index: number): void {
  if (st.held.delete(index)) st.heldCache = undefined;
  st.claiming.delete(index);
  if (st.ours.delete(index)) st.oursSortedCache = undefined;
}

/**
 * A random free block: draw an index and probe upwards (wrapping) to the first
 * free one that `usable` accepts. Work grows with the table, not the network.
 */
export function chooseFreeBlock(st: NodeState, usable: (index: number) => boolean): number | undefined {
  const n = st.geo.numBlocks;
  if (blockCount(st) >= n) return undefined;
  const start = st.rng.nextU32() % n;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    if (isFree(st, i) && usable(i)) return i;
  }
  return undefined;
}

/** Our blocks, ascending by index (the order UPDATECLAIM lists them). */
export function listOurBlocks(st: NodeState): Block[] {
  const out: Block[] = [];
  for (const i of oursSorted(st)) {
    const b = st.held.get(i);
    if (b !== undefined) out.push(b);
  }
  return out;
}
