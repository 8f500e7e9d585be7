// A raw datagram sender for the namespace tests, run inside a namespace as
// `ip netns exec NS node --import tsx test/netns/packet-tools.ts '<json>'`: seeded
// floods of malformed and random DDHCP/DHCP packets (with the verdict our own
// decoders give each one, so the daemon's drop counters can be checked exactly),
// crafted DDHCP messages with the replies they draw, and a DHCP DECLINE exchange.

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import path from 'node:path';
import { bindSocketToDevice } from '../../src/io/native';
import { decodeDdhcp, encodeDdhcp } from '../../src/wire/ddhcp';
import { DdhcpCommand, type DdhcpHeader, type DdhcpMessage } from '../../src/wire/ddhcp-message';
import { decodeDhcp, encodeDhcp } from '../../src/wire/dhcp';
import type { DhcpMessage } from '../../src/wire/dhcp-message';
import { bytesToHex, hexToBytes } from '../../src/wire/bytes';

export type ToolCommand =
  /** Several floods from one process, interleaved burst by burst. */
  /** `receiverPid`: the daemon, whose socket queues pace the flood so the kernel never drops a datagram. */
  | { readonly op: 'flood'; readonly floods: readonly FloodSpec[]; readonly iface: string; readonly receiverPid: number; readonly mesh?: DdhcpHeader }
  | { readonly op: 'send'; readonly packets: readonly string[]; readonly to: string; readonly port: number; readonly iface: string; readonly bindPort?: number; readonly listenMs?: number; readonly gapMs?: number }
  | { readonly op: 'decline'; readonly iface: string; readonly server: string; readonly macs: readonly [string, string] };

export interface FloodSpec { readonly proto: 'ddhcp' | 'dhcp'; readonly count: number; readonly seed: number; readonly to: string; readonly port: number }
export interface FloodResult { readonly sent: number; readonly decodeErrors: Record<string, number>; readonly decoded: number; readonly ms: number }
export interface SendResult { readonly sent: number; readonly replies: readonly { readonly from: string; readonly hex: string }[] }
export interface DeclineResult { readonly declined: number; readonly nextOffer: number }

/** Runs the tool inside `ns` and returns its JSON answer. */
export function runTool<T>(ns: string, cmd: ToolCommand, timeoutMs = 60_000): Promise<T> {
  const repo = path.resolve(__dirname, '..', '..');
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', path.join(__dirname, 'packet-tools.ts'), JSON.stringify(cmd)],
      { cwd: repo, timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
        if (e !== null) reject(new Error(`packet-tools ${cmd.op} in ${ns}: ${e.message} ${stderr}`));
        else resolve(JSON.parse(stdout) as T);
      });
  });
}

/** mulberry32: small, seeded, reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rnd: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

/** A DHCP request from `mac` (6 bytes), broadcast flag set so replies reach an unconfigured socket. */
export function dhcpRequest(type: number, mac: Uint8Array, xid: number, extra: readonly { code: number; data: Uint8Array }[] = []): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set(mac.subarray(0, 6));
  return {
    op: 1, htype: 1, hlen: 6, hops: 0, xid, secs: 0, flags: 0x8000, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
    chaddr, sname: new Uint8Array(64), file: new Uint8Array(128),
    options: [{ code: 53, data: Uint8Array.of(type) }, ...extra],
  };
}

/** One flood packet: mostly malformed, some well formed but foreign (another mesh) or meaningless to a server. */
function floodDdhcp(rnd: () => number): Uint8Array {
  const commands = [1, 2, 16, 17, 18, 19, int(rnd, 256)];
  switch (int(rnd, 5)) {
    case 0: return randomBytes(rnd, int(rnd, 300));
    case 1: return randomBytes(rnd, int(rnd, 16));
    case 2: {
      const b = randomBytes(rnd, 16 + int(rnd, 200));
      b[14] = commands[int(rnd, commands.length)] ?? 1;
      return b;
    }
    default: {
      const header: DdhcpHeader = { nodeId: bytesToHex(randomBytes(rnd, 8)), prefix: (0xc0a80000 | (int(rnd, 256) << 8)) >>> 0, prefixLen: 24, blockSize: 1 << int(rnd, 8) };
      const kind = int(rnd, 3);
      const msg: DdhcpMessage = kind === 0
        ? { ...header, command: DdhcpCommand.UpdateClaim, claims: Array.from({ length: int(rnd, 40) }, () => ({ blockIndex: int(rnd, 2 ** 32), timeoutSec: int(rnd, 65536), reserved: 0 })) }
        : kind === 1
          ? { ...header, command: DdhcpCommand.Inquire, blocks: Array.from({ length: int(rnd, 255) }, () => int(rnd, 2 ** 32)) }
          : { ...header, command: ([16, 17, 18, 19] as const)[int(rnd, 4)] ?? 16, count: 0, lease: { addressRaw: int(rnd, 2 ** 32), xid: int(rnd, 2 ** 32), leaseSeconds: 0, chaddr: randomBytes(rnd, 16) } };
      const bytes = encodeDdhcp(msg);
      // Cut or extend a well-formed packet half of the time.
      if (rnd() < 0.5) return bytes.subarray(0, int(rnd, bytes.length));
      return bytes;
    }
  }
}

