// A deliberately small stand-in for src/core, used only to test the simulator's
// own machinery (clock, network, churn, client model, invariant checks) apart
// from the real core. `flaw` switches on a bug the invariant checks must catch.

import type { BlockView, CompactSnapshot, Core, CoreConfig, CoreView, Effect, Input, Millis, PersistedState, Rng } from '../../src/core/types';
import { DdhcpCommand, type DdhcpMessage } from '../../src/wire/ddhcp-message';
import { BOOTREPLY, DhcpMessageType, DhcpOptionCode, type DhcpMessage } from '../../src/wire/dhcp-message';
import { formatMac, u32ToBytes } from '../../src/wire/bytes';
import { getIpv4Option, getMessageType, ipv4ToBytes } from '../../src/wire/dhcp-options';
import { compactWithoutLeases, everyBlockIndex, handleInTurn } from '../../src/sim/sim-node';

export type Flaw = 'none' | 'ignoreTieBreak' | 'sameAddressForAll';

interface Held {
  owner: string;
  until: Millis;
}

export function makeFakeCore(flaw: Flaw = 'none') {
  return (cfg: CoreConfig, rng: Rng, now: Millis, restored?: PersistedState): Core => new FakeCore(cfg, rng, now, flaw, restored);
}

class FakeCore implements Core {
  private readonly heard = new Map<number, Held>();
  private readonly ours = new Set<number>();
  private readonly claiming = new Map<number, number>();
  private readonly leases = new Map<number, string>();
  private learnUntil: Millis | undefined;
  private claimAt: Millis | undefined;
  private refreshAt: Millis | undefined;
  private serverId = 0;
  private lastNow: Millis;
  private readonly blockSize: number;
  private readonly numBlocks: number;
  /** Every block: the fake makes no promise about what it ignores, so nothing is kept back for it. */
  private readonly everyBlock: readonly number[];

  constructor(
    private readonly cfg: CoreConfig,
    private readonly rng: Rng,
    now: Millis,
    private readonly flaw: Flaw,
    restored?: PersistedState,
  ) {
    this.lastNow = now;
    this.blockSize = 2 ** cfg.blockSizePow;
    this.numBlocks = 2 ** (32 - cfg.prefixLen - cfg.blockSizePow);
    this.everyBlock = everyBlockIndex(this.numBlocks);
    this.learnUntil = cfg.learning ? now + cfg.blockTimeoutSec * 1000 : undefined;
    this.claimAt = this.learnUntil ?? now;
    for (const b of restored?.blocks ?? []) this.ours.add(b.index);
    if (this.ours.size > 0) this.refreshAt = now;
  }

  handle(input: Input, now: Millis): readonly Effect[] {
    const out: Effect[] = [];
    this.lastNow = now;
    if (input.kind === 'ddhcp') this.onDdhcp(input.msg, now, out);
    else if (input.kind === 'dhcp') this.onDhcp(input.msg, out);
    else if (input.kind === 'link') this.serverId = input.clientAddress ?? 0;
    this.runDue(now, out);
    return out;
  }

  handleMany(inputs: readonly Input[], at: readonly Millis[], count: number): readonly Effect[] {
    return handleInTurn((input, now) => this.handle(input, now), inputs, at, count);
  }

  heldIndexes(): readonly number[] {
    return this.everyBlock;
  }

  nextDeadline(): Millis | undefined {
    const a = this.claimAt ?? Infinity;
    const b = this.refreshAt ?? Infinity;
    const d = Math.min(a, b);
    return d === Infinity ? undefined : d;
  }

  view(): CoreView {
    const blocks: BlockView[] = [];
    for (const i of this.ours) blocks.push(this.blockView(i, 'ours', this.cfg.nodeId));
    for (const [i, h] of this.heard) if (!this.ours.has(i) && h.until > this.lastNow) blocks.push(this.blockView(i, 'claimed', h.owner));
    blocks.sort((x, y) => x.index - y.index);
    const free = this.ours.size * this.blockSize - this.leases.size;
    return {
      config: this.cfg,
      learningUntil: this.learnUntil,
      blocks: () => blocks,
      leases: () => [],
      options: () => [],
      counts: () => ({ blocksOurs: this.ours.size, blocksClaimed: this.heard.size, blocksTentative: 0, blocksClaiming: this.claiming.size, blocksTotal: this.numBlocks, leasesFree: free, leasesOffered: 0, leasesLeased: this.leases.size }),
      serverIdentifier: () => this.serverId,
    };
  }

  snapshot(): PersistedState {
    const blocks = [...this.ours].map((index) => ({ index, remainingMs: this.cfg.blockTimeoutSec * 1000 }));
    return { version: 1, nodeId: this.cfg.nodeId, prefix: this.cfg.prefix, prefixLen: this.cfg.prefixLen, blockSize: this.blockSize, blocks, leases: [] };
  }

  snapshotCompact(): CompactSnapshot {
    return compactWithoutLeases(this.snapshot());
  }

  private blockView(index: number, state: 'ours' | 'claimed', owner: string): BlockView {
    return { index, state, owner, ownerAddress: undefined, claimCount: 0, timeoutAt: undefined, leases: undefined };
  }

  private header() {
    return { nodeId: this.cfg.nodeId, prefix: this.cfg.prefix, prefixLen: this.cfg.prefixLen, blockSize: this.blockSize };
  }

