// Drives N cores on one virtual clock, like quinn's test Pair at mesh scale:
// pops the next event, hands the core its input with `now`, carries the effects
// over the simulated network, and checks the invariants after every step.
// A peer's claim that a node does not contend is kept back and handed over, with
// its own time, before that node's next input of any other kind
// (batched-delivery.ts); each core still sees exactly the inputs, in the order
// and at the times, it would see if every delivery were handed over at once.

import type { Core, CoreConfig, CoreEvent, DhcpDestination, Effect, Input, Ipv4, Millis } from '../core/types';
import { createLogger } from '../io/log';
import { performEffects, type Sink } from '../driver/perform';
import { AddressTracker } from './addresses';
import { answerProbe, type ArpClient } from './arp';
import { BatchedDelivery } from './batched-delivery';
import { EventQueue } from './event-queue';
import { Network } from './network';
import { OwnershipTracker } from './ownership';
import { createRng, type SimRng } from './rng';
import { SimClients, type SimClient } from './sim-clients';
import { loadStateFile, nodeAddress, saveStateFile, SimNode } from './sim-node';
import { SimInvariantError, type SimCounters, type SimEvent, type SimOptions } from './sim-types';

/** A core that keeps its deadline at or before now after this many timer inputs is spinning. */
const MAX_SPINS = 10000;
/** The daemon's log lines are of no use in a simulation of a thousand nodes. */
const SILENT = createLogger(-1, () => undefined);

export class Simulator {
  now: Millis = 0;
  readonly nodes: SimNode[] = [];
  readonly clients: readonly SimClient[];
  readonly network: Network;
  readonly ownership: OwnershipTracker;
  readonly addresses = new AddressTracker();
  readonly counters: SimCounters = {
    events: 0, inputs: 0, timerInputs: 0, keptBack: 0, mcastPackets: 0, mcastBytes: 0, ucastPackets: 0, ucastBytes: 0, unroutable: 0,
    dhcpToServer: 0, dhcpToClient: 0, strayReplies: 0, probes: 0, acks: 0, waits: [], ackInUnownedBlock: 0, dropped: {},
  };
  private readonly queue = new EventQueue<SimEvent>();
  private readonly byAddress = new Map<string, number>();
  private readonly rng: SimRng;
  private readonly simClients: SimClients;
  /** 1 while the node runs, per node index: a wave reads it for each of up to 999 receivers. */
  private readonly running: number[] = [];
  private readonly batches: BatchedDelivery;

  constructor(readonly options: SimOptions) {
    this.rng = createRng(options.seed);
    this.network = new Network(options.network, this.rng.fork());
    this.simClients = new SimClients(this, this.queue, this.rng.fork());
    this.clients = this.simClients.all;
    this.ownership = new OwnershipTracker((a, b) => this.network.canHear(a, b), options.conflictWindowMs, options.ownershipJudgement);
    const armTimer = (node: SimNode, next: Millis | undefined): void => this.armTimer(node, next);
    this.batches = new BatchedDelivery(this, this.queue, armTimer, options.deliverAtOnce === true, options.coreConfig.tentativeTimeoutSec * 1000);
  }

  // ---- running -------------------------------------------------------------

