// The block behaviour of the C daemon (freifunk-gluon/ddhcpd f6724b5: block.c, ddhcp.c,
// main.c) as a Core, so the simulator can run mixed meshes against the C protocol rather
// than against our own core twice. Modelled, from reading that source:
// - node id all zero: it loses every tie (a larger id wins; an equal id wins too, so two
//   C nodes both yield to each other's UPDATECLAIM);
// - time in whole seconds (time(NULL));
// - housekeeping first after the learning phase (B seconds, or at once with -L), then
//   whenever T>>1 whole seconds have passed, and also after every multicast received
//   (main.c: hdl_ddhcp_block returns 1): drop timed-out blocks, claim
//   ceil((spare - free) / blockSize) blocks if short, refresh claims older than B/4;
// - a claim: INQUIRE at three housekeeping runs in a row, ours at the fourth (count 3 is
//   checked before the block's state, so a claim whose tentative timeout passed still wins).
//   In a quiet mesh that is 21 s; in a busy one, three received multicasts: C claims
//   within a fraction of a second there;
// - an INQUIRE for a block it owns is answered with an UPDATECLAIM at once; an INQUIRE
//   for any block it does not own or claim, even one it saw claimed, marks it tentative;
// - an UPDATECLAIM for a block it owns from a smaller id is answered with its own claim;
//   from any other id the block is given up to the sender at once.
// It serves no DHCP clients: the simulator attaches none to it. It keeps no state across
// a restart (C has no state file).

import type { BlockState, BlockView, CompactSnapshot, Core, CoreConfig, CoreView, Effect, Input, Millis, PersistedState, Rng } from '../core/types';
import { DdhcpCommand, MAX_CLAIMS_PER_PACKET, type DdhcpMessage } from '../wire/ddhcp-message';
import { compactWithoutLeases, everyBlockIndex, handleInTurn, type CoreFactory } from './sim-node';

/** What C nodes in a mesh look like on the wire: ddhcpd f6724b5 leaves its node id zeroed. */
export const C_NODE_ID = '0000000000000000';

type CState = Exclude<BlockState, 'free' | 'blocked'>;

interface CBlock {
  state: CState;
  /** Seconds, as C's `block->timeout`. */
  timeout: number;
  owner: string | undefined;
  needlessSince: number;
}

/** The factory for a mesh in which nodes with the C id run the C model and the rest run `ours`. */
export function withCNodes(ours: CoreFactory): CoreFactory {
  return (cfg, rng, now, restored) => (cfg.nodeId === C_NODE_ID ? new CNode(cfg, rng, now) : ours(cfg, rng, now, restored));
}

export class CNode implements Core {
  private readonly blocks = new Map<number, CBlock>();
  /** C's claiming list in insertion order, with each block's claiming_counts. */
  private readonly claiming = new Map<number, number>();
  private readonly blockSize: number;
  private readonly numBlocks: number;
  /** Every block: an INQUIRE for any block changes C's table and a multicast runs housekeeping, so nothing may be kept back. */
  private readonly everyBlock: readonly number[];
  private housekeepingAt: Millis;
  private learning: boolean;

  constructor(
    private readonly cfg: CoreConfig,
    private readonly rng: Rng,
    now: Millis,
  ) {
    this.blockSize = 2 ** cfg.blockSizePow;
    this.numBlocks = 2 ** (32 - cfg.prefixLen - cfg.blockSizePow);
    this.everyBlock = everyBlockIndex(this.numBlocks);
    this.learning = cfg.learning;
    this.housekeepingAt = cfg.learning ? (sec(now) + cfg.blockTimeoutSec) * 1000 : now;
  }

  handle(input: Input, now: Millis): readonly Effect[] {
    const out: Effect[] = [];
    if (input.kind === 'ddhcp') this.onDdhcp(input.msg, now, out);
    // The block socket's handler asks for housekeeping after every read; only the timer moves the next one.
    const multicast = input.kind === 'ddhcp' && (input.msg.command === DdhcpCommand.UpdateClaim || input.msg.command === DdhcpCommand.Inquire);
    if (multicast && !this.learning && now < this.housekeepingAt) this.houseKeeping(now, out);
    else if (now >= this.housekeepingAt) {
      this.housekeepingAt = (sec(now) + (this.cfg.tentativeTimeoutSec >> 1)) * 1000;
      if (this.learning) {
        this.learning = false;
        out.push({ kind: 'event', event: { kind: 'learningEnded' } });
      }
      this.houseKeeping(now, out);
    }
    return out;
  }