  private claimMsg(blocks: Iterable<number>): Effect {
    const claims = [...blocks].map((blockIndex) => ({ blockIndex, timeoutSec: this.cfg.blockTimeoutSec, reserved: 0 }));
    return { kind: 'multicast', msg: { ...this.header(), command: DdhcpCommand.UpdateClaim, claims } };
  }

  private onDdhcp(msg: DdhcpMessage, now: Millis, out: Effect[]): void {
    // With the flaw, a node neither backs off nor yields: conflicts never end.
    const beats = this.flaw !== 'ignoreTieBreak' && msg.nodeId > this.cfg.nodeId;
    if (msg.command === DdhcpCommand.UpdateClaim) {
      for (const c of msg.claims) {
        if (this.ours.has(c.blockIndex)) {
          if (!beats) {
            out.push(this.claimMsg([c.blockIndex]));
            continue;
          }
          this.ours.delete(c.blockIndex);
          out.push({ kind: 'event', event: { kind: 'blockLost', index: c.blockIndex, to: msg.nodeId } });
        }
        if (this.claiming.has(c.blockIndex) && this.flaw !== 'ignoreTieBreak') this.claiming.delete(c.blockIndex);
        this.heard.set(c.blockIndex, { owner: msg.nodeId, until: now + c.timeoutSec * 1000 });
      }
    } else if (msg.command === DdhcpCommand.Inquire) {
      const mine = msg.blocks.filter((b) => this.ours.has(b));
      if (mine.length > 0) out.push(this.claimMsg(mine));
      for (const b of msg.blocks) if (beats && this.claiming.has(b)) this.claiming.delete(b);
    }
  }

  private runDue(now: Millis, out: Effect[]): void {
    if (this.learnUntil !== undefined && now >= this.learnUntil) {
      this.learnUntil = undefined;
      out.push({ kind: 'event', event: { kind: 'learningEnded' } });
    }
    if (this.claimAt !== undefined && now >= this.claimAt) this.claimRound(now, out);
    if (this.refreshAt !== undefined && now >= this.refreshAt) {
      out.push(this.claimMsg(this.ours));
      this.refreshAt = now + (this.cfg.blockTimeoutSec * 1000) / 4;
    }
  }

  private claimRound(now: Millis, out: Effect[]): void {
    const free = this.ours.size * this.blockSize - this.leases.size;
    if (this.claiming.size === 0 && free < this.cfg.spareLeases) {
      const start = this.rng.nextU32() % this.numBlocks;
      for (let k = 0; k < this.numBlocks; k++) {
        const i = (start + k) % this.numBlocks;
        if (this.isTaken(i, now)) continue;
        this.claiming.set(i, 0);
        break;
      }
    }
    for (const [i, n] of this.claiming) {
      if (n < 3) continue;
      this.claiming.delete(i);
      this.ours.add(i);
      out.push({ kind: 'event', event: { kind: 'blockOwned', index: i } });
      out.push(this.claimMsg(this.ours));
      this.refreshAt = now + (this.cfg.blockTimeoutSec * 1000) / 4;
    }
    if (this.claiming.size > 0) {
      for (const [i, n] of this.claiming) this.claiming.set(i, n + 1);
      out.push({ kind: 'multicast', msg: { ...this.header(), command: DdhcpCommand.Inquire, blocks: [...this.claiming.keys()] } });
    }
    this.claimAt = now + this.cfg.tentativeTimeoutSec * 500;
  }

  private isTaken(i: number, now: Millis): boolean {
    const h = this.heard.get(i);
    return this.ours.has(i) || this.claiming.has(i) || (h !== undefined && h.until > now);
  }

  private onDhcp(msg: DhcpMessage, out: Effect[]): void {
    const type = getMessageType(msg);
    const mac = formatMac(msg.chaddr);
    const first = [...this.ours][0];
    if (first === undefined) return;
    const pick = (): number | undefined => {
      if (this.flaw === 'sameAddressForAll') return this.cfg.prefix + first * this.blockSize;
      for (const [ip, m] of this.leases) if (m === mac) return ip;
      for (const b of this.ours) for (let k = 0; k < this.blockSize; k++) {
        const ip = this.cfg.prefix + b * this.blockSize + k;
        if (!this.leases.has(ip)) return ip;
      }
      return undefined;
    };
    const reply = (t: number, yiaddr: number): void => {
      const options = [
        { code: DhcpOptionCode.MessageType, data: Uint8Array.of(t) },
        { code: DhcpOptionCode.ServerIdentifier, data: ipv4ToBytes(this.serverId) },
        { code: DhcpOptionCode.LeaseTime, data: u32ToBytes(300) },
      ];
      out.push({ kind: 'dhcpReply', to: { kind: 'broadcast' }, msg: { ...msg, op: BOOTREPLY, yiaddr, options } });
    };
    if (type === DhcpMessageType.Discover) {
      const ip = pick();
      if (ip !== undefined) reply(DhcpMessageType.Offer, ip);
    } else if (type === DhcpMessageType.Request) {
      const ip = msg.ciaddr !== 0 ? msg.ciaddr : getIpv4Option(msg, DhcpOptionCode.RequestedAddress);
      const holder = ip === undefined ? undefined : this.leases.get(ip);
      const block = ip === undefined ? -1 : Math.floor((ip - this.cfg.prefix) / this.blockSize);
      if (ip !== undefined && this.ours.has(block) && (holder === undefined || holder === mac || this.flaw === 'sameAddressForAll')) {
        this.leases.set(ip, mac);
        reply(DhcpMessageType.Ack, ip);
      } else reply(DhcpMessageType.Nak, 0);
    }
  }
}
