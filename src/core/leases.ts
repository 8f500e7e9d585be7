// Lease slots of the blocks we own: offer, lease, decline, free, expiry, and
// the reserved addresses that are never handed out, and their deadlines (one
// lease deadline per block, needless check). No DHCP message handling here;
// the slot storage is lease-slots.ts.

import { DhcpOptionCode } from '../wire/dhcp-message';
import { blockOf, blockStart, isInNetwork } from './ipv4';
import { heldBlock } from './blocks';
import { readStoreAddresses, readStoreU32 } from './dhcp-fields';
import { allocOwnBlock, clearSlot, codeOf, FREE, isKnown, LEASED, OFFERED, slotCode, slotHasMac, writeSlot } from './lease-slots';
import type { Block, NodeState, OwnBlock } from './state';
import { oursSorted } from './state';
import { leaseTimerKey, needlessTimerKey } from './timers';
import type { Ipv4, LeaseState, Millis } from './types';

/** RFC 2131 leaves the offer hold time to the server; 12 s as the brief and C's dhcp.c use. */
export const OFFER_HOLD_MS = 12_000;
/**
 * Offers held at once. A DISCOVER flood from random MACs would otherwise hold every
 * address we have and make us claim one more block per claim round for as long as it
 * lasts; legitimate offers live for a round trip, or 12 s when the REQUEST is lost.
 */
export const MAX_OFFERS = 4096;
/** Declined addresses kept out of use at once; past it the oldest goes back into use. */
export const MAX_DECLINED = 256;
const DEFAULT_LEASE_SEC = 300;

export function leaseTimeSec(st: NodeState): number {
  return readStoreU32(st.options, DhcpOptionCode.LeaseTime) ?? DEFAULT_LEASE_SEC;
}

export function serverIdentifier(st: NodeState): Ipv4 | undefined {
  return readStoreU32(st.options, DhcpOptionCode.ServerIdentifier) ?? st.clientAddress;
}

/** Network and broadcast address, our server identifier and the routers (option 3). */
export function reservedAddresses(st: NodeState): readonly Ipv4[] {
  if (st.reservedCache !== undefined) return st.reservedCache;
  const out = [st.geo.prefix, st.geo.broadcast, ...readStoreAddresses(st.options, DhcpOptionCode.Router)];
  const sid = serverIdentifier(st);
  if (sid !== undefined) out.push(sid);
  st.reservedCache = [...new Set(out)];
  return st.reservedCache;
}

export function isReserved(st: NodeState, ip: Ipv4): boolean {
  return reservedAddresses(st).includes(ip);
}

function reservedInBlock(st: NodeState, index: number, own: OwnBlock | undefined): number {
  const start = blockStart(st.geo, index);
  let n = 0;
  for (const ip of reservedAddresses(st)) {
    if (ip < start || ip >= start + st.geo.blockSize) continue;
    // In a block we own, a reserved address already in use is counted in `used`.
    if (own === undefined || slotCode(own, ip - start) === FREE) n++;
  }
  return n;
}

/** How many addresses of a block could ever be handed out. */
export function usableCount(st: NodeState, index: number): number {
  return st.geo.blockSize - reservedInBlock(st, index, undefined);
}

/** Free, non-reserved addresses of one of our blocks. */
export function freeCount(st: NodeState, own: OwnBlock, index: number): number {
  return st.geo.blockSize - own.used - reservedInBlock(st, index, own);
}

export function totalFree(st: NodeState): number {
  let reservedFree = 0;
  for (const ip of reservedAddresses(st)) {
    const ref = findSlot(st, ip);
    if (ref !== undefined && slotCode(ref.own, ref.k) === FREE) reservedFree++;
  }
  return st.ours.size * st.geo.blockSize - st.usedTotal - reservedFree;
}

/** Addresses the blocks we are still claiming will bring. */
export function claimingSupply(st: NodeState): number {
  let reserved = 0;
  for (const ip of reservedAddresses(st)) {
    if (isInNetwork(st.geo, ip) && st.claiming.has(blockOf(st.geo, ip))) reserved++;
  }
  return st.claiming.size * st.geo.blockSize - reserved;
}