  handleMany(inputs: readonly Input[], at: readonly Millis[], count: number): readonly Effect[] {
    return handleInTurn((input, now) => this.handle(input, now), inputs, at, count);
  }

  heldIndexes(): readonly number[] {
    return this.everyBlock;
  }

  nextDeadline(): Millis {
    return this.housekeepingAt;
  }

  view(): CoreView {
    const views: BlockView[] = [];
    let ours = 0;
    for (const [index, b] of this.blocks) {
      if (b.state === 'ours') ours++;
      const owner = b.state === 'ours' ? this.cfg.nodeId : b.owner;
      const leases = b.state === 'ours' ? { free: this.blockSize, offered: 0, leased: 0 } : undefined;
      views.push({ index, state: b.state, owner, ownerAddress: undefined, claimCount: this.claiming.get(index) ?? 0, timeoutAt: b.timeout * 1000, leases });
    }
    views.sort((a, b) => a.index - b.index);
    const count = (s: CState): number => views.filter((v) => v.state === s).length;
    return {
      config: this.cfg,
      learningUntil: this.learning ? this.housekeepingAt : undefined,
      blocks: () => views,
      leases: () => [],
      options: () => this.cfg.options,
      counts: () => ({
        blocksOurs: ours, blocksClaimed: count('claimed'), blocksTentative: count('tentative'), blocksClaiming: count('claiming'),
        blocksTotal: this.numBlocks, leasesFree: ours * this.blockSize, leasesOffered: 0, leasesLeased: 0,
      }),
      serverIdentifier: () => undefined,
    };
  }

  snapshot(): PersistedState {
    return { version: 1, nodeId: this.cfg.nodeId, prefix: this.cfg.prefix, prefixLen: this.cfg.prefixLen, blockSize: this.blockSize, blocks: [], leases: [] };
  }

  snapshotCompact(): CompactSnapshot {
    return compactWithoutLeases(this.snapshot());
  }

  // ---- ddhcp.c ---------------------------------------------------------------

  private onDdhcp(msg: DdhcpMessage, now: Millis, out: Effect[]): void {
    if (msg.prefix !== this.cfg.prefix || msg.prefixLen !== this.cfg.prefixLen || msg.blockSize !== this.blockSize) return;
    const t = sec(now);
    if (msg.command === DdhcpCommand.UpdateClaim) {
      for (const claim of msg.claims) {
        const index = claim.blockIndex;
        if (index >= this.numBlocks) continue;
        const b = this.blocks.get(index);
        if (b?.state === 'ours' && msg.nodeId < this.cfg.nodeId) {
          b.timeout = 0;
          this.updateClaims(now, out);
          continue;
        }
        if (b?.state === 'ours') out.push({ kind: 'event', event: { kind: 'blockLost', index, to: msg.nodeId } });
        this.blocks.set(index, { state: 'claimed', timeout: t + claim.timeoutSec, owner: msg.nodeId, needlessSince: 0 });
      }
    } else if (msg.command === DdhcpCommand.Inquire) {
      for (const index of msg.blocks) {
        if (index >= this.numBlocks) continue;
        const b = this.blocks.get(index);
        if (b?.state === 'ours') {
          b.timeout = 0;
          this.updateClaims(now, out);
        } else if (b?.state === 'claiming') {
          if (msg.nodeId > this.cfg.nodeId) Object.assign(b, { state: 'tentative', timeout: t + this.cfg.tentativeTimeoutSec, owner: msg.nodeId });
        } else {
          this.blocks.set(index, { state: 'tentative', timeout: t + this.cfg.tentativeTimeoutSec, owner: msg.nodeId, needlessSince: 0 });
        }
      }
    }
  }

  // ---- main.c house_keeping and block.c ---------------------------------------

