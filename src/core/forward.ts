// Lease messages between nodes: RENEWLEASE/RELEASE we send for roamed clients
// (bounded pending table, byte-order guess and retry), and RENEWLEASE, LEASEACK,
// LEASENAK and RELEASE we receive. Pending deadlines are keyed "p<xid>:<mac>".

import { formatMac, swapBytes32 as byteswapU32 } from '../wire/bytes';
import type { DdhcpLeaseMessage, LeasePayload } from '../wire/ddhcp-message';
import { DdhcpCommand } from '../wire/ddhcp-message';
import type { DhcpMessage } from '../wire/dhcp-message';
import { sendAck, sendNak } from './dhcp-reply';
import { blockStart, isInNetwork } from './ipv4';
import { copySlotChaddr, FREE, LEASED, OFFERED, slotCode, slotHasMac } from './lease-slots';
import type { SlotRef } from './leases';
import { findSlot, freeLease, isReserved, leaseTimeSec, serverIdentifier, setLease } from './leases';
import type { AddressForm, Block, NodeState, PendingForward, Step } from './state';
import { drop, emit } from './state';
import type { Ipv4 } from './types';

export const MAX_PENDING = 256;
export const PENDING_TIMEOUT_MS = 10_000;
/** How long we wait for an answer in the guessed byte order before trying the other one. */
export const FORM_RETRY_MS = 1000;
/**
 * The xid of a hand-over (handOverLeases): no client asked, so there is no request to
 * answer, and the owner's LEASEACK or LEASENAK to it is expected, not a stray reply.
 */
export const HANDOVER_XID = 0;

function pendingKey(xid: number, mac: string): string {
  return `${xid >>> 0}:${mac}`;
}

function encodeForm(ip: Ipv4, form: AddressForm): number {
  return form === 'raw' ? ip : byteswapU32(ip);
}

/**
 * C peers on little-endian hosts write the lease address byte-reversed, big-endian
 * hosts in network order (ddhcp-vectors README); the form inside our network is the
 * address. If both are, one in a block we own wins, then the raw form.
 */
export function resolveAddress(st: NodeState, raw: number): ResolvedAddress | undefined {
  const swapped = byteswapU32(raw);
  const rawIn = isInNetwork(st.geo, raw);
  const swappedIn = isInNetwork(st.geo, swapped) && swapped !== raw;
  if (rawIn && swappedIn && findSlot(st, raw) === undefined && findSlot(st, swapped) !== undefined) {
    return { ip: swapped, form: 'swapped', certain: false };
  }
  if (rawIn) return { ip: raw, form: 'raw', certain: !swappedIn };
  if (swappedIn) return { ip: swapped, form: 'swapped', certain: true };
  return undefined;
}

interface ResolvedAddress {
  readonly ip: Ipv4;
  readonly form: AddressForm;
  /** False when both forms lie inside the network: then the peer's form is not learnt from it. */
  readonly certain: boolean;
}

const MAX_PEER_FORMS = 4096;

function rememberForm(st: NodeState, peer: string, form: AddressForm): void {
  st.peerForms.delete(peer);
  if (st.peerForms.size >= MAX_PEER_FORMS) {
    const oldest = st.peerForms.keys().next();
    if (oldest.done !== true) st.peerForms.delete(oldest.value);
  }
  st.peerForms.set(peer, form);
}

function sendLeaseMessage(
  st: NodeState,
  step: Step,
  to: string,
  command: DdhcpLeaseMessage['command'],
  lease: LeasePayload,
): void {
  step.out.push({ kind: 'unicast', to, msg: { ...st.header, command, count: 0, lease } });
}

function sendRenewal(st: NodeState, step: Step, p: PendingForward): void {
  const lease: LeasePayload = {
    addressRaw: encodeForm(p.ip, p.form),
    xid: p.request.xid,
    leaseSeconds: 0,
    chaddr: p.request.chaddr.slice(0, 16),
  };
  sendLeaseMessage(st, step, p.ownerAddress, DdhcpCommand.RenewLease, lease);
}

