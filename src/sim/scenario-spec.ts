// What a simulated run is made of, as plain numbers (scenario.ts parses, prints and
// runs them). Its own module so that the scripted workloads can read it without
// importing the runner that imports them.

export interface Scenario {
  readonly seed: number;
  readonly nodes: number;
  readonly minutes: number;
  readonly loss: number;
  readonly duplicate: number;
  readonly latencyMin: number;
  readonly latencyMax: number;
  readonly waves: number;
  /** Share of datagrams held up by up to spike-max ms more (reordering across claim rounds). */
  readonly spike: number;
  readonly spikeMax: number;
  readonly clientLatency: number;
  /** 0: size the network for the node count (8 times the blocks needed). */
  readonly prefixLen: number;
  readonly blockSizePow: number;
  readonly spareLeases: number;
  /** The cap on one node's addresses (`--max-leases`); 0: the daemon's default, half the network. */
  readonly maxLeases: number;
  readonly blockTimeout: number;
  readonly tentativeTimeout: number;
  readonly needlessTimeout: number;
  readonly leaseTime: number;
  /** 1: learning phase on (the default), 0: `-L`. */
  readonly learning: number;
  /** Milliseconds a node probes (ARP) a fresh address before offering it (`--probe-ms`); 0: offers at once. */
  readonly probe: number;
  /** Nodes start at random times within this many seconds. */
  readonly startSpread: number;
  /** This share of nodes joins at a random time during the run instead. */
  readonly lateFraction: number;
  /** Node stops per node per hour; each stopped node restarts after down-min..down-max s. */
  readonly churn: number;
  readonly downMin: number;
  readonly downMax: number;
  /** Share of restarts that lose their state (no snapshot). */
  readonly freshRestart: number;
  readonly clientsPerNodeHour: number;
  /** Mean seconds a client stays. */
  readonly clientStay: number;
  readonly roamsPerClientHour: number;
  readonly rebootOnRoam: number;
  readonly releaseOnLeave: number;
  /** Seconds into the run when a share of nodes is cut off; negative: no partition. */
  readonly partitionAt: number;
  readonly partitionFor: number;
  readonly partitionFraction: number;
  /** The last seconds run without loss, churn or client moves; then convergence is checked. */
  readonly quiet: number;
  readonly auditEvery: number;
  /** Milliseconds; 0: automatic (a refresh interval and a few latencies, plus a block timeout when packets are lost). */
  readonly conflictWindow: number;
  /** 1: hand every delivery over at once instead of batching uncontended claims (SimOptions.deliverAtOnce); same results, slower. */
  readonly deliverAtOnce: number;
  /** 1: every address ACKed to a second client while the first's lease lasts fails the run, whatever explains it. */
  readonly strict: number;
  /** Milliseconds between a client's DISCOVERs (and REQUESTs), as udhcpc or perfdhcp; 0: RFC 2131's 4 s backoff. */
  readonly clientRetry: number;
  /** How many of the nodes (the last ones) run the model of the C daemon (c-node.ts). */
  readonly cNodes: number;
  // Scripted demand (workloads.ts).
  /** Seconds after which a scripted client not yet leased gives up and leaves; 0: never (judged at 3 s). */
  readonly giveUp: number;
  /** Seconds into the run when one more node joins without state, its client asking at once; negative: none. */
  readonly joinAt: number;
  /** Clients arriving together at each of the first crowd-nodes nodes at crowd-at seconds. */
  readonly crowd: number;
  readonly crowdAt: number;
  readonly crowdNodes: number;
  /** New clients per second at node 0 from arrival-at for arrival-for seconds; the first arrival-warmup seconds are not measured. */
  readonly arrivalRate: number;
  readonly arrivalAt: number;
  readonly arrivalFor: number;
  readonly arrivalWarmup: number;
  /** Clients (distinct MACs) flooding node 0 from flood-at at flood-rate a second; then one client at every other node. */
  readonly flood: number;
  readonly floodAt: number;
  readonly floodRate: number;
  /** Seconds into the run when every node restarts without state, each within reboot-all-over s, down for down-min..down-max s; negative: none. */
  readonly rebootAllAt: number;
  readonly rebootAllOver: number;
  /** 1: the mass reboot loses every node's state; 0: each node restores its state file. */
  readonly rebootAllFresh: number;
}