  private houseKeeping(now: Millis, out: Effect[]): void {
    const t = sec(now);
    // block_check_timeouts: block_free leaves a claiming block on the claiming list, count and all.
    for (const [index, b] of this.blocks) {
      if (b.timeout >= t) continue;
      if (b.state === 'ours') out.push({ kind: 'event', event: { kind: 'blockGivenBack', index } });
      this.blocks.delete(index);
    }
    const free = this.countOurs() * this.blockSize;
    const leasesNeeded = this.cfg.spareLeases - free;
    // C's int division and remainder truncate towards zero.
    let blocksNeeded = Math.trunc(leasesNeeded / this.blockSize);
    if (leasesNeeded % this.blockSize > 0) blocksNeeded++;
    if (blocksNeeded < 0) this.dropUnused(t, out);
    else {
      for (const b of this.blocks.values()) b.needlessSince = 0;
      if (blocksNeeded > 0) this.claim(blocksNeeded, now, out);
    }
    this.updateClaims(now, out);
  }

  private claim(wanted: number, now: Millis, out: Effect[]): void {
    const t = sec(now);
    let needed = wanted;
    for (const [index, count] of [...this.claiming]) {
      // The count is looked at before the state: a third INQUIRE sent wins even a block
      // that timed out, or that a peer inquired or claimed since.
      if (count === 3) {
        this.blocks.set(index, { state: 'ours', timeout: 0, owner: this.cfg.nodeId, needlessSince: 0 });
        out.push({ kind: 'event', event: { kind: 'blockOwned', index } });
        needed--;
        this.claiming.delete(index);
      } else if (this.blocks.get(index)?.state !== 'claiming') this.claiming.delete(index);
    }
    for (let k = this.claiming.size; k < needed; k++) {
      const index = this.findFree();
      if (index === undefined) break;
      this.blocks.set(index, { state: 'claiming', timeout: t + this.cfg.tentativeTimeoutSec, owner: undefined, needlessSince: 0 });
      this.claiming.set(index, 0);
    }
    if (this.claiming.size === 0) return;
    out.push({ kind: 'multicast', msg: { ...this.header(), command: DdhcpCommand.Inquire, blocks: [...this.claiming.keys()] } });
    for (const [index, count] of this.claiming) this.claiming.set(index, count + 1);
  }

  /** block_find_free: a uniformly random block in state FREE (absent here). */
  private findFree(): number | undefined {
    const freeCount = this.numBlocks - this.blocks.size;
    if (freeCount <= 0) return undefined;
    let r = this.rng.nextU32() % freeCount;
    for (let index = 0; index < this.numBlocks; index++) {
      if (this.blocks.has(index)) continue;
      if (r === 0) return index;
      r--;
    }
    return undefined;
  }

  /** block_update_claims: when any block of ours is older than B/4, announce them all. */
  private updateClaims(now: Millis, out: Effect[]): void {
    const t = sec(now);
    const B = this.cfg.blockTimeoutSec;
    const factor = t + B - Math.trunc(B / 4);
    const ours = [...this.blocks].filter(([, b]) => b.state === 'ours').sort(([a], [b]) => a - b);
    if (!ours.some(([, b]) => b.timeout < factor)) return;
    for (let i = 0; i < ours.length; i += MAX_CLAIMS_PER_PACKET) {
      const chunk = ours.slice(i, i + MAX_CLAIMS_PER_PACKET);
      if (!chunk.some(([, b]) => b.timeout < factor)) continue;
      const claims = chunk.map(([blockIndex]) => ({ blockIndex, timeoutSec: B, reserved: 0 }));
      out.push({ kind: 'multicast', msg: { ...this.header(), command: DdhcpCommand.UpdateClaim, claims } });
      for (const [, b] of chunk) b.timeout = t + B;
    }
  }

  /** block_drop_unused: the youngest block of ours is marked needless, and freed N seconds later. */
  private dropUnused(t: number, out: Effect[]): void {
    let youngest: [number, CBlock] | undefined;
    for (const entry of this.blocks) if (entry[1].state === 'ours') youngest = entry;
    if (youngest === undefined) return;
    const [index, b] = youngest;
    if (b.needlessSince === 0) b.needlessSince = t;
    else if (b.needlessSince <= t - this.cfg.needlessTimeoutSec) {
      this.blocks.delete(index);
      out.push({ kind: 'event', event: { kind: 'blockGivenBack', index } });
    }
  }

  private countOurs(): number {
    let n = 0;
    for (const b of this.blocks.values()) if (b.state === 'ours') n++;
    return n;
  }

  private header() {
    return { nodeId: this.cfg.nodeId, prefix: this.cfg.prefix, prefixLen: this.cfg.prefixLen, blockSize: this.blockSize };
  }
}

function sec(ms: Millis): number {
  return Math.floor(ms / 1000);
}