function floodDhcp(rnd: () => number): Uint8Array {
  const valid = encodeDhcp(dhcpRequest(1, randomBytes(rnd, 6), int(rnd, 2 ** 32), [{ code: 55, data: Uint8Array.of(1, 3, 6, 15) }]));
  switch (int(rnd, 6)) {
    case 0: return randomBytes(rnd, int(rnd, 700));
    case 1: return valid.subarray(0, int(rnd, valid.length));
    case 2: {
      const b = new Uint8Array(valid);
      for (let i = 1 + int(rnd, 8); i > 0; i--) b[int(rnd, b.length)] = int(rnd, 256);
      return b;
    }
    case 3: {
      const b = new Uint8Array(valid);
      const at = 236 + int(rnd, 4);
      b[at] = (b[at] ?? 0) ^ (1 + int(rnd, 255));
      return b;
    }
    case 4: {
      const b = new Uint8Array(240 + int(rnd, 400));
      b.set(valid.subarray(0, 240));
      b.set(randomBytes(rnd, b.length - 240), 240);
      return b;
    }
    default: {
      // A BOOTREPLY: well formed, but no server acts on it.
      const b = new Uint8Array(valid);
      b[0] = 2;
      return b;
    }
  }
}

/** Packets the daemon would act on (a DISCOVER from a random MAC takes a lease) are replaced: this is a robustness flood. */
function isActionable(proto: 'ddhcp' | 'dhcp', bytes: Uint8Array, mesh: DdhcpHeader | undefined): boolean {
  if (proto === 'ddhcp') {
    const d = decodeDdhcp(bytes);
    return d.ok && mesh !== undefined && d.value.prefix === mesh.prefix && d.value.prefixLen === mesh.prefixLen && d.value.blockSize === mesh.blockSize;
  }
  const d = decodeDhcp(bytes);
  if (!d.ok || d.value.op !== 1 || d.value.hlen !== 6) return false;
  const type = d.value.options.find((o) => o.code === 53)?.data;
  return type?.length === 1 && [1, 3, 4, 7, 8].includes(type[0] ?? 0);
}

export function makeFlood(proto: 'ddhcp' | 'dhcp', count: number, seed: number, mesh?: DdhcpHeader): { packets: Uint8Array[]; decodeErrors: Record<string, number>; decoded: number } {
  const rnd = seeded(seed);
  const packets: Uint8Array[] = [];
  const decodeErrors: Record<string, number> = {};
  let decoded = 0;
  while (packets.length < count) {
    const p = proto === 'ddhcp' ? floodDdhcp(rnd) : floodDhcp(rnd);
    if (isActionable(proto, p, mesh)) continue;
    const r = proto === 'ddhcp' ? decodeDdhcp(p) : decodeDhcp(p);
    if (r.ok) decoded++;
    else decodeErrors[r.error.kind] = (decodeErrors[r.error.kind] ?? 0) + 1;
    packets.push(p);
  }
  return { packets, decodeErrors, decoded };
}

// ---- the tool process ---------------------------------------------------------

function openSocket(to: string, iface: string, bindPort = 0): Promise<dgram.Socket> {
  const v6 = to.includes(':');
  const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ port: bindPort, address: v6 ? '::' : '0.0.0.0' }, () => {
      bindSocketToDevice(s, iface);
      if (v6) s.setMulticastInterface(`::%${iface}`);
      else s.setBroadcast(true);
      s.off('error', reject);
      resolve(s);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bytes queued on the receiver's UDP sockets bound to `port` (/proc/PID/net shows its namespace). */
function receiveQueueBytes(pid: number, port: number): number {
  let total = 0;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['udp', 'udp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hexPort}`)) total += parseInt(f[4]?.split(':')[1] ?? '0', 16);
    }
  }
  return total;
}

/** A loaded machine may starve the receiver: wait while its queue is deep, so the counts add up. */
const MAX_QUEUED_BYTES = 128 * 1024;

async function sendAll(s: dgram.Socket, packets: readonly Uint8Array[], to: string, port: number, gapMs: number, burst: number, receiverPid?: number): Promise<void> {
  for (let i = 0; i < packets.length; i += burst) {
    while (receiverPid !== undefined && receiveQueueBytes(receiverPid, port) > MAX_QUEUED_BYTES) await sleep(2);
    await Promise.all(packets.slice(i, i + burst).map((p) => new Promise<void>((resolve, reject) => s.send(p, port, to, (e) => (e ? reject(e) : resolve())))));
    await sleep(gapMs);
  }
}

