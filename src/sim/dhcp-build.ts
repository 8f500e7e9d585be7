// DHCP requests as the simulated clients send them (RFC 2131 table 5): which
// fields and options each client state fills in. Replies are read with the
// option helpers from wire/.

import type { Ipv4 } from '../core/types';
import { BOOTREQUEST, DhcpMessageType, DhcpOptionCode, type DhcpMessage, type DhcpOption } from '../wire/dhcp-message';
import { ipv4ToBytes } from '../wire/dhcp-options';

/** What udhcpc asks for by default, plus T1/T2. */
const PARAMETER_REQUEST_LIST = Uint8Array.of(1, 3, 6, 12, 15, 28, 42, 51, 58, 59);

export interface ClientRequest {
  readonly type: number;
  readonly xid: number;
  readonly mac: Uint8Array;
  readonly ciaddr?: Ipv4;
  readonly requested?: Ipv4;
  readonly serverId?: Ipv4;
}

export function buildClientMessage(req: ClientRequest): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set(req.mac.subarray(0, 6));
  const options: DhcpOption[] = [
    { code: DhcpOptionCode.MessageType, data: Uint8Array.of(req.type) },
    { code: DhcpOptionCode.ClientIdentifier, data: Uint8Array.of(1, ...req.mac.subarray(0, 6)) },
  ];
  if (req.requested !== undefined) options.push({ code: DhcpOptionCode.RequestedAddress, data: ipv4ToBytes(req.requested) });
  if (req.serverId !== undefined) options.push({ code: DhcpOptionCode.ServerIdentifier, data: ipv4ToBytes(req.serverId) });
  if (req.type !== DhcpMessageType.Release) {
    options.push({ code: DhcpOptionCode.ParameterRequestList, data: PARAMETER_REQUEST_LIST });
  }
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: req.xid >>> 0,
    secs: 0,
    flags: 0,
    ciaddr: req.ciaddr ?? 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options,
  };
}