/** Asks the owner of a roamed client's block to renew; the DHCP answer waits for its reply. */
export function forwardRenewal(st: NodeState, step: Step, req: DhcpMessage, ip: Ipv4, ownerAddress: string): void {
  const key = pendingKey(req.xid, formatMac(req.chaddr));
  if (!st.pending.has(key) && st.pending.size >= MAX_PENDING) {
    drop(step, 'pendingTableFull');
    return;
  }
  const known = st.peerForms.get(ownerAddress);
  // Unknown peer: little-endian C hosts are the common case, so try their form first.
  const p: PendingForward = { key, request: req, ip, ownerAddress, createdAt: step.now, form: known ?? 'swapped', retryPending: known === undefined };
  st.pending.set(key, p);
  sendRenewal(st, step, p);
  st.timers.set(`p${key}`, step.now + (p.retryPending ? FORM_RETRY_MS : PENDING_TIMEOUT_MS));
}

/** Deadline handler: retry once in network order, or forget the request. */
export function expirePending(st: NodeState, step: Step, key: string): void {
  const p = st.pending.get(key);
  if (p === undefined) return;
  if (p.retryPending && step.now < p.createdAt + PENDING_TIMEOUT_MS) {
    p.retryPending = false;
    p.form = p.form === 'raw' ? 'swapped' : 'raw';
    sendRenewal(st, step, p);
    st.timers.set(`p${key}`, p.createdAt + PENDING_TIMEOUT_MS);
    return;
  }
  st.pending.delete(key);
}

/**
 * We lost a block we owned to a node with a larger id (a healed partition, two restarts
 * that raced): our clients still hold its addresses, and the winner does not know. Each
 * lease goes to the winner as a RENEWLEASE, as if its client had roamed and renewed, so
 * the winner marks the address leased before it can hand it to another client (ours do
 * for a free address; one it leased to another MAC inside the split is NAKed, which no
 * protocol can undo). The client's next renewal reaches the winner through us as usual.
 * The lease's remaining seconds ride along (C sends 0 there and C owners ignore it): a
 * winner that NAKs keeps the address from new clients until our client's lease ends too.
 * Call before the block's leases are dropped.
 */
export function handOverLeases(st: NodeState, step: Step, block: Block, winner: string): void {
  const own = block.own;
  if (own === undefined || own.used === 0) return;
  const form = st.peerForms.get(winner) ?? 'swapped';
  const start = blockStart(st.geo, block.index);
  for (let k = 0; k < own.states.length; k++) {
    if (slotCode(own, k) !== LEASED) continue;
    const chaddr = new Uint8Array(16);
    copySlotChaddr(own, k, chaddr, 0);
    const leaseSeconds = Math.max(0, Math.ceil(((own.expiresAt[k] ?? 0) - step.now) / 1000));
    sendLeaseMessage(st, step, winner, DdhcpCommand.RenewLease, { addressRaw: encodeForm(start + k, form), xid: HANDOVER_XID, leaseSeconds, chaddr });
  }
}

/** C owners drop RELEASE (19); ours free the lease. No answer is expected either way. */
export function forwardRelease(st: NodeState, step: Step, req: DhcpMessage, ip: Ipv4, ownerAddress: string): void {
  const form = st.peerForms.get(ownerAddress) ?? 'swapped';
  const lease: LeasePayload = { addressRaw: encodeForm(ip, form), xid: req.xid, leaseSeconds: 0, chaddr: req.chaddr.slice(0, 16) };
  sendLeaseMessage(st, step, ownerAddress, DdhcpCommand.Release, lease);
}

/**
 * The address a peer's RENEWLEASE or RELEASE names, in the byte order that puts it in our
 * network, learning the peer's form when only one does; undefined, dropped, when neither does.
 */
function peerLeaseAddress(st: NodeState, step: Step, from: string, msg: DdhcpLeaseMessage): Ipv4 | undefined {
  const resolved = resolveAddress(st, msg.lease.addressRaw);
  if (resolved === undefined) {
    drop(step, 'addressOutsideNetwork');
    return undefined;
  }
  if (resolved.certain) rememberForm(st, from, resolved.form);
  return resolved.ip;
}

