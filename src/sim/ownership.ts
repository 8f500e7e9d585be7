// Invariant 1: which of our nodes hold each block as 'ours', fed by the cores'
// blockOwned/blockLost/blockGivenBack events. A block held by two nodes that can
// hear each other for longer than the allowed window is a protocol failure.

import type { Millis } from '../core/types';

export interface ConflictEpisode {
  readonly block: number;
  readonly since: Millis;
  /** When the owners last became able to hear each other; undefined while separated. */
  visibleSince: Millis | undefined;
  readonly connectedAtOnset: boolean;
}

export interface OwnershipFigures {
  /** Double ownerships that began between nodes that could hear each other. */
  readonly doubleOwnedMoments: number;
  /** Double ownerships that began across a partition (expected; resolved after heal). */
  readonly partitionConflicts: number;
  /** Longest time two connected owners held the same block. */
  readonly maxConflictMs: number;
  /** Double ownerships among nodes whose conflicts are not ours to judge (C daemons, all with the id zero). */
  readonly exemptMoments: number;
}

/** What a double ownership is blamed on; see SimOptions.ownershipJudgement. */
export interface OwnershipJudgement {
  /** Two nodes whose double ownership is someone else's protocol: counted apart, never a failure. */
  readonly exemptPair?: (a: number, b: number) => boolean;
  /**
   * A claim decided while its owners could not hear each other may complete just after they
   * can: a conflict that begins this soon after a heal counts with the partition's.
   */
  readonly healGraceMs?: Millis;
}

export class OwnershipTracker {
  private readonly owners = new Map<number, number[]>();
  private readonly byNode = new Map<number, Set<number>>();
  /** Bumped whenever a block passes to a different node: leases granted before may be orphaned. */
  private readonly epochs = new Map<number, number>();
  private readonly lastOwner = new Map<number, number>();
  private readonly active = new Map<number, ConflictEpisode>();
  /** When each block last lost its last owner: others may still list it until their claim lapses. */
  private readonly freed = new Map<number, Millis>();
  private moments = 0;
  private partitionMoments = 0;
  private exempt = 0;
  private healedAt: Millis | undefined;
  private maxConflict = 0;

  constructor(
    private readonly canHear: (a: number, b: number) => boolean,
    private readonly windowMs: Millis,
    private readonly judgement: OwnershipJudgement = {},
  ) {}

  get figures(): OwnershipFigures {
    return { doubleOwnedMoments: this.moments, partitionConflicts: this.partitionMoments, maxConflictMs: this.maxConflict, exemptMoments: this.exempt };
  }

  ownersOf(block: number): readonly number[] {
    return this.owners.get(block) ?? [];
  }

  blocksOf(node: number): ReadonlySet<number> {
    return this.byNode.get(node) ?? new Set();
  }

  allOwned(): ReadonlyMap<number, readonly number[]> {
    return this.owners;
  }

  freedAt(block: number): Millis | undefined {
    return this.freed.get(block);
  }

  epochOf(block: number): number {
    return this.epochs.get(block) ?? 0;
  }

  add(block: number, node: number, now: Millis): void {
    const list = this.owners.get(block) ?? [];
    if (list.includes(node)) return;
    list.push(node);
    this.owners.set(block, list);
    this.freed.delete(block);
    let mine = this.byNode.get(node);
    if (mine === undefined) this.byNode.set(node, (mine = new Set()));
    mine.add(block);
    if (this.lastOwner.get(block) !== node) {
      if (this.lastOwner.has(block)) this.epochs.set(block, this.epochOf(block) + 1);
      this.lastOwner.set(block, node);
    }
    if (list.length >= 2 && !this.active.has(block) && this.allExempt(list)) {
      if (list.length === 2) this.exempt++;
    } else if (list.length >= 2 && !this.active.has(block)) {
      const connected = this.areConnected(list);
      const afterHeal = this.healedAt !== undefined && now - this.healedAt <= (this.judgement.healGraceMs ?? 0);
      if (connected && !afterHeal) this.moments++;
      else this.partitionMoments++;
      this.active.set(block, { block, since: now, visibleSince: connected ? now : undefined, connectedAtOnset: connected });
    }
  }

  remove(block: number, node: number, now: Millis): void {
    const list = this.owners.get(block);
    if (list === undefined) return;
    const at = list.indexOf(node);
    if (at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) {
      this.owners.delete(block);
      this.freed.set(block, now);
    }
    this.byNode.get(node)?.delete(block);
    if (list.length < 2) this.endEpisode(block, now);
  }

  /** The node stopped: its core, and with it every 'ours', is gone. */
  removeNode(node: number, now: Millis): void {
    for (const block of [...this.blocksOf(node)]) this.remove(block, node, now);
  }

  /** The node lost its state: leases it granted are orphaned even if it claims the blocks again. */
  forgetNode(node: number): void {
    for (const [block, owner] of this.lastOwner) {
      if (owner !== node) continue;
      this.epochs.set(block, this.epochOf(block) + 1);
      this.lastOwner.delete(block);
    }
  }

  /** Partitions changed: a conflict's clock starts when its owners can hear each other. */
  updateReachability(now: Millis, healed = false): void {
    if (healed) this.healedAt = now;
    for (const ep of this.active.values()) {
      const connected = this.areConnected(this.ownersOf(ep.block));
      if (!connected) ep.visibleSince = undefined;
      else if (ep.visibleSince === undefined) ep.visibleSince = now;
    }
  }

  /** A violation message when a visible conflict outlasted the window, else undefined. */
  check(now: Millis): string | undefined {
    if (this.active.size === 0) return undefined;
    for (const ep of this.active.values()) {
      if (ep.visibleSince === undefined) continue;
      const held = now - ep.visibleSince;
      if (held > this.windowMs) {
        const who = this.ownersOf(ep.block).join(', ');
        return `block ${ep.block} owned by nodes [${who}] for ${held} ms while they can hear each other (window ${this.windowMs} ms)`;
      }
    }
    return undefined;
  }

  private endEpisode(block: number, now: Millis): void {
    const ep = this.active.get(block);
    if (ep === undefined) return;
    this.active.delete(block);
    if (ep.visibleSince !== undefined) this.maxConflict = Math.max(this.maxConflict, now - ep.visibleSince);
  }

  private allExempt(nodes: readonly number[]): boolean {
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) if (this.judgement.exemptPair?.(nodes[i] as number, nodes[j] as number) !== true) return false;
    }
    return true;
  }

  private areConnected(nodes: readonly number[]): boolean {
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        if (this.canHear(nodes[i] as number, nodes[j] as number)) return true;
      }
    }
    return false;
  }
}
