// The node-to-node sockets on the server interface: UDP 1234 joined to
// ff02::1234 for UPDATECLAIM/INQUIRE, and UDP 1235 for the unicast lease
// messages. Both are bound to the device; multicast leaves with hop limit 1.

import dgram from 'node:dgram';
import { DDHCP_MCAST_GROUP, DDHCP_MCAST_PORT, DDHCP_UNICAST_PORT } from '../wire/ddhcp-message';
import { literalLookup } from './literal-lookup';
import { bindSocketToDevice } from './native';

export type MeshChannel = 'mcast' | 'direct';

export interface MeshSockets {
  multicast(bytes: Uint8Array): void;
  unicast(to: string, bytes: Uint8Array): void;
  close(): void;
}

export interface MeshPorts {
  readonly mcastPort: number;
  readonly unicastPort: number;
}

const DEFAULT_PORTS: MeshPorts = { mcastPort: DDHCP_MCAST_PORT, unicastPort: DDHCP_UNICAST_PORT };

function openUdp6(port: number, ifname: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true, recvBufferSize: 1 << 20, lookup: literalLookup(6) });
    const fail = (e: unknown): void => {
      // A failed bind leaves the handle open; the daemon retries, so it must not leak.
      closeQuietly(socket);
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    socket.once('error', fail);
    socket.bind({ port, address: '::' }, () => {
      socket.off('error', fail);
      try {
        bindSocketToDevice(socket, ifname);
      } catch (e) {
        fail(e);
        return;
      }
      resolve(socket);
    });
  });
}

export async function openMeshSockets(
  ifname: string,
  onMessage: (channel: MeshChannel, bytes: Buffer, from: string) => void,
  onError: (err: Error) => void,
  ports: MeshPorts = DEFAULT_PORTS,
): Promise<MeshSockets> {
  const mcast = await openUdp6(ports.mcastPort, ifname);
  let direct: dgram.Socket | undefined;
  try {
    direct = await openUdp6(ports.unicastPort, ifname);
    mcast.addMembership(DDHCP_MCAST_GROUP, `::%${ifname}`);
    mcast.setMulticastInterface(`::%${ifname}`);
    mcast.setMulticastTTL(1);
    mcast.setMulticastLoopback(false);
  } catch (e) {
    // A leftover unicast socket would go on taking a share of port 1235's packets.
    closeQuietly(mcast);
    if (direct !== undefined) closeQuietly(direct);
    throw e;
  }
  const stripZone = (address: string): string => address.split('%')[0] ?? address;
  mcast.on('message', (msg, rinfo) => onMessage('mcast', msg, stripZone(rinfo.address)));
  direct.on('message', (msg, rinfo) => onMessage('direct', msg, stripZone(rinfo.address)));
  mcast.on('error', onError);
  direct.on('error', onError);
  const report = (e: Error | null): void => {
    if (e) onError(e);
  };
  return {
    multicast(bytes) {
      mcast.send(bytes, ports.mcastPort, `${DDHCP_MCAST_GROUP}%${ifname}`, report);
    },
    unicast(to, bytes) {
      direct.send(bytes, ports.unicastPort, `${to}%${ifname}`, report);
    },
    close() {
      closeQuietly(mcast);
      closeQuietly(direct);
    },
  };
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
