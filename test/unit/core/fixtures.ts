// Shared builders for the core's unit tests: a config, a seeded Rng, DHCP and
// DDHCP message builders and effect filters. Tests drive createCore only.

import { createCore } from '../../../src/core/node';
import type { Core, CoreConfig, Effect, Ipv4, Millis, OptionEntry, Rng } from '../../../src/core/types';
import type { ClaimEntry, DdhcpMessage, LeasePayload } from '../../../src/wire/ddhcp-message';
import { DdhcpCommand } from '../../../src/wire/ddhcp-message';
import type { DhcpMessage, DhcpOption } from '../../../src/wire/dhcp-message';

export const OUR_ID = '8000000000000000';
export const BIG_ID = 'ff00000000000000';
export const SMALL_ID = '0000000000000000';
export const PEER_ADDR = 'fe80::2';
export const SERVER_ID = ip('10.0.0.1');

export function ip(s: string): Ipv4 {
  const p = s.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

export function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export function opt(code: number, ...bytes: number[]): OptionEntry {
  return { code, payload: Uint8Array.from(bytes) };
}

/** 10.0.0.0/24, blocks of 8 (32 blocks), -L, server id from option 54, lease 300 s. */
export function makeCfg(over: Partial<CoreConfig> = {}): CoreConfig {
  return {
    nodeId: OUR_ID,
    prefix: ip('10.0.0.0'),
    prefixLen: 24,
    blockSizePow: 3,
    blockTimeoutSec: 60,
    tentativeTimeoutSec: 15,
    needlessTimeoutSec: 300,
    spareLeases: 2,
    // As the daemon's default: half the network.
    maxLeases: 2 ** (32 - (over.prefixLen ?? 24)) / 2,
    learning: false,
    dhcpEnabled: true,
    // Offers at once; the probe has its own tests (probe.test.ts).
    probeMs: 0,
    options: [
      { code: 1, payload: u32(0xffffff00) },
      { code: 54, payload: u32(SERVER_ID) },
      { code: 51, payload: u32(300) },
      { code: 3, payload: u32(ip('10.0.0.2')) },
    ],
    ...over,
  };
}

/** xorshift32: deterministic, seeded, good enough for picking blocks. */
export function seededRng(seed = 1): Rng {
  let x = seed >>> 0 || 1;
  return {
    nextU32() {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x;
    },
  };
}

/** An Rng returning the given values in turn, then repeating the last one. */
export function fixedRng(...values: number[]): Rng {
  let i = 0;
  return { nextU32: () => values[Math.min(i++, values.length - 1)] ?? 0 };
}

export function mac(n: number): Uint8Array {
  const c = new Uint8Array(16);
  c.set([0x02, 0, 0, 0, (n >> 8) & 255, n & 255]);
  return c;
}

export function macStr(n: number): string {
  return `02:00:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

export interface DhcpSpec {
  type: number;
  client?: number;
  xid?: number;
  ciaddr?: Ipv4;
  giaddr?: Ipv4;
  requested?: Ipv4;
  serverId?: Ipv4;
  prl?: number[];
  op?: number;
}

export function dhcp(spec: DhcpSpec): DhcpMessage {
  const options: DhcpOption[] = [{ code: 53, data: Uint8Array.of(spec.type) }];
  if (spec.requested !== undefined) options.push({ code: 50, data: u32(spec.requested) });
  if (spec.serverId !== undefined) options.push({ code: 54, data: u32(spec.serverId) });
  if (spec.prl !== undefined) options.push({ code: 55, data: Uint8Array.from(spec.prl) });
  return {
    op: spec.op ?? 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: spec.xid ?? 0x1234,
    secs: 3,
    flags: 0,
    ciaddr: spec.ciaddr ?? 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: spec.giaddr ?? 0,
    chaddr: mac(spec.client ?? 1),
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options,
  };
}

const HEADER = { prefix: ip('10.0.0.0'), prefixLen: 24, blockSize: 8 };

export function updateClaim(nodeId: string, blocks: number[], timeoutSec = 60): DdhcpMessage {
  const claims: ClaimEntry[] = blocks.map((blockIndex) => ({ blockIndex, timeoutSec, reserved: 0 }));
  return { ...HEADER, nodeId, command: DdhcpCommand.UpdateClaim, claims };
}

export function inquire(nodeId: string, blocks: number[]): DdhcpMessage {
  return { ...HEADER, nodeId, command: DdhcpCommand.Inquire, blocks };
}

export function leaseMsg(
  command: 16 | 17 | 18 | 19,
  lease: Partial<LeasePayload> & { addressRaw: number },
  nodeId = BIG_ID,
): DdhcpMessage {
  return {
    ...HEADER,
    nodeId,
    command,
    count: 0,
    lease: { xid: 0x1234, leaseSeconds: 0, chaddr: mac(1), ...lease },
  };
}

export function multicasts(out: readonly Effect[]): DdhcpMessage[] {
  return out.flatMap((e) => (e.kind === 'multicast' ? [e.msg] : []));
}

export function unicasts(out: readonly Effect[]): { to: string; msg: DdhcpMessage }[] {
  return out.flatMap((e) => (e.kind === 'unicast' ? [{ to: e.to, msg: e.msg }] : []));
}

export function replies(out: readonly Effect[]): Extract<Effect, { kind: 'dhcpReply' }>[] {
  return out.flatMap((e) => (e.kind === 'dhcpReply' ? [e] : []));
}

export function events(out: readonly Effect[]): string[] {
  return out.flatMap((e) => (e.kind === 'event' ? [e.event.kind === 'dropped' ? `dropped:${e.event.reason}` : e.event.kind] : []));
}

export function msgType(m: DhcpMessage): number | undefined {
  return m.options.find((o) => o.code === 53)?.data[0];
}

export function optionCodes(m: DhcpMessage): number[] {
  return m.options.map((o) => o.code);
}

export function claimedIndexes(m: DdhcpMessage): number[] {
  return m.command === DdhcpCommand.UpdateClaim ? m.claims.map((c) => c.blockIndex) : [];
}

export function inquiredIndexes(m: DdhcpMessage): number[] {
  return m.command === DdhcpCommand.Inquire ? [...m.blocks] : [];
}

/** Claim timeline (T = 15, learning off): a round 250 ms after the claim starts, then every T/4. */
export const FIRST_ROUND_AT = 250;
export const ROUND_MS = 3_750;
/** INQUIREs at 0.25, 4, 7.75, 11.5 s; owned one tentative timeout after the first, at 15.25 s. */
export const INQUIRE_TIMES = [250, 4_000, 7_750, 11_500] as const;
export const OWNED_AT = 15_250;

/** Hands the core a timer input at each of its deadlines up to `until`, as the daemon's one timer does; returns the effects. */
export function advance(core: Core, until: Millis): Effect[] {
  const out: Effect[] = [];
  let steps = 0;
  for (let at = core.nextDeadline(); at !== undefined && at <= until; at = core.nextDeadline()) {
    out.push(...core.handle({ kind: 'timer' }, at));
    if (++steps > 100_000) throw new Error(`advance: the core keeps asking for ${at} without moving on`);
  }
  out.push(...core.handle({ kind: 'timer' }, until));
  return out;
}

/** A core (no learning) that owns block `index` at OWNED_AT, its first free-block draw forced to `index`. */
export function ownedCore(index = 5, over: Partial<CoreConfig> = {}): Core {
  const core = createCore(makeCfg(over), fixedRng(index), 0);
  advance(core, OWNED_AT);
  return core;
}