  /** Processes every event up to and including `until`, then sets the clock there. */
  runUntil(until: Millis): void {
    for (;;) {
      const at = this.queue.peekAt();
      if (at === undefined || at > until) break;
      const next = this.queue.pop() as { at: Millis; event: SimEvent };
      this.now = next.at;
      this.counters.events++;
      try {
        this.dispatch(next.event);
      } catch (e) {
        // A core or codec that throws is a bug too: report it with the replay command.
        if (e instanceof SimInvariantError) throw e;
        this.fail(`${next.event.kind} event threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      const broken = this.ownership.check(this.now);
      if (broken !== undefined) this.fail(broken);
    }
    this.now = Math.max(this.now, until);
    // Whoever looks at the cores next (audits, tests) sees every delivery made so far.
    for (let i = 0; i < this.nodes.length; i++) this.batches.flush(i);
  }

  /** Runs `fn` at virtual time `at` (scenario steps: churn, roams, partitions). */
  at(at: Millis, fn: () => void): void {
    this.queue.push(Math.max(at, this.now), { kind: 'action', run: fn });
  }

  fail(detail: string): never {
    throw new SimInvariantError(this.options.seed, this.now, detail, this.options.replay);
  }

  // ---- nodes ---------------------------------------------------------------

  addNode(): number {
    const index = this.nodes.length;
    const node = new SimNode(index, this.rng.nextHex64(), nodeAddress(index), this.rng.fork());
    // A kept-back delivery relies on its sender's id being no receiver's own.
    if (this.nodes.some((n) => n.nodeId === node.nodeId)) this.fail(`node ${index} drew the node id ${node.nodeId} twice`);
    node.sink = this.makeSink(node);
    this.nodes.push(node);
    this.byAddress.set(node.address, index);
    this.running.push(0);
    this.batches.addNode();
    return index;
  }

  /** Starts the node's daemon; `restore` feeds it the snapshot it left at its last stop. */
  startNode(index: number, restore = true): void {
    const node = this.nodeAt(index);
    if (node.core !== undefined) return;
    const saved = restore && node.savedFile !== undefined ? loadStateFile(node.savedFile, this.now) : undefined;
    // A start without state orphans the leases this node granted before.
    if (saved === undefined && node.everStarted) this.ownership.forgetNode(index);
    const cfg: CoreConfig = { ...this.options.coreConfig, nodeId: node.nodeId };
    const core = saved === undefined ? this.options.createCore(cfg, node.rng, this.now) : this.options.createCore(cfg, node.rng, this.now, saved);
    node.core = core;
    node.startedAt = this.now;
    node.readyThisRun = false;
    node.everStarted = true;
    this.running[index] = 1;
    this.batches.start(index, core);
    for (const b of core.view().blocks()) if (b.state === 'ours') this.ownership.add(b.index, index, this.now);
    this.handleInput(node, core, { kind: 'link', clientAddress: this.options.serverId });
    this.checkReady(node, core);
  }

  /** Stops the daemon: the core is dropped; what it would have written to disk is kept. */
  stopNode(index: number): void {
    const node = this.nodeAt(index);
    const core = node.core;
    if (core === undefined) return;
    this.batches.flush(index);
    node.saved = core.snapshot(this.now);
    node.savedFile = saveStateFile(core, this.now);
    node.stoppedAt = this.now;
    node.core = undefined;
    node.timerAt = undefined;
    node.timerGen++;
    this.running[index] = 0;
    this.batches.stop(index);
    this.ownership.removeNode(index, this.now);
  }

  partition(sets: readonly (readonly number[])[]): void {
    this.network.partition(sets);
    this.ownership.updateReachability(this.now);
  }

  heal(): void {
    this.ownership.updateReachability(this.now, this.network.heal());
  }

  nodeAt(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new RangeError(`no node ${index}`);
    return node;
  }

  // ---- clients -------------------------------------------------------------

  /** A new client appears on `node` and starts DORA. */
  addClient(node: number): number {
    return this.simClients.add(node);
  }

  /** The client moves to another node; with `reboot` it re-checks its lease (INIT-REBOOT). */
  roamClient(index: number, node: number, reboot: boolean): void {
    this.simClients.roam(index, node, reboot);
  }

  rebootClient(index: number): void {
    this.simClients.reboot(index);
  }

  releaseClient(index: number): void {
    this.simClients.release(index);
  }

  leaveClient(index: number): void {
    this.simClients.leave(index);
  }

  clientAt(index: number): SimClient {
    return this.simClients.at(index);
  }

  blockOf(ip: Ipv4): number | undefined {
    const { prefix, prefixLen, blockSizePow } = this.options.coreConfig;
    const offset = (ip - prefix) >>> 0;
    return offset < 2 ** (32 - prefixLen) ? offset >>> blockSizePow : undefined;
  }

  // ---- the step ------------------------------------------------------------

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case 'timer': {
        const node = this.nodes[ev.node];
        if (node?.core === undefined || node.timerGen !== ev.gen) return;
        this.batches.flush(ev.node);
        node.timerAt = undefined;
        this.batches.noteTimer(ev.node, Infinity);
        this.counters.timerInputs++;
        this.handleInput(node, node.core, { kind: 'timer' });
        const next = node.core?.nextDeadline();
        node.spins = next !== undefined && next <= this.now ? node.spins + 1 : 0;
        if (node.spins > MAX_SPINS) this.fail(`node ${ev.node}: nextDeadline() stays at or before now after ${MAX_SPINS} timer inputs`);
        return;
      }
      case 'mcast':
        return this.deliverWave(ev);
      case 'ddhcp': {
        if (this.running[ev.to] !== 1 || !this.network.canHear(ev.from, ev.to)) return;
        const keep = ev.keep;
        const batches = this.batches;
        const now = this.now;
        if (keep !== undefined && batches.mayKeep(ev.to, batches.holdersOf(keep, ev.from), now)) batches.keepBack(ev.to, batches.record(ev.input, now), keep, now);
        else this.deliverNow(ev.to, ev.input);
        return;
      }
      case 'dhcpToNode':
        if (this.running[ev.node] === 1) this.deliverNow(ev.node, { kind: 'dhcp', msg: ev.msg });
        return;
      case 'flush':
        return this.batches.onFlushEvent(ev.node, ev.gen);
      case 'dhcpToClient':
        return this.simClients.onReply(ev.client, ev.node, ev.msg);
      case 'clientTimer':
        return this.simClients.onTimer(ev.client, ev.gen);
      case 'action':
        return ev.run();
    }
  }

  private deliverWave(ev: Extract<SimEvent, { kind: 'mcast' }>): void {
    const net = this.network;
    const batches = this.batches;
    const keep = ev.keep;
    const holders = batches.holdersOf(keep, ev.from);
    let rec = -1;
    const { from, count } = ev;
    const now = this.now;
    // Receiver (offset + k) mod count, counted up without a division per receiver.
    let to = ev.offset + ev.k0;
    if (to >= count) to -= count;
    for (let k = ev.k0; k < ev.k1; k++, to = to + 1 === count ? 0 : to + 1) {
      if (to === from) continue;
      if (this.running[to] !== 1 || !net.canHear(from, to) || net.isLost()) continue;
      if (net.isDuplicated()) this.queue.push(this.now + net.drawLatency(), { kind: 'ddhcp', to, from, input: ev.input, keep });
      if (keep !== undefined && batches.mayKeep(to, holders, now)) {
        if (rec < 0) rec = batches.record(ev.input, now);
        batches.keepBack(to, rec, keep, now);
      } else this.deliverNow(to, ev.input);
    }
  }

  /** Hands the node what was kept back for it, then `input`. */
  private deliverNow(index: number, input: Input): void {
    const node = this.nodes[index] as SimNode;
    this.batches.flush(index);
    this.handleInput(node, node.core as Core, input);
  }

  private handleInput(node: SimNode, core: Core, input: Input): void {
    this.counters.inputs++;
    const effects = core.handle(input, this.now);
    if (effects.length > 0) this.perform(node, core, effects);
    this.armTimer(node, core.nextDeadline());
    this.batches.syncHeld(node.index, core);
  }

  private armTimer(node: SimNode, next: Millis | undefined): void {
    if (next === node.timerAt) return;
    node.timerAt = next;
    this.batches.noteTimer(node.index, next ?? Infinity);
    node.timerGen++;
    // Ranked: a timer armed when a batch is handed over sorts where one armed at once would.
    if (next !== undefined) this.queue.pushRanked(Math.max(next, this.now), node.index, { kind: 'timer', node: node.index, gen: node.timerGen });
  }

  private perform(node: SimNode, core: Core, effects: readonly Effect[]): void {
    let owned = false;
    for (const e of effects) if (e.kind === 'event') owned = this.onCoreEvent(node, e.event) || owned;
    performEffects(effects, node.sink as Sink, node.stats, SILENT, node.nodeId);
    if (owned) this.checkReady(node, core);
  }

  private makeSink(node: SimNode): Sink {
    return {
      multicast: (bytes) => this.sendMulticast(node, bytes),
      unicast: (to, bytes) => this.sendUnicast(node, to, bytes),
      dhcp: (effect, bytes) => this.sendToClient(node, effect.to, bytes),
      probe: (ip) => this.sendProbe(node, ip),
      hook: () => undefined,
      ubusEvent: () => undefined,
    };
  }

  private sendMulticast(node: SimNode, bytes: Uint8Array): boolean {
    const msg = this.options.transcoder.decodeDdhcp(bytes);
    node.mcastPackets++;
    node.mcastBytes += bytes.length;
    this.counters.mcastPackets++;
    this.counters.mcastBytes += bytes.length;
    const input: Input = { kind: 'ddhcp', from: node.address, msg };
    const keep = this.batches.keepBackOf(node.nodeId, msg);
    const count = this.nodes.length;
    const waves = Math.max(1, Math.min(this.network.settings.multicastWaves, count - 1));
    const offset = this.network.drawInt(count);
    for (let w = 0; w < waves; w++) {
      const k0 = Math.floor((w * count) / waves);
      const k1 = Math.floor(((w + 1) * count) / waves);
      this.queue.push(this.now + this.network.drawLatency(), { kind: 'mcast', from: node.index, input, count, offset, k0, k1, keep });
    }
    return true;
  }

  private sendUnicast(node: SimNode, to: string, bytes: Uint8Array): boolean {
    const msg = this.options.transcoder.decodeDdhcp(bytes);
    node.ucastPackets++;
    node.ucastBytes += bytes.length;
    this.counters.ucastPackets++;
    this.counters.ucastBytes += bytes.length;
    const target = this.byAddress.get(to);
    if (target === undefined) {
      this.counters.unroutable++;
      return true;
    }
    const net = this.network;
    if (net.isLost()) return true;
    const input: Input = { kind: 'ddhcp', from: node.address, msg };
    this.queue.push(this.now + net.drawLatency(), { kind: 'ddhcp', to: target, from: node.index, input, keep: undefined });
    if (net.isDuplicated()) this.queue.push(this.now + net.drawLatency(), { kind: 'ddhcp', to: target, from: node.index, input, keep: undefined });
    return true;
  }

  private sendToClient(node: SimNode, to: DhcpDestination, bytes: Uint8Array): boolean {
    const msg = this.options.transcoder.decodeDhcp(bytes);
    const client = this.simClients.withMac(msg.chaddr);
    // No relay agents in the simulated mesh: a reply to giaddr reaches nobody.
    if (client === undefined || to.kind === 'relay') {
      this.counters.strayReplies++;
      return true;
    }
    this.counters.dhcpToClient++;
    this.queue.push(this.now + this.options.clientLatencyMs, { kind: 'dhcpToClient', client, node: node.index, msg });
    return true;
  }

  private sendProbe(node: SimNode, ip: Ipv4): boolean {
    this.counters.probes++;
    const answer = answerProbe(this.network, this.addresses, (i) => this.arpClient(i), node.index, ip, this.now);
    if (answer === undefined) return true;
    const { core } = node;
    // A node restarted meanwhile has a new core, which probes nothing: the reply goes nowhere.
    this.queue.push(this.now + answer.afterMs, { kind: 'action', run: () => {
      if (node.core === core && core !== undefined) this.deliverNow(node.index, { kind: 'probeReply', ip, mac: answer.mac });
    } });
    return true;
  }

  private arpClient(index: number): ArpClient | undefined {
    const c = this.clients[index];
    return c === undefined ? undefined : { mac: c.model.mac, node: c.node, present: c.model.state !== 'off' };
  }

  /** Returns true when the node gained a block (its spare leases may now be there). */
  private onCoreEvent(node: SimNode, ev: CoreEvent): boolean {
    switch (ev.kind) {
      case 'blockOwned':
        this.ownership.add(ev.index, node.index, this.now);
        return true;
      case 'blockLost':
      case 'blockGivenBack':
        this.ownership.remove(ev.index, node.index, this.now);
        return false;
      case 'dropped':
        this.counters.dropped[ev.reason] = (this.counters.dropped[ev.reason] ?? 0) + 1;
        return false;
      default:
        return false;
    }
  }

  private checkReady(node: SimNode, core: Core): void {
    if (node.readyThisRun) return;
    if (core.view().counts().leasesFree < this.options.coreConfig.spareLeases) return;
    node.readyThisRun = true;
    if (node.firstReadyDelayMs === undefined && node.startedAt !== undefined) node.firstReadyDelayMs = this.now - node.startedAt;
  }
}
