// ARP for IPv4 over Ethernet (RFC 826), as a packet socket of type SOCK_DGRAM
// carries it: the 28 bytes after the Ethernet header. We send one kind, the
// probe of RFC 5227 2.1.1 (sender address 0.0.0.0, so no neighbour caches learn
// from it), and read any ARP frame for who claims which address.

import { err, ok, type Result } from './result';

export const ARP_LENGTH = 28;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;
export const ARP_REQUEST = 1;

export interface ArpPacket {
  readonly op: number;
  /** 6 bytes. */
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetIp: number;
}

export type ArpError = 'short' | 'notEthernetIpv4';

/** Who has `ip`? asked from `ourMac` with sender address 0.0.0.0. */
export function encodeArpProbe(ourMac: Uint8Array, ip: number): Uint8Array {
  const out = new Uint8Array(ARP_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint16(0, HTYPE_ETHERNET);
  v.setUint16(2, PTYPE_IPV4);
  out[4] = 6;
  out[5] = 4;
  v.setUint16(6, ARP_REQUEST);
  out.set(ourMac.subarray(0, 6), 8);
  // Sender IP (14..17) and target MAC (18..23) stay zero.
  v.setUint32(24, ip >>> 0);
  return out;
}

export function decodeArp(bytes: Uint8Array): Result<ArpPacket, ArpError> {
  if (bytes.length < ARP_LENGTH) return err('short');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint16(0) !== HTYPE_ETHERNET || v.getUint16(2) !== PTYPE_IPV4 || bytes[4] !== 6 || bytes[5] !== 4) return err('notEthernetIpv4');
  return ok({ op: v.getUint16(6), senderMac: bytes.slice(8, 14), senderIp: v.getUint32(14), targetIp: v.getUint32(24) });
}
