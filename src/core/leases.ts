// Lease slots of the blocks we own: offer, lease, decline, free, expiry, and
// the reserved addresses that are never handed out, and their deadlines (lease
// expiry, needless check). No DHCP message handling here.

import { DhcpOptionCode } from '../wire/dhcp-message';
import { blockOf, blockStart, isInNetwork } from './ipv4';
import { readStoreAddresses, readStoreU32 } from './dhcp-fields';
import type { Block, LeaseSlot, NodeState, OwnBlock } from './state';
import { oursSorted } from './state';
import { leaseTimerKey, needlessTimerKey } from './timers';
import type { Ipv4, LeaseState, Mac, Millis } from './types';

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
    if (own === undefined || own.slots[ip - start]?.state === 'free') n++;
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
  for (const ip of reservedAddresses(st)) if (findSlot(st, ip)?.slot.state === 'free') reservedFree++;
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
  const slots: LeaseSlot[] = [];
  for (let k = 0; k < st.geo.blockSize; k++) slots.push({ state: 'free', mac: undefined, chaddr: undefined, expiresAt: 0 });
  st.timers.set(needlessTimerKey(index), now + st.cfg.needlessTimeoutSec * 1000);
  return { slots, used: 0, idleSince: now };
}

export interface SlotRef {
  readonly block: Block;
  readonly own: OwnBlock;
  readonly slot: LeaseSlot;
}

/** The slot of an address, if it lies in a block we own. */
export function findSlot(st: NodeState, ip: Ipv4): SlotRef | undefined {
  if (!isInNetwork(st.geo, ip)) return undefined;
  const block = st.blocks.get(blockOf(st.geo, ip));
  const own = block?.own;
  if (block === undefined || own === undefined) return undefined;
  const slot = own.slots[ip - blockStart(st.geo, block.index)];
  return slot === undefined ? undefined : { block, own, slot };
}

/** Puts a slot into use (offered, leased, declined) for a client, keeping counters and deadlines right. */
export function setLease(st: NodeState, now: Millis, ip: Ipv4, ref: SlotRef, state: LeaseState, mac: Mac, chaddr: Uint8Array, expiresAt: Millis): void {
  const { own, slot } = ref;
  if (slot.state === 'free') {
    own.used++;
    st.usedTotal++;
    if (own.used === 1) {
      own.idleSince = undefined;
      st.timers.cancel(needlessTimerKey(ref.block.index));
    }
  }
  if (slot.mac !== undefined && slot.mac !== mac && st.byMac.get(slot.mac) === ip) st.byMac.delete(slot.mac);
  const previous = st.byMac.get(mac);
  if (previous !== undefined && previous !== ip && state !== 'declined') releaseOther(st, previous, mac, now);
  trackHeld(st, ip, state);
  slot.state = state;
  slot.mac = mac;
  slot.chaddr = chaddr.slice(0, 16);
  slot.expiresAt = expiresAt;
  if (state !== 'declined') st.byMac.set(mac, ip);
  else if (st.byMac.get(mac) === ip) st.byMac.delete(mac);
  st.timers.set(leaseTimerKey(ip), expiresAt);
  st.spareDirty = true;
}

/** A client has one address here: taking a new one frees its old offer or lease. */
function releaseOther(st: NodeState, ip: Ipv4, mac: Mac, now: Millis): void {
  const ref = findSlot(st, ip);
  if (ref === undefined || ref.slot.mac !== mac) return;
  if (ref.slot.state === 'offered' || ref.slot.state === 'leased') freeLease(st, ip, ref, now);
}

/** Keeps the offered and declined sets in step with the slot states; a new decline goes last. */
function trackHeld(st: NodeState, ip: Ipv4, state: LeaseState | 'free'): void {
  if (state === 'offered') st.offered.add(ip);
  else st.offered.delete(ip);
  st.declined.delete(ip);
  if (state === 'declined') st.declined.add(ip);
}

export function freeLease(st: NodeState, ip: Ipv4, ref: SlotRef, now: Millis): void {
  const { own, slot } = ref;
  if (slot.state === 'free') return;
  trackHeld(st, ip, 'free');
  slot.state = 'free';
  own.used--;
  st.usedTotal--;
  st.timers.cancel(leaseTimerKey(ip));
  if (own.used === 0) {
    own.idleSince = now;
    st.timers.set(needlessTimerKey(ref.block.index), now + st.cfg.needlessTimeoutSec * 1000);
  }
  st.spareDirty = true;
}

/** Deadline handler: offered, leased and declined slots become free when their time is up. */
export function expireLease(st: NodeState, ip: Ipv4, now: Millis): void {
  const ref = findSlot(st, ip);
  if (ref === undefined || ref.slot.state === 'free' || ref.slot.expiresAt > now) return;
  // Idle time counts from the moment the lease ran out, even when this step runs late.
  freeLease(st, ip, ref, ref.slot.expiresAt);
}

/** Forgets every lease of a block we no longer own (lost or given back). */
export function dropOwnLeases(st: NodeState, block: Block): void {
  const own = block.own;
  if (own === undefined) return;
  const start = blockStart(st.geo, block.index);
  st.usedTotal -= own.used;
  own.used = 0;
  own.slots.forEach((slot, k) => {
    const ip = start + k;
    trackHeld(st, ip, 'free');
    st.timers.cancel(leaseTimerKey(ip));
    if (slot.mac !== undefined && st.byMac.get(slot.mac) === ip) st.byMac.delete(slot.mac);
  });
  st.timers.cancel(needlessTimerKey(block.index));
  st.spareDirty = true;
}

/** The lowest free, non-reserved address of our blocks, skipping full blocks cheaply. */
export function firstFreeAddress(st: NodeState): Ipv4 | undefined {
  const reserved = reservedAddresses(st);
  for (const i of oursSorted(st)) {
    const own = st.blocks.get(i)?.own;
    if (own === undefined || own.used >= st.geo.blockSize) continue;
    const start = blockStart(st.geo, i);
    for (let k = 0; k < own.slots.length; k++) {
      if (own.slots[k]?.state === 'free' && !reserved.includes(start + k)) return start + k;
    }
  }
  return undefined;
}

export function isFreeForClient(st: NodeState, ip: Ipv4, ref: SlotRef): boolean {
  return ref.slot.state === 'free' && !isReserved(st, ip);
}