/** A peer asks us, the owner, to renew: checked against the lease's MAC and state (C ACKs blindly). */
export function handleRenewLease(st: NodeState, step: Step, from: string, msg: DdhcpLeaseMessage): void {
  const ip = peerLeaseAddress(st, step, from, msg);
  if (ip === undefined) return;
  const ref = findSlot(st, ip);
  let ok = false;
  if (ref !== undefined) {
    const code = slotCode(ref.own, ref.k);
    const mine = (code === OFFERED || code === LEASED) && slotHasMac(ref.own, ref.k, msg.lease.chaddr);
    ok = mine || (code === FREE && !isReserved(st, ip));
    if (ok) {
      setLease(st, step.now, ip, ref, 'leased', msg.lease.chaddr, step.now + leaseTimeSec(st) * 1000);
      emit(step, { kind: 'leased', ip, mac: formatMac(msg.lease.chaddr) });
    } else if (msg.lease.xid === HANDOVER_XID && code === LEASED) keepForBoth(st, step, ref, ip, msg.lease.leaseSeconds);
  }
  sendLeaseMessage(st, step, from, ok ? DdhcpCommand.LeaseAck : DdhcpCommand.LeaseNak, msg.lease);
}

/**
 * A handed-over lease of an address we leased to another client inside a split: both
 * clients hold it. Ours keeps it, and it goes to nobody new until the other's lease ends
 * as well (that client may have left without a word; on its return it is NAKed).
 */
function keepForBoth(st: NodeState, step: Step, ref: SlotRef, ip: Ipv4, leaseSeconds: number): void {
  const otherEnds = step.now + Math.min(leaseSeconds, leaseTimeSec(st)) * 1000;
  if (otherEnds <= (ref.own.expiresAt[ref.k] ?? 0)) return;
  const holder = new Uint8Array(16);
  copySlotChaddr(ref.own, ref.k, holder, 0);
  setLease(st, step.now, ip, ref, 'leased', holder, otherEnds);
}

/** The owner answered a RENEWLEASE of ours: tell the waiting client. */
export function handleLeaseReply(st: NodeState, step: Step, msg: DdhcpLeaseMessage, ack: boolean): void {
  const key = pendingKey(msg.lease.xid, formatMac(msg.lease.chaddr));
  const p = st.pending.get(key);
  const raw = msg.lease.addressRaw;
  if (p === undefined || (raw !== p.ip && raw !== byteswapU32(p.ip))) {
    if (p === undefined && msg.lease.xid === HANDOVER_XID) return;
    drop(step, 'unsolicitedReply');
    return;
  }
  if (raw === p.ip && raw !== byteswapU32(p.ip)) rememberForm(st, p.ownerAddress, 'raw');
  else if (raw !== p.ip) rememberForm(st, p.ownerAddress, 'swapped');
  st.pending.delete(key);
  st.timers.cancel(`p${key}`);
  const sid = serverIdentifier(st);
  if (sid === undefined) {
    drop(step, 'noServerIdentifier');
    return;
  }
  if (ack) sendAck(st, step, p.request, p.ip, sid);
  else sendNak(st, step, p.request, sid);
}

/** RELEASE from a peer for a client that left a lease of ours elsewhere. */
export function handleRelease(st: NodeState, step: Step, from: string, msg: DdhcpLeaseMessage): void {
  const ip = peerLeaseAddress(st, step, from, msg);
  if (ip === undefined) return;
  const ref = findSlot(st, ip);
  if (ref === undefined || !slotHasMac(ref.own, ref.k, msg.lease.chaddr)) return;
  const code = slotCode(ref.own, ref.k);
  if (code !== OFFERED && code !== LEASED) return;
  freeLease(st, ip, ref, step.now);
  emit(step, { kind: 'released', ip, mac: formatMac(msg.lease.chaddr) });
}
