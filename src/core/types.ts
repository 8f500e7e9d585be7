// The contract of the pure protocol core: what goes in (inputs with an explicit
// `now`), what comes out (effects), what can be read (view) and what survives a
// restart (snapshot). Nothing here touches a socket, a timer or a clock.

import type { DdhcpMessage, NodeId } from '../wire/ddhcp-message';
import type { DhcpMessage } from '../wire/dhcp-message';

export type { NodeId } from '../wire/ddhcp-message';

/** Monotonic milliseconds from the injected clock. Never wall-clock time. */
export type Millis = number;
/** An IPv4 address as an unsigned 32-bit integer. */
export type Ipv4 = number;

/** Injected randomness: seeded in tests and the simulator, node:crypto in the daemon. */
export interface Rng {
  /** A uniformly distributed integer in [0, 2^32). */
  nextU32(): number;
}

/** One entry of the DHCP option store (`-o CODE:LEN:P1.P2...`). */
export interface OptionEntry {
  readonly code: number;
  readonly payload: Uint8Array;
}

export interface CoreConfig {
  readonly nodeId: NodeId;
  readonly prefix: Ipv4;
  readonly prefixLen: number;
  /** Block size is 2^blockSizePow addresses. */
  readonly blockSizePow: number;
  readonly blockTimeoutSec: number;
  readonly tentativeTimeoutSec: number;
  readonly needlessTimeoutSec: number;
  readonly spareLeases: number;
  /** The most addresses this node holds in its blocks, claiming included (`--max-leases`; config/ resolves its default). */
  readonly maxLeases: number;
  /** False with `-L`: claim at once instead of listening for one block timeout. */
  readonly learning: boolean;
  /** False with `-S`: take part in the block protocol but serve no DHCP clients. */
  readonly dhcpEnabled: boolean;
  /**
   * How long a fresh address is probed (ARP) before it is offered to a client on our
   * link, in ms; 0 offers at once (`--probe-ms`, probe.ts says why).
   */
  readonly probeMs: number;
  /** The option store in list order, defaults already added (see config/). */
  readonly options: readonly OptionEntry[];
}

export type Input =
  | { readonly kind: 'ddhcp'; /** IPv6 source, without zone. */ readonly from: string; readonly msg: DdhcpMessage }
  | { readonly kind: 'dhcp'; readonly msg: DhcpMessage }
  /** Harmless when nothing is due. */
  | { readonly kind: 'timer' }
  | { readonly kind: 'command'; readonly cmd: Command }
  /** The client interface's IPv4 address changed (default server identifier). */
  | { readonly kind: 'link'; readonly clientAddress: Ipv4 | undefined }
  /** A host on the client link answered for an address (ARP reply or request with it as sender). */
  | { readonly kind: 'probeReply'; readonly ip: Ipv4; /** 6 bytes. */ readonly mac: Uint8Array };

export type Command =
  | { readonly kind: 'setOption'; readonly option: OptionEntry }
  | { readonly kind: 'removeOption'; readonly code: number };

export type DhcpDestination =
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'unicast'; readonly ip: Ipv4 }
  /** RFC 2131 4.1: a relayed request is answered to giaddr, server port 67. */
  | { readonly kind: 'relay'; readonly giaddr: Ipv4 };

export type Effect =
  | { readonly kind: 'multicast'; readonly msg: DdhcpMessage }
  | { readonly kind: 'unicast'; /** IPv6 link-local, without zone. */ readonly to: string; readonly msg: DdhcpMessage }
  | { readonly kind: 'dhcpReply'; readonly to: DhcpDestination; readonly msg: DhcpMessage }
  /** Ask the client link who has this address (an ARP request); answers come back as probeReply. */
  | { readonly kind: 'probe'; readonly ip: Ipv4 }
  | { readonly kind: 'event'; readonly event: CoreEvent };

/** Lower-case colon-separated MAC, e.g. "02:6e:6c:01:02:00". */
export type Mac = string;

export type DropReason =
  | 'foreignMesh'
  | 'ownMulticast'
  | 'blockOutOfRange'
  | 'addressOutsideNetwork'
  | 'unsolicitedReply'
  | 'notOwner'
  | 'learning'
  | 'dhcpDisabled'
  | 'notForUs'
  | 'noServerIdentifier'
  | 'unknownDhcpMessage'
  | 'pendingTableFull'
  | 'offerTableFull'
  | 'noFreeLease'
  /** A DISCOVER repeated while its address is probed: the offer follows the probe. */
  | 'probing'
  /** No free address, and `maxLeases` keeps us from claiming more. */
  | 'claimLimit';

export type CoreEvent =
  | { readonly kind: 'leased'; readonly ip: Ipv4; readonly mac: Mac }
  | { readonly kind: 'released'; readonly ip: Ipv4; readonly mac: Mac }
  | { readonly kind: 'informed'; readonly ip: Ipv4; readonly mac: Mac }
  | { readonly kind: 'declined'; readonly ip: Ipv4; readonly mac: Mac }
  /** A probed address is in use by a host we had no lease for: kept as its lease, not offered. */
  | { readonly kind: 'probeAnswered'; readonly ip: Ipv4; readonly mac: Mac }
  | { readonly kind: 'learningEnded' }
  | { readonly kind: 'blockOwned'; readonly index: number }
  | { readonly kind: 'blockLost'; readonly index: number; readonly to: NodeId }
  | { readonly kind: 'blockGivenBack'; readonly index: number }
  /** At most once a minute while `maxLeases` refuses claims that clients' demand asks for. */
  | { readonly kind: 'claimLimitReached'; readonly blocks: number; readonly maxLeases: number }
  | { readonly kind: 'dropped'; readonly reason: DropReason };

