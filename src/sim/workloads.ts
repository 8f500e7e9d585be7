// Scripted demand on top of a Scenario's background: a node joining without state, a
// crowd arriving at once, a steady stream of new clients, a flood of MACs, every node
// rebooting without state. Each one is a handful of Scenario numbers, so `make sim`
// replays any of them, and each records the figures bench/sim-time-to-lease.ts prints.
// Waits are read from the simulator's counters by the instant a client first sent
// DISCOVER: workload clients start on whole, distinct schedules of their own.

import type { Millis } from '../core/types';
import type { SimRng } from './rng';
import type { Scenario } from './scenario-spec';
import type { Simulator } from './simulator';

/** What a client that is not leased this long after its first DISCOVER is judged by, when it does not give up. */
const DEFAULT_SERVE_WITHIN_SEC = 3;

export interface WorkloadFigures {
  /** Seconds from the joining node's start (its client's first DISCOVER) to that client's ACK; undefined: never. */
  readonly joinWaitSec: number | undefined;
  readonly crowdClients: number;
  /** Waits of the crowds' clients that were leased, ascending, in seconds. */
  readonly crowdWaitsSec: readonly number[];
  /** Clients that arrived in the measured part of the stream, and of those, the ones not leased within the give-up time. */
  readonly arrivalsMeasured: number;
  readonly arrivalsUnserved: number;
  /** Waits of the measured arrivals that were leased, ascending, in seconds. */
  readonly arrivalWaitsSec: readonly number[];
  readonly floodClients: number;
  /** Blocks the flooded node (node 0) owns at the end, and how many the network has. */
  readonly floodNodeBlocks: number;
  readonly totalBlocks: number;
  /** One client at each other node after the flood: how many, and the waits of those leased (s, ascending). */
  readonly probeClients: number;
  readonly probeWaitsSec: readonly number[];
  /** DDHCP packets (multicast and unicast) per node per minute while the mass reboot recovers, and in as long a window before it. */
  readonly rebootPacketsPerNodeMin: number | undefined;
  readonly steadyPacketsPerNodeMin: number | undefined;
  /** The busiest whole minute of the recovery window, per node. */
  readonly rebootPeakPacketsPerNodeMin: number | undefined;
}

export class Workloads {
  private crowdAt: Millis | undefined;
  private probeAt: Millis | undefined;
  private joinAt: Millis | undefined;
  private arrivalsMeasured = 0;
  private readonly measuredStarts = new Set<Millis>();
  private readonly packetsAt: Partial<Record<'steadyFrom' | 'rebootFrom' | 'rebootTo', number>> = {};
  private windowMs = 0;
  /** Packets sent in each minute of the recovery window. */
  private readonly rebootMinutes: number[] = [];

  constructor(
    private readonly sim: Simulator,
    private readonly s: Scenario,
    private readonly rng: SimRng,
  ) {}

  /** Nodes are added already; the joining node is added here, last. */
  schedule(): void {
    const { sim, s } = this;
    if (s.joinAt >= 0) {
      const at = s.joinAt * 1000;
      const node = sim.addNode();
      this.joinAt = at;
      sim.at(at, () => {
        sim.startNode(node, false);
        this.addClient(node);
      });
    }
    if (s.crowd > 0) {
      const at = s.crowdAt * 1000;
      this.crowdAt = at;
      sim.at(at, () => {
        for (let node = 0; node < Math.min(s.crowdNodes, s.nodes); node++) for (let k = 0; k < s.crowd; k++) this.addClient(node);
      });
    }
    if (s.arrivalRate > 0) this.scheduleArrivals();
    if (s.flood > 0) this.scheduleFlood();
    if (s.rebootAllAt >= 0) this.scheduleMassReboot();
  }

