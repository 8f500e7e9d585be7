// How the lease slots of one owned block are stored: parallel typed arrays (a
// state byte, an expiry, 16 chaddr bytes per address) instead of an object per
// address. No policy here: who gets which address is leases.ts and dhcp.ts.

import { bytesToHexAt, formatMacAt } from '../wire/bytes';
import type { LeaseState, Mac, Millis } from './types';

/**
 * The lease slots of a block we own, one entry per address in parallel typed
 * arrays (the functions below read and write them): an object per address with its
 * MAC string, chaddr copy and timer entry cost ~500 bytes per lease, the largest
 * part of a 10 000-lease daemon's heap (bench/RESULTS.md, memory per lease).
 */
export interface OwnBlock {
  /** Per slot: its SlotCode, and a flag once a client held it. */
  readonly states: Uint8Array;
  readonly expiresAt: Float64Array;
  /** 16 bytes per slot: the last client's chaddr, kept while free so a returning client gets its address back. */
  readonly chaddr: Uint8Array;
  /** Slots offered, leased or declined. */
  used: number;
  /** Since when no slot is in use; undefined while some are. */
  idleSince: Millis | undefined;
  /** The one lease deadline of the block: the earliest expiry of its slots in use (leases.ts keeps it so). */
  leaseDeadline: Millis | undefined;
}

export const FREE = 0;
export const OFFERED = 1;
export const LEASED = 2;
export const DECLINED = 3;
export type SlotCode = typeof FREE | typeof OFFERED | typeof LEASED | typeof DECLINED;

const CODE_MASK = 3;
/** Or-ed into a slot's byte once a client held it: its chaddr stays so a returning client gets the address back. */
const KNOWN = 4;
const CHADDR_LEN = 16;
const NAMES: readonly (LeaseState | 'free')[] = ['free', 'offered', 'leased', 'declined'];

export function allocOwnBlock(size: number, now: Millis): OwnBlock {
  return {
    states: new Uint8Array(size),
    expiresAt: new Float64Array(size),
    chaddr: new Uint8Array(size * CHADDR_LEN),
    used: 0,
    idleSince: now,
    leaseDeadline: undefined,
  };
}

export function codeOf(state: LeaseState): SlotCode {
  return state === 'offered' ? OFFERED : state === 'leased' ? LEASED : DECLINED;
}

export function slotCode(own: OwnBlock, k: number): SlotCode {
  return ((own.states[k] ?? FREE) & CODE_MASK) as SlotCode;
}

export function slotState(own: OwnBlock, k: number): LeaseState | 'free' {
  return NAMES[slotCode(own, k)] ?? 'free';
}

/** True once some client held the slot (its chaddr is meaningful, even while free). */
export function isKnown(own: OwnBlock, k: number): boolean {
  return ((own.states[k] ?? 0) & KNOWN) !== 0;
}

/** Puts a client into a slot; chaddr bytes past its end read as zero. */
export function writeSlot(own: OwnBlock, k: number, code: SlotCode, chaddr: Uint8Array, expiresAt: Millis): void {
  own.states[k] = code | KNOWN;
  own.expiresAt[k] = expiresAt;
  const at = k * CHADDR_LEN;
  own.chaddr.fill(0, at, at + CHADDR_LEN);
  own.chaddr.set(chaddr.length > CHADDR_LEN ? chaddr.subarray(0, CHADDR_LEN) : chaddr, at);
}

/** Frees a slot and keeps who held it. */
export function clearSlot(own: OwnBlock, k: number): void {
  own.states[k] = (own.states[k] ?? 0) & KNOWN;
}

/** Whether a known slot's client has this MAC (chaddr's first 6 bytes, as the C daemon compares). */
export function slotHasMac(own: OwnBlock, k: number, chaddr: Uint8Array): boolean {
  if (!isKnown(own, k)) return false;
  const at = k * CHADDR_LEN;
  for (let i = 0; i < 6; i++) if (own.chaddr[at + i] !== (chaddr[i] ?? 0)) return false;
  return true;
}

/** The slot's client as views and events show it, made only when asked for. */
export function slotMac(own: OwnBlock, k: number): Mac {
  return formatMacAt(own.chaddr, k * CHADDR_LEN);
}

/** Copies the slot's 16 chaddr bytes to `dest` at `at`, byte by byte: a subarray view per lease cost ~100 bytes of garbage. */
export function copySlotChaddr(own: OwnBlock, k: number, dest: Uint8Array, at: number): void {
  const from = k * CHADDR_LEN;
  for (let i = 0; i < CHADDR_LEN; i++) dest[at + i] = own.chaddr[from + i] ?? 0;
}

/** All 16 chaddr bytes as 32 lowercase hex digits. */
export function slotChaddrHex(own: OwnBlock, k: number): string {
  return bytesToHexAt(own.chaddr, k * CHADDR_LEN, CHADDR_LEN);
}

