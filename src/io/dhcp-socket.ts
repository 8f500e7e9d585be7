// The DHCP server socket: UDP 67 bound to the client interface only, so the
// daemon never answers on another segment (a rogue server on the WAN), and
// replies leave through that interface even when the default route does not.

import dgram from 'node:dgram';
import { getSystemErrorName } from 'node:util';
import type { DhcpDestination } from '../core/types';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from '../wire/dhcp-message';
import { literalLookup } from './literal-lookup';
import { bindSocketToDevice, sendDatagram4, socketFd } from './native';

export interface DhcpSocket {
  /** False when the datagram could not be sent (the error went to onError). */
  send(bytes: Uint8Array, to: DhcpDestination): boolean;
  close(): void;
}

const BROADCAST = 0xffffffff;

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
      // Replies go out with sendto() on the same fd (native.ts): dgram's send path
      // cost more CPU per exchange than building the reply.
      const fd = socketFd(socket);
      resolve({
        send(bytes, to) {
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
