// The DHCP server socket: UDP 67 bound to the client interface only, so the
// daemon never answers on another segment (a rogue server on the WAN), and
// replies leave through that interface even when the default route does not.

import dgram from 'node:dgram';
import type { DhcpDestination } from '../core/types';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from '../wire/dhcp-message';
import { formatIpv4 } from '../config/parse';
import { literalLookup } from './literal-lookup';
import { bindSocketToDevice } from './native';

export interface DhcpSocket {
  send(bytes: Uint8Array, to: DhcpDestination): void;
  close(): void;
}

export function openDhcpSocket(
  ifname: string,
  onMessage: (bytes: Buffer) => void,
  onError: (err: Error) => void,
  port = DHCP_SERVER_PORT,
): Promise<DhcpSocket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 1 << 20, lookup: literalLookup(4) });
    let opened = false;
    socket.once('error', (e) => {
      if (opened) return;
      // A failed bind leaves the handle open; the daemon retries, so it must not leak.
      closeQuietly(socket);
      reject(e);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => {
      try {
        bindSocketToDevice(socket, ifname);
        socket.setBroadcast(true);
      } catch (e) {
        closeQuietly(socket);
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      opened = true;
      socket.on('error', onError);
      socket.on('message', (msg) => onMessage(msg));
      resolve({
        send(bytes, to) {
          const [host, dport] =
            to.kind === 'broadcast'
              ? ['255.255.255.255', DHCP_CLIENT_PORT]
              : to.kind === 'relay'
                ? [formatIpv4(to.giaddr), DHCP_SERVER_PORT]
                : [formatIpv4(to.ip), DHCP_CLIENT_PORT];
          socket.send(bytes, dport, host, (e) => {
            if (e) onError(e);
          });
        },
        close() {
          closeQuietly(socket);
        },
      });
    });
  });
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