export function createOwnBlock(st: NodeState, index: number, now: Millis): OwnBlock {
  st.timers.set(needlessTimerKey(index), now + st.cfg.needlessTimeoutSec * 1000);
  return allocOwnBlock(st.geo.blockSize, now);
}

export interface SlotRef {
  readonly block: Block;
  readonly own: OwnBlock;
  /** The address's position in the block. */
  readonly k: number;
}

/** The slot of an address, if it lies in a block we own. */
export function findSlot(st: NodeState, ip: Ipv4): SlotRef | undefined {
  if (!isInNetwork(st.geo, ip)) return undefined;
  const block = heldBlock(st, blockOf(st.geo, ip));
  const own = block?.own;
  if (block === undefined || own === undefined) return undefined;
  const k = ip - blockStart(st.geo, block.index);
  return k < own.states.length ? { block, own, k } : undefined;
}

/** The address the client with this chaddr (its MAC) holds or last held here. */
export function addressOfClient(st: NodeState, chaddr: Uint8Array): Ipv4 | undefined {
  const offset = st.byMac.find(chaddr);
  return offset === undefined ? undefined : st.geo.prefix + offset;
}

/** Drops the client index entry of the MAC in the slot at `ip` if it points there; before the slot changes hands. */
function forgetClient(st: NodeState, ip: Ipv4): void {
  st.byMac.remove(ip - st.geo.prefix);
}

/**
 * The lease timer of a block is filed under the lease key of its first address:
 * one heap entry per block in use, not one per lease. This moves it earlier.
 */
function armLeaseTimer(st: NodeState, block: Block, own: OwnBlock, at: Millis): void {
  if (own.leaseDeadline !== undefined && own.leaseDeadline <= at) return;
  own.leaseDeadline = at;
  st.timers.set(leaseTimerKey(blockStart(st.geo, block.index)), at);
}

/**
 * The slot that set the block's deadline was freed or got a later expiry: the
 * deadline moves to the new earliest one. Without this an offer taken as a lease
 * woke the node at the offer's old end for nothing (one scan of the block instead).
 */
function rearmLeaseTimer(st: NodeState, block: Block, own: OwnBlock): void {
  let next = Infinity;
  for (let k = 0; k < own.states.length; k++) if (slotCode(own, k) !== FREE) next = Math.min(next, own.expiresAt[k] ?? 0);
  if (next === Infinity) return disarmLeaseTimer(st, block, own);
  own.leaseDeadline = undefined;
  armLeaseTimer(st, block, own, next);
}

function disarmLeaseTimer(st: NodeState, block: Block, own: OwnBlock): void {
  own.leaseDeadline = undefined;
  st.timers.cancel(leaseTimerKey(blockStart(st.geo, block.index)));
}

/** Puts a slot into use (offered, leased, declined) for a client, keeping counters and deadlines right. */
export function setLease(st: NodeState, now: Millis, ip: Ipv4, ref: SlotRef, state: LeaseState, chaddr: Uint8Array, expiresAt: Millis): void {
  const { own, k } = ref;
  if (slotCode(own, k) === FREE) {
    own.used++;
    st.usedTotal++;
    if (own.used === 1) {
      own.idleSince = undefined;
      st.timers.cancel(needlessTimerKey(ref.block.index));
    }
  }
  if (isKnown(own, k) && !slotHasMac(own, k, chaddr)) forgetClient(st, ip);
  const previous = addressOfClient(st, chaddr);
  if (previous !== undefined && previous !== ip && state !== 'declined') releaseOther(st, previous, chaddr, now);
  trackHeld(st, ip, state);
  const setDeadline = slotCode(own, k) !== FREE && own.expiresAt[k] === own.leaseDeadline;
  writeSlot(own, k, codeOf(state), chaddr, expiresAt);
  if (state !== 'declined') st.byMac.set(ip - st.geo.prefix);
  else forgetClient(st, ip);
  if (setDeadline && expiresAt > (own.leaseDeadline ?? 0)) rearmLeaseTimer(st, ref.block, own);
  else armLeaseTimer(st, ref.block, own, expiresAt);
  st.spareDirty = true;
}

