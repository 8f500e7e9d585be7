// DHCP server decisions (RFC 2131 4.3): DISCOVER, REQUEST in each client state,
// RELEASE, DECLINE and INFORM, over the leases of our blocks. Requests for other
// nodes' blocks go to forward.ts; reply assembly is dhcp-reply.ts.

import { formatMac } from '../wire/bytes';
import type { DhcpMessage } from '../wire/dhcp-message';
import { BOOTREQUEST, DhcpMessageType, DhcpOptionCode } from '../wire/dhcp-message';
import { getIpv4Option, getMessageType } from '../wire/dhcp-options';
import { sendAck, sendInformAck, sendNak, sendOffer } from './dhcp-reply';
import { forwardRelease, forwardRenewal } from './forward';
import { claimedOwnerAddress, heldBlock } from './blocks';
import { atClaimLimit, macKey } from './demand';
import { blockOf, isInNetwork } from './ipv4';
import { FREE, LEASED, OFFERED, slotCode, slotHasMac } from './lease-slots';
import { endProbe, MAX_PROBE_ATTEMPTS, MAX_PROBES, probeFor, startProbe } from './probe';
import type { SlotRef } from './leases';
import { addressOfClient, findSlot, firstFreeAddress, freeLease, isFreeForClient, leaseTimeSec, MAX_DECLINED, MAX_OFFERS, OFFER_HOLD_MS, serverIdentifier, setLease } from './leases';
import type { NodeState, Probe, Step } from './state';
import { drop, emit } from './state';
import type { Ipv4 } from './types';

/** How long a declined address stays out of use, in block timeouts (RFC 2131 3.1 leaves it to us). */
const DECLINE_BLOCK_TIMEOUTS = 10;

export function handleDhcp(st: NodeState, step: Step, req: DhcpMessage): void {
  if (!st.cfg.dhcpEnabled) return drop(step, 'dhcpDisabled');
  if (req.op !== BOOTREQUEST || req.hlen !== 6) return drop(step, 'unknownDhcpMessage');
  const sid = serverIdentifier(st);
  if (sid === undefined) return drop(step, 'noServerIdentifier');
  switch (getMessageType(req)) {
    case DhcpMessageType.Discover:
      return handleDiscover(st, step, req, sid);
    case DhcpMessageType.Request:
      return handleRequest(st, step, req, sid);
    case DhcpMessageType.Release:
      return handleClientRelease(st, step, req);
    case DhcpMessageType.Decline:
      return handleDecline(st, step, req);
    case DhcpMessageType.Inform:
      sendInformAck(st, step, req, sid);
      return emit(step, { kind: 'informed', ip: req.ciaddr, mac: formatMac(req.chaddr) });
    default:
      return drop(step, 'unknownDhcpMessage');
  }
}

/** Offered to or leased by the client with this chaddr (its first 6 bytes, as C compares). */
function heldBy(ref: SlotRef, chaddr: Uint8Array): boolean {
  const code = slotCode(ref.own, ref.k);
  return (code === OFFERED || code === LEASED) && slotHasMac(ref.own, ref.k, chaddr);
}

/** The client's current or previous address first (C forgot it), then the one it asks for, then the lowest free. */
function chooseOffer(st: NodeState, req: DhcpMessage): Ipv4 | undefined {
  const previous = addressOfClient(st, req.chaddr);
  if (previous !== undefined) {
    const ref = findSlot(st, previous);
    if (ref !== undefined && slotHasMac(ref.own, ref.k, req.chaddr) && (heldBy(ref, req.chaddr) || isFreeForClient(st, previous, ref))) return previous;
  }
  const wanted = getIpv4Option(req, DhcpOptionCode.RequestedAddress);
  if (wanted !== undefined) {
    const ref = findSlot(st, wanted);
    if (ref !== undefined && isFreeForClient(st, wanted, ref)) return wanted;
  }
  return firstFreeAddress(st);
}

