// Building DHCP replies (OFFER, ACK, NAK) and choosing where they go
// (RFC 2131 4.1 and table 3). Decisions about which reply to give are in
// dhcp.ts and forward.ts; this file only assembles the message.

import { u32ToBytes } from '../wire/bytes';
import type { DhcpMessage, DhcpOption } from '../wire/dhcp-message';
import { BOOTREPLY, DhcpMessageType, DhcpOptionCode } from '../wire/dhcp-message';
import { getOption } from '../wire/dhcp-options';
import { leaseTimeSec } from './leases';
import type { NodeState, Step } from './state';
import type { DhcpDestination, Ipv4 } from './types';

const EMPTY_SNAME = new Uint8Array(64);
const EMPTY_FILE = new Uint8Array(128);

/** giaddr -> relay (port 67); ciaddr -> unicast; otherwise broadcast. A NAK is broadcast unless relayed. */
export function chooseDestination(req: DhcpMessage, nak: boolean): DhcpDestination {
  if (req.giaddr !== 0) return { kind: 'relay', giaddr: req.giaddr };
  if (!nak && req.ciaddr !== 0) return { kind: 'unicast', ip: req.ciaddr };
  return { kind: 'broadcast' };
}

/** Options the reply sets itself; the store's values for them are not sent. */
function isOwnOption(code: number, withLease: boolean): boolean {
  if (code === DhcpOptionCode.MessageType || code === DhcpOptionCode.ServerIdentifier || code === DhcpOptionCode.LeaseTime) return true;
  return withLease && (code === DhcpOptionCode.RenewalTime || code === DhcpOptionCode.RebindingTime);
}

// One reply per request under load: no Set per call, the request list is searched as it came (at most 255 bytes).
function buildOptions(st: NodeState, req: DhcpMessage, type: number, sid: Ipv4, withLease: boolean): DhcpOption[] {
  const opts: DhcpOption[] = [
    { code: DhcpOptionCode.MessageType, data: Uint8Array.of(type) },
    { code: DhcpOptionCode.ServerIdentifier, data: u32ToBytes(sid) },
  ];
  if (type === DhcpMessageType.Nak) return opts;
  if (withLease) {
    const lease = leaseTimeSec(st);
    opts.push({ code: DhcpOptionCode.LeaseTime, data: u32ToBytes(lease) });
    opts.push({ code: DhcpOptionCode.RenewalTime, data: u32ToBytes(Math.floor(lease / 2)) });
    opts.push({ code: DhcpOptionCode.RebindingTime, data: u32ToBytes(Math.floor((lease * 7) / 8)) });
  }
  const wanted = getOption(req, DhcpOptionCode.ParameterRequestList);
  let hasMask = false;
  for (const o of st.options) {
    if (isOwnOption(o.code, withLease)) continue;
    if (wanted !== undefined && o.code !== DhcpOptionCode.SubnetMask && !wanted.includes(o.code)) continue;
    if (o.code === DhcpOptionCode.SubnetMask) hasMask = true;
    opts.push({ code: o.code, data: o.payload });
  }
  if (!hasMask) {
    const mask = st.geo.prefixLen === 0 ? 0 : (0xffffffff << (32 - st.geo.prefixLen)) >>> 0;
    opts.push({ code: DhcpOptionCode.SubnetMask, data: u32ToBytes(mask) });
  }
  return opts;
}

export function buildReply(
  st: NodeState,
  req: DhcpMessage,
  type: number,
  yiaddr: Ipv4,
  sid: Ipv4,
  withLease: boolean,
): DhcpMessage {
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    // RFC 2131 table 3: ciaddr is echoed in an ACK only.
    ciaddr: type === DhcpMessageType.Ack ? req.ciaddr : 0,
    yiaddr,
    siaddr: 0,
    giaddr: req.giaddr,
    chaddr: req.chaddr.slice(0, 16),
    sname: EMPTY_SNAME,
    file: EMPTY_FILE,
    options: buildOptions(st, req, type, sid, withLease),
  };
}

export function sendOffer(st: NodeState, step: Step, req: DhcpMessage, ip: Ipv4, sid: Ipv4): void {
  const msg = buildReply(st, req, DhcpMessageType.Offer, ip, sid, true);
  step.out.push({ kind: 'dhcpReply', to: chooseDestination(req, false), msg });
}

export function sendAck(st: NodeState, step: Step, req: DhcpMessage, ip: Ipv4, sid: Ipv4): void {
  const msg = buildReply(st, req, DhcpMessageType.Ack, ip, sid, true);
  step.out.push({ kind: 'dhcpReply', to: chooseDestination(req, false), msg });
}

export function sendNak(st: NodeState, step: Step, req: DhcpMessage, sid: Ipv4): void {
  const msg = buildReply(st, req, DhcpMessageType.Nak, 0, sid, false);
  step.out.push({ kind: 'dhcpReply', to: chooseDestination(req, true), msg });
}

/** RFC 2131 3.4: the answer to DHCPINFORM carries configuration but no lease. */
export function sendInformAck(st: NodeState, step: Step, req: DhcpMessage, sid: Ipv4): void {
  const msg = buildReply(st, req, DhcpMessageType.Ack, 0, sid, false);
  step.out.push({ kind: 'dhcpReply', to: chooseDestination(req, false), msg });
}