/** A client has one address here: taking a new one frees its old offer or lease. */
function releaseOther(st: NodeState, ip: Ipv4, chaddr: Uint8Array, now: Millis): void {
  const ref = findSlot(st, ip);
  if (ref === undefined || !slotHasMac(ref.own, ref.k, chaddr)) return;
  const code = slotCode(ref.own, ref.k);
  if (code === OFFERED || code === LEASED) freeLease(st, ip, ref, now);
}

/** Keeps the offered and declined sets in step with the slot states; a new decline goes last. */
function trackHeld(st: NodeState, ip: Ipv4, state: LeaseState | 'free'): void {
  if (state === 'offered') st.offered.add(ip);
  else st.offered.delete(ip);
  st.declined.delete(ip);
  if (state === 'declined') st.declined.add(ip);
}

export function freeLease(st: NodeState, ip: Ipv4, ref: SlotRef, now: Millis): void {
  const { own, k } = ref;
  if (slotCode(own, k) === FREE) return;
  trackHeld(st, ip, 'free');
  clearSlot(own, k);
  own.used--;
  st.usedTotal--;
  if (own.used === 0) {
    disarmLeaseTimer(st, ref.block, own);
    own.idleSince = now;
    st.timers.set(needlessTimerKey(ref.block.index), now + st.cfg.needlessTimeoutSec * 1000);
  } else if (own.expiresAt[k] === own.leaseDeadline) {
    rearmLeaseTimer(st, ref.block, own);
  }
  st.spareDirty = true;
}

/**
 * Deadline handler of one block's leases (`firstIp` is its first address): offered,
 * leased and declined slots whose time is up become free, and the next earliest
 * expiry is armed.
 */
export function expireLeases(st: NodeState, firstIp: Ipv4, now: Millis): void {
  const ref = findSlot(st, firstIp);
  if (ref === undefined) return;
  const { block, own } = ref;
  own.leaseDeadline = undefined;
  let next = Infinity;
  let lastEnd = -Infinity;
  for (let k = 0; k < own.states.length; k++) {
    if (slotCode(own, k) === FREE) continue;
    const end = own.expiresAt[k] ?? 0;
    if (end > now) {
      next = Math.min(next, end);
      continue;
    }
    lastEnd = Math.max(lastEnd, end);
    freeLease(st, firstIp + k, { block, own, k }, end);
  }
  // Idle time counts from the moment the last lease ran out, even when this step runs late.
  if (own.used === 0 && lastEnd > -Infinity) {
    own.idleSince = lastEnd;
    st.timers.set(needlessTimerKey(block.index), lastEnd + st.cfg.needlessTimeoutSec * 1000);
  }
  if (next < Infinity) armLeaseTimer(st, block, own, next);
}

/** Forgets every lease of a block we no longer own (lost or given back). */
export function dropOwnLeases(st: NodeState, block: Block): void {
  const own = block.own;
  if (own === undefined) return;
  const start = blockStart(st.geo, block.index);
  st.usedTotal -= own.used;
  own.used = 0;
  for (let k = 0; k < own.states.length; k++) {
    if (!isKnown(own, k)) continue;
    trackHeld(st, start + k, 'free');
    forgetClient(st, start + k);
  }
  disarmLeaseTimer(st, block, own);
  st.timers.cancel(needlessTimerKey(block.index));
  st.spareDirty = true;
}

/** The lowest free, non-reserved address of our blocks, skipping full blocks cheaply. */
export function firstFreeAddress(st: NodeState): Ipv4 | undefined {
  const reserved = reservedAddresses(st);
  for (const i of oursSorted(st)) {
    const own = heldBlock(st, i)?.own;
    if (own === undefined || own.used >= st.geo.blockSize) continue;
    const start = blockStart(st.geo, i);
    for (let k = 0; k < own.states.length; k++) {
      if (slotCode(own, k) === FREE && !reserved.includes(start + k)) return start + k;
    }
  }
  return undefined;
}

export function isFreeForClient(st: NodeState, ip: Ipv4, ref: SlotRef): boolean {
  return slotCode(ref.own, ref.k) === FREE && !isReserved(st, ip);
}