function handleDiscover(st: NodeState, step: Step, req: DhcpMessage, sid: Ipv4, attempt = 1): void {
  const mac = macKey(req.chaddr);
  const probing = probeFor(st, mac);
  if (probing !== undefined) {
    // The offer that follows the probe answers this DISCOVER's xid: the client may have started over.
    probing.request = req;
    return drop(step, 'probing');
  }
  const ip = chooseOffer(st, req);
  const ref = ip === undefined ? undefined : findSlot(st, ip);
  if (ip === undefined || ref === undefined) {
    // Demand: the spare check claims for this client too (demand.ts).
    st.arrivals.record(mac, step.now, false);
    st.spareDirty = true;
    if (atClaimLimit(st)) return drop(step, 'claimLimit');
    return drop(step, st.learningUntil !== undefined && st.ours.size === 0 ? 'learning' : 'noFreeLease');
  }
  // A new offer when the table is full waits for old ones to lapse (the client retries).
  const code = slotCode(ref.own, ref.k);
  if (code === FREE && st.offered.size >= MAX_OFFERS) return drop(step, 'offerTableFull');
  const probe = code === FREE && mustProbe(st, req);
  if (probe && st.probes.size >= MAX_PROBES) return drop(step, 'probing');
  // Only a fresh address is demand: more blocks would not help a full offer table.
  if (code === FREE) st.arrivals.record(mac, step.now, true);
  // A leased address offered again stays leased: the offer must not shorten the lease.
  if (code !== LEASED) setLease(st, step.now, ip, ref, 'offered', req.chaddr, step.now + OFFER_HOLD_MS);
  if (probe) return startProbe(st, step, ip, req, mac, attempt);
  sendOffer(st, step, req, ip, sid);
}

/**
 * A fresh address for a client on our link is probed first (probe.ts). A relayed
 * client is on another link, which our ARP does not reach.
 */
function mustProbe(st: NodeState, req: DhcpMessage): boolean {
  return st.cfg.probeMs > 0 && req.giaddr === 0;
}

/** Nobody answered for the address: the offer goes out, if the address is still held for the client. */
export function offerProbed(st: NodeState, step: Step, probe: Probe): void {
  const ref = findSlot(st, probe.ip);
  const sid = serverIdentifier(st);
  // The block went to another node meanwhile, or the offer lapsed: the client's next DISCOVER starts over.
  if (ref === undefined || sid === undefined || slotCode(ref.own, ref.k) !== OFFERED || !slotHasMac(ref.own, ref.k, probe.request.chaddr)) return;
  setLease(st, step.now, probe.ip, ref, 'offered', probe.request.chaddr, step.now + OFFER_HOLD_MS);
  sendOffer(st, step, probe.request, probe.ip, sid);
}

/**
 * A host answered for an address we were about to offer: it holds a lease we do not
 * know (from a node that lost its state, or the other side of a healed split). The
 * address becomes that host's lease here, so its renewal is granted, and the client
 * is offered the next address.
 */
export function handleProbeReply(st: NodeState, step: Step, ip: Ipv4, mac: Uint8Array): void {
  const probe = st.probes.get(ip);
  // The client itself answering is no conflict: it already uses the address it asked for.
  if (probe === undefined || slotHasMacBytes(probe.request.chaddr, mac)) return;
  endProbe(st, probe);
  const ref = findSlot(st, ip);
  if (ref !== undefined) {
    const holder = new Uint8Array(16);
    holder.set(mac.subarray(0, 6));
    setLease(st, step.now, ip, ref, 'leased', holder, step.now + leaseTimeSec(st) * 1000);
    emit(step, { kind: 'probeAnswered', ip, mac: formatMac(holder) });
  }
  const sid = serverIdentifier(st);
  if (probe.attempt >= MAX_PROBE_ATTEMPTS || sid === undefined) return drop(step, 'probing');
  handleDiscover(st, step, probe.request, sid, probe.attempt + 1);
}

function slotHasMacBytes(chaddr: Uint8Array, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (chaddr[i] !== mac[i]) return false;
  return true;
}

function grant(st: NodeState, step: Step, req: DhcpMessage, ip: Ipv4, ref: SlotRef, sid: Ipv4): void {
  setLease(st, step.now, ip, ref, 'leased', req.chaddr, step.now + leaseTimeSec(st) * 1000);
  sendAck(st, step, req, ip, sid);
  emit(step, { kind: 'leased', ip, mac: formatMac(req.chaddr) });
}