async function runDecline(cmd: Extract<ToolCommand, { op: 'decline' }>): Promise<DeclineResult> {
  const s = await openSocket('255.255.255.255', cmd.iface, 68);
  const replies: DhcpMessage[] = [];
  s.on('message', (m) => {
    const d = decodeDhcp(m);
    if (d.ok && d.value.op === 2) replies.push(d.value);
  });
  const server = cmd.server.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
  const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  const exchange = async (msg: DhcpMessage, want: number): Promise<DhcpMessage> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      s.send(encodeDhcp(msg), 67, '255.255.255.255');
      for (let t = 0; t < 10; t++) {
        await sleep(100);
        const r = replies.find((m) => m.xid === msg.xid && m.options.find((o) => o.code === 53)?.data[0] === want);
        if (r !== undefined) return r;
      }
    }
    throw new Error(`no reply of type ${want} to xid ${msg.xid}`);
  };
  const [mac1, mac2] = cmd.macs.map((m) => Uint8Array.from(m.split(':').map((h) => parseInt(h, 16))));
  if (mac1 === undefined || mac2 === undefined) throw new Error('two MACs needed');
  const offer = await exchange(dhcpRequest(1, mac1, 0x5eed0001), 2);
  const x = offer.yiaddr;
  const opts = [{ code: 50, data: u32(x) }, { code: 54, data: u32(server) }];
  await exchange(dhcpRequest(3, mac1, 0x5eed0002, opts), 5);
  s.send(encodeDhcp(dhcpRequest(4, mac1, 0x5eed0003, opts)), 67, '255.255.255.255');
  await sleep(300);
  const next = await exchange(dhcpRequest(1, mac2, 0x5eed0004), 2);
  s.close();
  return { declined: x, nextOffer: next.yiaddr };
}

async function main(cmd: ToolCommand): Promise<unknown> {
  const started = Date.now();
  if (cmd.op === 'decline') return runDecline(cmd);
  if (cmd.op === 'flood') {
    return Promise.all(cmd.floods.map(async (f) => {
      const s = await openSocket(f.to, cmd.iface);
      const { packets, decodeErrors, decoded } = makeFlood(f.proto, f.count, f.seed, cmd.mesh);
      await sendAll(s, packets, f.to, f.port, 1, 40, cmd.receiverPid);
      s.close();
      return { sent: packets.length, decodeErrors, decoded, ms: Date.now() - started } satisfies FloodResult;
    }));
  }
  const s = await openSocket(cmd.to, cmd.iface, cmd.bindPort);
  const replies: { from: string; hex: string }[] = [];
  s.on('message', (m, rinfo) => replies.push({ from: rinfo.address.split('%')[0] ?? rinfo.address, hex: bytesToHex(m) }));
  const packets = cmd.packets.map((h) => hexToBytes(h) ?? new Uint8Array(0));
  await sendAll(s, packets, cmd.to, cmd.port, cmd.gapMs ?? 2, 20);
  await sleep(cmd.listenMs ?? 0);
  s.close();
  return { sent: packets.length, replies } satisfies SendResult;
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? '{}') as ToolCommand).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}

// ---- probes the tests use around the tool ---------------------------------------

/** All `ddhcpdctl -s` lines as a map. */
export function readStats(ctlText: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of ctlText.matchAll(/^(\S+) (-?\d+)$/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

/** after - before for every counter whose name starts with `prefix`, non-zero ones only. */
export function statDeltas(before: Map<string, number>, after: Map<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (k.startsWith(prefix) && d !== 0) out[k.slice(prefix.length)] = d;
  }
  return out;
}

export function linkLocalOf(ns: string, dev: string): string | undefined {
  const out = execFileSyncText('ip', ['-n', ns, '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  return /inet6 (fe80::[0-9a-f:]+)\/64/.exec(out)?.[1];
}

/** Datagrams the kernel dropped for a full receive buffer in `ns` (IPv4 + IPv6). */
export function udpBufferDrops(ns: string): number {
  const v4 = execFileSyncText('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp']);
  const lines = v4.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const v4drops = Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  const v6 = execFileSyncText('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp6']);
  const v6drops = Number(/^Udp6RcvbufErrors\s+(\d+)$/m.exec(v6)?.[1] ?? 0);
  return v4drops + v6drops;
}

/** VmRSS and RssAnon of a process, in kB. */
export function memoryOf(pid: number): { vmRssKb: number; rssAnonKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN);
  return { vmRssKb: kb('VmRSS'), rssAnonKb: kb('RssAnon') };
}

function execFileSyncText(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
