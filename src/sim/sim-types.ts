// Shapes shared by the simulator's parts: its options, the events on its
// agenda, the figures it reports, and the error an invariant failure throws.

import type { CoreConfig, DropReason, Input, Ipv4, Millis } from '../core/types';
import type { DhcpMessage } from '../wire/dhcp-message';
import type { ClientTiming } from './dhcp-client';
import type { NetworkParams } from './network';
import type { OwnershipJudgement } from './ownership';
import type { CoreFactory } from './sim-node';
import type { Transcoder } from './transcode';

export interface SimOptions {
  readonly seed: number;
  readonly createCore: CoreFactory;
  /** Shared by every node; each node gets its own nodeId. */
  readonly coreConfig: Omit<CoreConfig, 'nodeId'>;
  readonly network: NetworkParams;
  /** Gluon's next-node address: every node's client interface carries it (option 54). */
  readonly serverId: Ipv4;
  /** One way, client to its node and back. */
  readonly clientLatencyMs: Millis;
  /** How long two connected nodes may both own one block before it counts as a failure. */
  readonly conflictWindowMs: Millis;
  readonly transcoder: Transcoder;
  /** Printed with every failure: the command that replays this run. */
  readonly replay: string;
  /** Throw on a duplicate address that no owner change explains. */
  readonly failOnDuplicate: boolean;
  /**
   * With failOnDuplicate: throw on every address ACKed to a second client while the first
   * client's lease is still valid, whatever preceded it (an owner change, a contested
   * block). The user sees two hosts with one address either way.
   */
  readonly strictDuplicates?: boolean;
  /**
   * Which double ownerships are not ours to prevent: exemptPair for two C daemons
   * (c-node.ts), who share the id zero so neither yields to the other's INQUIRE, the C
   * protocol's flaw; healGraceMs for a claim run while a partition hid the owner, which
   * completes just after the heal. Any other pair, at any other time, is judged.
   */
  readonly ownershipJudgement?: OwnershipJudgement;
  /** How the simulated clients pace their retries (default: RFC 2131's backoff). */
  readonly clientTiming?: ClientTiming;
  /**
   * Hand every delivery to its core at once, as the network brings it, instead of keeping
   * uncontended claims back for a batch (batched-delivery.ts). Same results, slower at scale:
   * for the tests that check the two ways agree.
   */
  readonly deliverAtOnce?: boolean;
}

/**
 * What a peer's multicast lets the simulator keep back (Core.heldIndexes): the blocks it
 * names, and how soon after its delivery the receiver must have taken it at the latest
 * (the shortest timeout in it, less a millisecond). Undefined for anything else.
 */
export interface KeepBack {
  readonly blocks: readonly number[];
  readonly withinMs: Millis;
}

export type SimEvent =
  | { readonly kind: 'timer'; readonly node: number; readonly gen: number }
  /** One wave of a multicast: receivers (offset + k) mod count for k in [k0, k1). */
  | {
      readonly kind: 'mcast';
      readonly from: number;
      readonly input: Input;
      readonly count: number;
      readonly offset: number;
      readonly k0: number;
      readonly k1: number;
      readonly keep: KeepBack | undefined;
    }
  | { readonly kind: 'ddhcp'; readonly to: number; readonly from: number; readonly input: Input; readonly keep: KeepBack | undefined }
  /** Deliveries kept back for this node must be handed over now (gen: stale when it moved). */
  | { readonly kind: 'flush'; readonly node: number; readonly gen: number }
  | { readonly kind: 'dhcpToNode'; readonly node: number; readonly msg: DhcpMessage }
  | { readonly kind: 'dhcpToClient'; readonly client: number; readonly node: number; readonly msg: DhcpMessage }
  | { readonly kind: 'clientTimer'; readonly client: number; readonly gen: number }
  | { readonly kind: 'action'; readonly run: () => void };

export interface SimCounters {
  events: number;
  /** core.handle calls. */
  inputs: number;
  /** Of those, timer inputs: how often a daemon would wake up on its own. */
  timerInputs: number;
  /** Of those, deliveries kept back and handed over in a batch (batched-delivery.ts). */
  keptBack: number;
  mcastPackets: number;
  mcastBytes: number;
  ucastPackets: number;
  ucastBytes: number;
  unroutable: number;
  dhcpToServer: number;
  dhcpToClient: number;
  strayReplies: number;
  /** ARP probes the nodes sent before offering (answered or not). */
  probes: number;
  acks: number;
  /** Each client's time without an address before an ACK: since when, and for how long. */
  readonly waits: { readonly since: Millis; readonly ms: Millis }[];
  ackInUnownedBlock: number;
  dropped: Partial<Record<DropReason, number>>;
}

export class SimInvariantError extends Error {
  override readonly name = 'SimInvariantError';
  constructor(
    readonly seed: number,
    readonly at: Millis,
    readonly detail: string,
    replay: string,
  ) {
    super(`invariant broken (seed ${seed}, t=${(at / 1000).toFixed(3)} s): ${detail}\n  replay: ${replay}`);
  }
}