/** Numeric codes as the C control socket prints them (`ddhcpdctl -b`). */
export const BlockStateCode = { free: 0, tentative: 1, claimed: 2, claiming: 3, ours: 4, blocked: 5 } as const;
export type BlockState = keyof typeof BlockStateCode;

export interface BlockLeaseCounts {
  readonly free: number;
  readonly offered: number;
  readonly leased: number;
}

export interface BlockView {
  readonly index: number;
  readonly state: BlockState;
  readonly owner: NodeId | undefined;
  /** Link-local address the owner announced from, where known. */
  readonly ownerAddress: string | undefined;
  readonly claimCount: number;
  /** When the claim, tentative mark or our own claim lapses; undefined if never. */
  readonly timeoutAt: Millis | undefined;
  /** Only for blocks we own. */
  readonly leases: BlockLeaseCounts | undefined;
}

export type LeaseState = 'offered' | 'leased' | 'declined';

export interface LeaseView {
  readonly ip: Ipv4;
  readonly mac: Mac;
  readonly state: LeaseState;
  readonly expiresAt: Millis;
  readonly blockIndex: number;
}

export interface CoreCounts {
  readonly blocksOurs: number;
  readonly blocksClaimed: number;
  readonly blocksTentative: number;
  readonly blocksClaiming: number;
  readonly blocksTotal: number;
  readonly leasesFree: number;
  readonly leasesOffered: number;
  readonly leasesLeased: number;
}

export interface CoreView {
  readonly config: CoreConfig;
  /** Until when the learning phase lasts; undefined once it is over. */
  readonly learningUntil: Millis | undefined;
  /** Non-free blocks, ascending by index. Absent blocks are free. */
  blocks(): readonly BlockView[];
  leases(): readonly LeaseView[];
  options(): readonly OptionEntry[];
  counts(): CoreCounts;
  /** The server identifier the core puts in option 54, if it has one. */
  serverIdentifier(): Ipv4 | undefined;
}

/** Plain JSON-able data; times are remaining milliseconds at the moment of the snapshot. */
export interface PersistedState {
  readonly version: 1;
  readonly nodeId: NodeId;
  readonly prefix: Ipv4;
  readonly prefixLen: number;
  readonly blockSize: number;
  /** remainingMs <= 0: the claim ran out while we were down; the block is inquired again at once. */
  readonly blocks: readonly { readonly index: number; readonly remainingMs: number }[];
  /**
   * Blocks other nodes had claimed (announced, not merely inquired), with what was left of
   * each claim. Restored as claims heard on the wire: an owner that is itself rebooting
   * answers no INQUIRE, and a node that forgot its claim would win the block and own it
   * twice once the owner is back. Each lasts at least one block timeout after the restart
   * (core/snapshot.ts says why). Absent in older snapshots and test doubles: none known.
   */
  readonly foreign?: readonly PersistedForeignClaim[];
  readonly leases: readonly {
    readonly ip: Ipv4;
    /** 32 hex digits: all 16 chaddr bytes. */
    readonly chaddr: string;
    readonly state: LeaseState;
    readonly remainingMs: number;
  }[];
}

/** A claim of another node's as a snapshot keeps it; owner and address are absent where the table lacks them. */
export interface PersistedForeignClaim {
  readonly index: number;
  readonly owner?: NodeId;
  /** The IPv6 link-local address the owner announced from, without zone. */
  readonly ownerAddress?: string;
  /** Zero or less after a restart: ran out while we were down (restoring still holds it one block timeout). */
  readonly remainingMs: number;
}

/** Lease states by their code in a LeaseTable. */
export const LEASE_STATES: readonly LeaseState[] = ['offered', 'leased', 'declined'];

/**
 * PersistedState's leases as parallel arrays, row i being one lease: the same data
 * with no object or string per lease, for a writer that streams 10 000 of them.
 */
export interface LeaseTable {
  readonly count: number;
  readonly ip: Uint32Array;
  /** Index into LEASE_STATES. */
  readonly state: Uint8Array;
  readonly remainingMs: Float64Array;
  /** 16 chaddr bytes per lease. */
  readonly chaddr: Uint8Array;
}

/** What snapshot() returns, with the leases as a table. */
export interface CompactSnapshot {
  readonly head: Omit<PersistedState, 'leases'>;
  readonly leases: LeaseTable;
}

export interface Core {
  handle(input: Input, now: Millis): readonly Effect[];
  /** The driver arms exactly one timer from this. */
  nextDeadline(): Millis | undefined;
  view(): CoreView;
  snapshot(now: Millis): PersistedState;
  /** snapshot() without an object per lease: the form the state writer streams. */
  snapshotCompact(now: Millis): CompactSnapshot;
  /**
   * The blocks this node holds (claiming or ours), the same array until that set changes.
   * A peer's INQUIRE or UPDATECLAIM naming none of them, with in-range indexes and a
   * timeout of at least a second, has no effects and arms nothing sooner than that
   * timeout: a simulator may hand it over later, in a batch (src/sim/delivery-log.ts).
   * A core that cannot keep that promise returns every block index: then nothing it
   * receives is kept back.
   */
  heldIndexes(): readonly number[];
  /**
   * handle() for the first `count` inputs in order, each at its own time, with the effects
   * joined. A long batch reads the claim table in order first (ForeignTable.warm).
   */
  handleMany(inputs: readonly Input[], at: readonly Millis[], count: number): readonly Effect[];
}
