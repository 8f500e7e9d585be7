// The core's private mutable state and the per-step context the handlers share.
// Only node.ts creates it; the other core files read and change it through the
// functions they export. Nothing here is visible outside src/core.

import type { DdhcpHeader } from '../wire/ddhcp-message';
import type { DhcpMessage } from '../wire/dhcp-message';
import type { Geometry } from './ipv4';
import type { CoreConfig, CoreEvent, DropReason, Effect, Ipv4, LeaseState, Millis, NodeId, OptionEntry, Rng } from './types';
import type { OwnBlock } from './lease-slots';
import { ClientIndex } from './client-index';
import { claimLatencyMs } from './claim-timing';
import { ArrivalWindow } from './arrival-window';
import { ExpiryHeap } from './expiry-heap';
import { ForeignTable } from './foreign-table';
import { DeadlineHeap } from './timers';

// Defined beside the code that reads and writes its slots; named here too for the handlers.
export type { OwnBlock } from './lease-slots';

export type HeldState = 'claiming' | 'ours';

/** A block we hold: being claimed, or ours. Blocks others hold are in the ForeignTable. */
export interface Block {
  readonly index: number;
  state: HeldState;
  claimCount: number;
  /** What peers believe of our claim (last announcement + B); undefined while claiming. */
  timeoutAt: Millis | undefined;
  /** Present exactly while state is 'ours'. */
  own: OwnBlock | undefined;
  /** Last time we answered an INQUIRE or re-announced this block alone (rate limit). */
  lastAnswerAt: Millis;
  /** When our first INQUIRE for it went out; undefined until then and for blocks restored as ours. */
  firstInquireAt: Millis | undefined;
}

/** A saved lease waiting for its block to be won back after a restart (reclaim.ts). */
export interface ReclaimLease {
  readonly ip: Ipv4;
  readonly chaddr: string;
  readonly state: LeaseState;
  readonly expiresAt: Millis;
}

/** Which byte order a peer uses for the lease address: 'raw' is network order, 'swapped' the C little-endian form. */
export type AddressForm = 'raw' | 'swapped';

export interface PendingForward {
  readonly key: string;
  readonly request: DhcpMessage;
  readonly ip: Ipv4;
  readonly ownerAddress: string;
  readonly createdAt: Millis;
  form: AddressForm;
  /** True when the form was a guess and the other form is still to be tried. */
  retryPending: boolean;
}

/** One address being probed for one client's DISCOVER (probe.ts). */
export interface Probe {
  readonly ip: Ipv4;
  /** The client's latest DISCOVER: the offer answers its xid. */
  request: DhcpMessage;
  readonly mac: number;
  readonly startedAt: Millis;
  /** Whether the second ARP request went out (at half the probe time: one lost packet is no miss). */
  resent: boolean;
  /** Addresses already found in use for this client's DISCOVER, this one included. */
  readonly attempt: number;
}

export interface NodeState {
  readonly cfg: CoreConfig;
  readonly rng: Rng;
  readonly geo: Geometry;
  readonly header: DdhcpHeader;
  /**
   * The blocks we hold (claiming or ours): few, so a Map. Blocks others hold are in
   * `foreign`; an index is in at most one of the two, and in neither when free.
   * blocks.ts hides which table holds a block from the rest of the core.
   */
  readonly held: Map<number, Block>;
  readonly foreign: ForeignTable;
  /** Blocks we are claiming, in the order we picked them (INQUIRE lists them so). */
  readonly claiming: Set<number>;
  /** Indexes of the blocks that are ours (a subset of `held`, kept for cheap iteration). */
  readonly ours: Set<number>;
  /** Client MAC -> the address it holds or last held, as an offset into the network (leases.ts keeps it). */
  readonly byMac: ClientIndex;
  /** Addresses offered, and declined ones oldest first: both capped (leases.ts MAX_OFFERS, MAX_DECLINED). */
  readonly offered: Set<Ipv4>;
  readonly declined: Set<Ipv4>;
  readonly pending: Map<string, PendingForward>;
  /** Addresses being probed before an offer, and the client (macKey) each is for (probe.ts). */
  readonly probes: Map<Ipv4, Probe>;
  readonly probeByMac: Map<number, Ipv4>;
  readonly peerForms: Map<string, AddressForm>;
  readonly timers: DeadlineHeap;
  /** Leases of blocks being inquired again after a restart, by block index. */
  readonly reclaimLeases: Map<number, readonly ReclaimLease[]>;
  /** Foreign blocks to look at when a bucket of expiryStepMs comes due, by bucket number. */
  /** Foreign blocks by the expiry step they are filed in (blocks.ts). */
  expiry: ExpiryHeap;
  readonly expiryStepMs: Millis;
  options: OptionEntry[];
  clientAddress: Ipv4 | undefined;
  learningUntil: Millis | undefined;
  /** Caches, cleared when the option store, the link address or the set of our blocks changes. */
  reservedCache: Ipv4[] | undefined;
  /** Sum of `used` over our blocks, so the free-lease total costs O(reserved addresses). */
  usedTotal: number;
  oursSortedCache: number[] | undefined;
  /** The indexes in `held`, until `held` changes (a simulator asks after every input). */
  heldCache: readonly number[] | undefined;
  /** Blocks ours whose leases changed, or whose ownership changed: spare leases need a re-check. */
  spareDirty: boolean;
  /** Clients that needed a fresh address within one claim latency (demand.ts). */
  readonly arrivals: ArrivalWindow;
  /** When the cap last said it refused claims (demand.ts rate-limits it). */
  claimLimitNoticeAt: Millis | undefined;
}

