// A DHCP relay agent with many clients behind it, run inside the client
// namespace (`ip netns exec NS node --import tsx bench/relay-client.ts ...`):
// `lease` completes one DORA per MAC with a bounded window, `probe` repeats a
// DISCOVER until the first OFFER and prints when it came. Output: one JSON line.

import dgram from 'node:dgram';
import { buildClientMessage } from '../src/sim/dhcp-build';
import { DhcpMessageType, DhcpOptionCode, DHCP_SERVER_PORT, type DhcpMessage } from '../src/wire/dhcp-message';
import { decodeDhcp, encodeDhcp } from '../src/wire/dhcp';
import { getIpv4Option, getMessageType } from '../src/wire/dhcp-options';

export interface LeaseSummary {
  readonly acked: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

function ipv4(text: string): number {
  return text.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
}

/** Locally administered MACs 02:62:xx:xx:xx:xx numbered from `index`. */
export function macFor(index: number): Uint8Array {
  return Uint8Array.of(0x02, 0x62, (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255);
}

function relayed(msg: DhcpMessage, giaddr: number): Uint8Array {
  return encodeDhcp({ ...msg, giaddr, hops: 1 });
}

export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Pending {
  readonly mac: Uint8Array;
  stage: 'discover' | 'request';
  sentAt: number;
  tries: number;
}

const RETRY_MS = 1000;
const TRIES = 4;

async function leaseMany(socket: dgram.Socket, server: string, giaddr: number, first: number, count: number, window: number): Promise<LeaseSummary> {
  const started = performance.now();
  const pending = new Map<number, Pending>();
  let next = 0;
  let acked = 0;
  let failed = 0;
  const send = (xid: number, p: Pending, msg: DhcpMessage): void => {
    p.sentAt = performance.now();
    socket.send(relayed(msg, giaddr), DHCP_SERVER_PORT, server);
  };
  const discover = (xid: number, p: Pending): void => {
    p.stage = 'discover';
    send(xid, p, buildClientMessage({ type: DhcpMessageType.Discover, xid, mac: p.mac }));
  };
  const fill = (): void => {
    while (pending.size < window && next < count) {
      const xid = (first + next + 1) >>> 0;
      const p: Pending = { mac: macFor(first + next), stage: 'discover', sentAt: 0, tries: 1 };
      pending.set(xid, p);
      next++;
      discover(xid, p);
    }
  };
  return new Promise((resolve) => {
    const finish = (): void => {
      clearInterval(retry);
      resolve({ acked, failed, elapsedMs: performance.now() - started });
    };
    socket.on('message', (bytes) => {
      const r = decodeDhcp(bytes);
      if (!r.ok) return;
      const p = pending.get(r.value.xid);
      if (p === undefined) return;
      const type = getMessageType(r.value);
      if (type === DhcpMessageType.Offer && p.stage === 'discover') {
        p.stage = 'request';
        const serverId = getIpv4Option(r.value, DhcpOptionCode.ServerIdentifier);
        send(r.value.xid, p, buildClientMessage({ type: DhcpMessageType.Request, xid: r.value.xid, mac: p.mac, requested: r.value.yiaddr, ...(serverId === undefined ? {} : { serverId }) }));
      } else if (type === DhcpMessageType.Ack && p.stage === 'request') {
        pending.delete(r.value.xid);
        acked++;
      } else if (type === DhcpMessageType.Nak) {
        discover(r.value.xid, p);
      } else return;
      fill();
      if (pending.size === 0 && next >= count) finish();
    });
    const retry = setInterval(() => {
      const now = performance.now();
      for (const [xid, p] of pending) {
        if (now - p.sentAt < RETRY_MS) continue;
        if (p.tries >= TRIES) {
          pending.delete(xid);
          failed++;
          continue;
        }
        p.tries++;
        discover(xid, p);
      }
      fill();
      if (pending.size === 0 && next >= count) finish();
    }, 100);
    fill();
    if (count === 0) finish();
  });
}

/** DISCOVERs every `intervalMs` until an OFFER arrives; resolves to its epoch ms, or undefined on timeout. */
function probe(socket: dgram.Socket, server: string, giaddr: number, intervalMs: number, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let xid = 0x5eed0000;
    const mac = macFor(0x7fff0000);
    const tick = (): void => {
      xid++;
      socket.send(relayed(buildClientMessage({ type: DhcpMessageType.Discover, xid, mac }), giaddr), DHCP_SERVER_PORT, server);
    };
    const timer = setInterval(tick, intervalMs);
    const stop = setTimeout(() => {
      clearInterval(timer);
      resolve(undefined);
    }, timeoutMs);
    socket.on('message', (bytes) => {
      const r = decodeDhcp(bytes);
      if (!r.ok || getMessageType(r.value) !== DhcpMessageType.Offer) return;
      const at = epochMs();
      clearInterval(timer);
      clearTimeout(stop);
      resolve(at);
    });
    tick();
  });
}

async function main(): Promise<void> {
  const [mode, server = '10.0.0.1', relay = '10.0.0.2', a = '0', b = '0', c = '64'] = process.argv.slice(2);
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 1 << 20 });
  await new Promise<void>((r) => socket.bind(DHCP_SERVER_PORT, relay, () => r()));
  const giaddr = ipv4(relay);
  let result: unknown;
  if (mode === 'lease') {
    result = await leaseMany(socket, server, giaddr, Number(a), Number(b), Number(c));
  } else if (mode === 'probe') {
    process.stdout.write('ready\n');
    result = { offerAtEpochMs: (await probe(socket, server, giaddr, Number(a) || 5, Number(b) || 10000)) ?? null };
  } else {
    process.stderr.write('usage: relay-client.ts lease SERVER RELAY FIRST COUNT [WINDOW] | probe SERVER RELAY [INTERVAL_MS] [TIMEOUT_MS]\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  socket.close();
}

if (require.main === module) void main();