  figures(): WorkloadFigures {
    const { sim, s } = this;
    const waits = sim.counters.waits;
    const waitsSince = (at: Millis | undefined): number[] =>
      at === undefined ? [] : waits.filter((w) => w.since === at).map((w) => w.ms / 1000).sort((a, b) => a - b);
    const within = this.serveWithinMs();
    const servedInTime = waits.filter((w) => this.measuredStarts.has(w.since) && w.ms <= within).length;
    const nodes = sim.nodes.length;
    const perNodeMin = (packets: number | undefined): number | undefined =>
      packets === undefined || this.windowMs === 0 ? undefined : packets / nodes / (this.windowMs / 60000);
    const { steadyFrom, rebootFrom, rebootTo } = this.packetsAt;
    const { prefixLen, blockSizePow } = sim.options.coreConfig;
    return {
      joinWaitSec: waitsSince(this.joinAt)[0],
      crowdClients: s.crowd * Math.min(s.crowdNodes, s.nodes),
      crowdWaitsSec: waitsSince(this.crowdAt),
      arrivalsMeasured: this.arrivalsMeasured,
      arrivalsUnserved: this.arrivalsMeasured - servedInTime,
      arrivalWaitsSec: waits.filter((w) => this.measuredStarts.has(w.since)).map((w) => w.ms / 1000).sort((a, b) => a - b),
      floodClients: s.flood,
      floodNodeBlocks: s.flood > 0 ? sim.ownership.blocksOf(0).size : 0,
      totalBlocks: 2 ** (32 - prefixLen - blockSizePow),
      probeClients: this.probeAt === undefined ? 0 : nodes - 1,
      probeWaitsSec: waitsSince(this.probeAt),
      steadyPacketsPerNodeMin: perNodeMin(steadyFrom === undefined || rebootFrom === undefined ? undefined : rebootFrom - steadyFrom),
      rebootPacketsPerNodeMin: perNodeMin(rebootFrom === undefined || rebootTo === undefined ? undefined : rebootTo - rebootFrom),
      rebootPeakPacketsPerNodeMin: this.rebootMinutes.length === 0 ? undefined : Math.max(...this.rebootMinutes) / nodes,
    };
  }

  private serveWithinMs(): Millis {
    return (this.s.giveUp > 0 ? this.s.giveUp : DEFAULT_SERVE_WITHIN_SEC) * 1000;
  }

  /** A workload client; like perfdhcp it gives up (leaves silently) when not leased after `giveUp` seconds. */
  private addClient(node: number): number {
    const { sim, s } = this;
    const client = sim.addClient(node);
    if (s.giveUp > 0) {
      sim.at(sim.now + s.giveUp * 1000, () => {
        if (sim.clientAt(client).model.lease === undefined) sim.leaveClient(client);
      });
    }
    return client;
  }

  /** `arrivalRate` new clients a second at node 0, evenly spaced on distinct milliseconds. */
  private scheduleArrivals(): void {
    const { sim, s } = this;
    const from = s.arrivalAt * 1000;
    const to = from + s.arrivalFor * 1000;
    const measureFrom = from + s.arrivalWarmup * 1000;
    const gap = 1000 / s.arrivalRate;
    for (let k = 0; from + k * gap < to; k++) {
      const at = Math.round(from + k * gap);
      if (at >= measureFrom) {
        this.arrivalsMeasured++;
        this.measuredStarts.add(at);
      }
      sim.at(at, () => this.addClient(0));
    }
  }

  /** `flood` clients at node 0 at `floodRate` a second; then one client at each other node. */
  private scheduleFlood(): void {
    const { sim, s } = this;
    const from = s.floodAt * 1000;
    const gap = 1000 / s.floodRate;
    for (let k = 0; k < s.flood; k++) sim.at(Math.round(from + k * gap), () => this.addClient(0));
    const probeAt = Math.round(from + s.flood * gap) + 10000;
    this.probeAt = probeAt;
    sim.at(probeAt, () => {
      for (let n = 1; n < sim.nodes.length; n++) sim.addClient(n);
    });
  }

  /** Every node stops within `rebootAllOver` s and comes back after downMin..downMax s, without state unless rebootAllFresh is 0. */
  private scheduleMassReboot(): void {
    const { sim, s, rng } = this;
    const from = s.rebootAllAt * 1000;
    this.windowMs = s.rebootAllOver * 1000 + s.downMax * 1000 + s.blockTimeout * 1000;
    const count = (): number => sim.counters.mcastPackets + sim.counters.ucastPackets;
    if (from >= this.windowMs) sim.at(from - this.windowMs, () => (this.packetsAt.steadyFrom = count()));
    sim.at(from, () => (this.packetsAt.rebootFrom = count()));
    sim.at(from + this.windowMs, () => (this.packetsAt.rebootTo = count()));
    let last = 0;
    for (let t = from; t <= from + this.windowMs; t += 60000) {
      sim.at(t, () => {
        if (t > from) this.rebootMinutes.push(count() - last);
        last = count();
      });
    }
    for (const node of sim.nodes) {
      const stopAt = Math.round(from + rng.between(0, s.rebootAllOver * 1000));
      const downMs = Math.round(rng.between(s.downMin, s.downMax) * 1000);
      sim.at(stopAt, () => {
        sim.stopNode(node.index);
        sim.at(sim.now + downMs, () => sim.startNode(node.index, s.rebootAllFresh === 0));
      });
    }
  }
}