/** One call of handle(): the moment it runs at and the effects it collects (node.ts reuses it from call to call). */
export interface Step {
  now: Millis;
  out: Effect[];
}

export function emit(step: Step, event: CoreEvent): void {
  step.out.push({ kind: 'event', event });
}

export function drop(step: Step, reason: DropReason): void {
  step.out.push({ kind: 'event', event: { kind: 'dropped', reason } });
}

/** Our block indexes, ascending (the order UPDATECLAIM and the first-free search use). */
export function oursSorted(st: NodeState): readonly number[] {
  st.oursSortedCache ??= [...st.ours].sort((a, b) => a - b);
  return st.oursSortedCache;
}

/** The blocks we hold (claiming or ours), in no order; the same array until that set changes. */
export function heldIndexes(st: NodeState): readonly number[] {
  st.heldCache ??= [...st.held.keys()];
  return st.heldCache;
}

/**
 * Foreign claims lapse at most this late: one wake-up per step for all of them
 * instead of one per claim. Half the shorter timeout: 7.5 s at the defaults (60 s,
 * 15 s), as often as the C daemon checks timeouts. Finer steps only woke a node in a
 * large mesh more often (a 1000-node mesh: once a second at 1 s steps) to drop
 * claims a few seconds sooner.
 */
function expiryStep(cfg: CoreConfig): Millis {
  const shortest = Math.min(cfg.blockTimeoutSec, cfg.tentativeTimeoutSec) * 1000;
  return Math.max(1, Math.floor(shortest / 2));
}

export function createState(cfg: CoreConfig, rng: Rng, geo: Geometry): NodeState {
  const held = new Map<number, Block>();
  // What every input reads comes first: V8 lays the fields out in this order, so these
  // share the object's first cache line (in a mesh of 1000 simulated nodes they miss).
  return {
    cfg,
    geo,
    timers: new DeadlineHeap(),
    spareDirty: false,
    foreign: new ForeignTable(),
    expiryStepMs: expiryStep(cfg),
    expiry: new ExpiryHeap(),
    held,
    rng,
    header: { nodeId: cfg.nodeId, prefix: geo.prefix, prefixLen: geo.prefixLen, blockSize: geo.blockSize },
    claiming: new Set(),
    ours: new Set(),
    byMac: new ClientIndex(geo.blockSize, (index) => held.get(index)?.own),
    offered: new Set(),
    declined: new Set(),
    pending: new Map(),
    probes: new Map(),
    probeByMac: new Map(),
    peerForms: new Map(),
    reclaimLeases: new Map(),
    options: [...cfg.options],
    clientAddress: undefined,
    learningUntil: undefined,
    reservedCache: undefined,
    usedTotal: 0,
    oursSortedCache: undefined,
    heldCache: undefined,
    arrivals: new ArrivalWindow(claimLatencyMs(cfg), cfg.maxLeases),
    claimLimitNoticeAt: undefined,
  };
}
