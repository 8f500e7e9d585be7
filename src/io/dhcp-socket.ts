// The DHCP server socket: UDP 67 bound to the client interface only, so the
// daemon never answers on another segment (a rogue server on the WAN), and
// replies leave through that interface even when the default route does not.
// It is the native helper's socket, not dgram's: under load dgram's receive and
// send paths cost more CPU per exchange than the protocol work (native.ts).

import { getSystemErrorName } from 'node:util';
import type { DhcpDestination, Ipv4 } from '../core/types';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from '../wire/dhcp-message';
import { openArpProber, type ArpProber } from './arp-probe';
import { monotonicNow } from './clock';
import { closeReceiver, openUdp4, receiveDatagrams, sendDatagram4 } from './native';

export interface DhcpSocket {
  /** False when the datagram could not be sent (the error went to onError). */
  send(bytes: Uint8Array, to: DhcpDestination): boolean;
  /** An ARP probe for the address on this interface; false without one (no ARP socket, or the send failed). */
  probe(ip: Ipv4): boolean;
  close(): void;
}

const BROADCAST = 0xffffffff;
/** How often a missing probe interface is tried again (it may come up after the daemon). */
const PROBE_REOPEN_MS = 5_000;
const RECEIVE_BUFFER_BYTES = 1 << 20;
/** The largest UDP payload: no datagram is ever cut short. */
const DATAGRAM_BYTES = 65_536;

/**
 * `onMessage` gets a view of a buffer the next datagram overwrites: decode (which
 * copies) before returning. Resolves once bound; rejects with the step that failed.
 * With `probes`, an ARP socket on probes.ifname carries the probes (the client
 * interface, or on Gluon the client bridge: local-node's next-node MAC does not
 * cross the mesh). If it cannot be opened the error goes to onError and probes
 * fail (offers then wait the probe time unprobed, counted as drops); the next
 * probe at least PROBE_REOPEN_MS later tries again.
 */
export function openDhcpSocket(
  ifname: string,
  onMessage: (bytes: Uint8Array) => void,
  onError: (err: Error) => void,
  port = DHCP_SERVER_PORT,
  probes?: { readonly ifname: string; readonly onAnswer: (ip: Ipv4, mac: Uint8Array) => void },
): Promise<DhcpSocket> {
  let fd: number;
  try {
    fd = openUdp4(ifname, port, RECEIVE_BUFFER_BYTES);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const buffer = new Uint8Array(DATAGRAM_BYTES);
  const receiver = receiveDatagrams(fd, buffer, (length) => {
    if (length >= 0) onMessage(buffer.subarray(0, length));
    else onError(new Error(`receive: ${getSystemErrorName(length)}`));
  });
  let arp: ArpProber | undefined;
  let arpTriedAt = -Infinity;
  const arpSocket = (): ArpProber | undefined => {
    if (arp !== undefined || probes === undefined || monotonicNow() - arpTriedAt < PROBE_REOPEN_MS) return arp;
    arpTriedAt = monotonicNow();
    try {
      arp = openArpProber(probes.ifname, probes.onAnswer, onError);
    } catch (e) {
      onError(new Error(`no ARP probes on ${probes.ifname}: ${e instanceof Error ? e.message : String(e)}`));
    }
    return arp;
  };
  arpSocket();
  let closed = false;
  return Promise.resolve({
    send(bytes, to) {
      if (closed) return false;
      const err =
        to.kind === 'broadcast'
          ? sendDatagram4(fd, bytes, BROADCAST, DHCP_CLIENT_PORT)
          : to.kind === 'relay'
            ? sendDatagram4(fd, bytes, to.giaddr, DHCP_SERVER_PORT)
            : sendDatagram4(fd, bytes, to.ip, DHCP_CLIENT_PORT);
      if (err === 0) return true;
      onError(new Error(`send: ${getSystemErrorName(-err)}`));
      return false;
    },
    probe(ip) {
      if (closed) return false;
      return arpSocket()?.probe(ip) ?? false;
    },
    close() {
      if (closed) return;
      closed = true;
      closeReceiver(receiver);
      arp?.close();
    },
  });
}