function handleRequest(st: NodeState, step: Step, req: DhcpMessage, sid: Ipv4): void {
  const chosenServer = getIpv4Option(req, DhcpOptionCode.ServerIdentifier);
  const requested = getIpv4Option(req, DhcpOptionCode.RequestedAddress);
  if (chosenServer !== undefined) return handleSelecting(st, step, req, sid, chosenServer, requested ?? req.ciaddr);
  const ip = req.ciaddr !== 0 ? req.ciaddr : requested;
  if (ip === undefined) return drop(step, 'unknownDhcpMessage');
  const learning = st.learningUntil !== undefined;
  if (!isInNetwork(st.geo, ip)) return learning ? drop(step, 'learning') : sendNak(st, step, req, sid);
  const ref = findSlot(st, ip);
  if (ref !== undefined) {
    if (heldBy(ref, req.chaddr) || isFreeForClient(st, ip, ref)) return grant(st, step, req, ip, ref, sid);
    return sendNak(st, step, req, sid);
  }
  const index = blockOf(st.geo, ip);
  const owner = claimedOwnerAddress(st, index);
  if (owner !== undefined) return forwardRenewal(st, step, req, ip, owner);
  // Our own claim is not settled: the client retries, and by then the block is ours or not.
  if (heldBlock(st, index)?.state === 'claiming') return drop(step, 'notOwner');
  // Nobody serves this block: NAK now, or dhclient waits 7 s before it starts over.
  if (learning) return drop(step, 'learning');
  sendNak(st, step, req, sid);
}

function handleSelecting(st: NodeState, step: Step, req: DhcpMessage, sid: Ipv4, chosen: Ipv4, ip: Ipv4): void {
  if (chosen !== sid) {
    // The client took another server's offer (RFC 2131 4.3.2): ours is free again.
    const offered = addressOfClient(st, req.chaddr);
    const ref = offered === undefined ? undefined : findSlot(st, offered);
    if (offered !== undefined && ref !== undefined && slotCode(ref.own, ref.k) === OFFERED && slotHasMac(ref.own, ref.k, req.chaddr)) {
      freeLease(st, offered, ref, step.now);
    }
    return drop(step, 'notForUs');
  }
  const ref = findSlot(st, ip);
  if (ref !== undefined && heldBy(ref, req.chaddr)) return grant(st, step, req, ip, ref, sid);
  sendNak(st, step, req, sid);
}

function handleClientRelease(st: NodeState, step: Step, req: DhcpMessage): void {
  const ip = req.ciaddr;
  const ref = findSlot(st, ip);
  if (ref !== undefined) {
    if (!heldBy(ref, req.chaddr)) return;
    freeLease(st, ip, ref, step.now);
    return emit(step, { kind: 'released', ip, mac: formatMac(req.chaddr) });
  }
  if (!isInNetwork(st.geo, ip)) return;
  const owner = claimedOwnerAddress(st, blockOf(st.geo, ip));
  // The C daemon dropped this; the owner would keep the address busy until the lease ran out.
  if (owner !== undefined) forwardRelease(st, step, req, ip, owner);
}

/** Many declines at once are an attack or a broken client, not that many hosts squatting: the oldest goes back. */
function releaseOldestDeclined(st: NodeState, step: Step): void {
  const oldest = st.declined.values().next();
  if (oldest.done === true) return;
  const ref = findSlot(st, oldest.value);
  if (ref === undefined) st.declined.delete(oldest.value);
  else freeLease(st, oldest.value, ref, step.now);
}

function handleDecline(st: NodeState, step: Step, req: DhcpMessage): void {
  const ip = getIpv4Option(req, DhcpOptionCode.RequestedAddress);
  const ref = ip === undefined ? undefined : findSlot(st, ip);
  if (ip === undefined || ref === undefined || !heldBy(ref, req.chaddr)) return;
  const until = step.now + st.cfg.blockTimeoutSec * DECLINE_BLOCK_TIMEOUTS * 1000;
  if (st.declined.size >= MAX_DECLINED) releaseOldestDeclined(st, step);
  setLease(st, step.now, ip, ref, 'declined', req.chaddr, until);
  emit(step, { kind: 'declined', ip, mac: formatMac(req.chaddr) });
}
