// Drives N cores on one virtual clock, like quinn's test Pair at mesh scale:
// pops the next event, hands the core its input with `now`, carries the effects
// over the simulated network, and checks the invariants after every step.
// A peer's claim that a node does not contend is kept back in a DeliveryLog and
// handed over, with its own time, before that node's next input of any other
// kind (delivery-log.ts); each core still sees exactly the inputs, in the order
// and at the times, it would see if every delivery were handed over at once.

import { makeGeometry, type Geometry } from '../core/ipv4';
import type { Core, CoreConfig, CoreEvent, DhcpDestination, Effect, Input, Ipv4, Millis } from '../core/types';
import { DdhcpCommand, type DdhcpMessage } from '../wire/ddhcp-message';
import { createLogger } from '../io/log';
import { performEffects, type Sink } from '../driver/perform';
import { formatIpv4, formatMac } from '../wire/bytes';
import { AddressTracker } from './addresses';
import { answerProbe, type ArpClient } from './arp';
import { DeliveryLog } from './delivery-log';
import { DhcpClient, type ClientStep, type Lease } from './dhcp-client';
import { EventQueue } from './event-queue';
import { Network } from './network';
import { OwnershipTracker } from './ownership';
import { createRng, type SimRng } from './rng';
import { loadStateFile, nodeAddress, saveStateFile, SimNode } from './sim-node';
import { SimInvariantError, type KeepBack, type SimCounters, type SimEvent, type SimOptions } from './sim-types';

/** A core that keeps its deadline at or before now after this many timer inputs is spinning. */
const MAX_SPINS = 10000;
/** The daemon's log lines are of no use in a simulation of a thousand nodes. */
const SILENT = createLogger(-1, () => undefined);
const NOBODY: readonly number[] = Object.freeze([]);

export interface SimClient {
  readonly index: number;
  readonly model: DhcpClient;
  /** The node whose client interface it is attached to. */
  node: number;
  gen: number;
}

export class Simulator {
  now: Millis = 0;
  readonly nodes: SimNode[] = [];
  readonly clients: SimClient[] = [];
  readonly network: Network;
  readonly ownership: OwnershipTracker;
  readonly addresses = new AddressTracker();
  readonly counters: SimCounters = {
    events: 0, inputs: 0, timerInputs: 0, keptBack: 0, mcastPackets: 0, mcastBytes: 0, ucastPackets: 0, ucastBytes: 0, unroutable: 0,
    dhcpToServer: 0, dhcpToClient: 0, strayReplies: 0, probes: 0, acks: 0, waits: [], ackInUnownedBlock: 0, dropped: {},
  };
  private readonly queue = new EventQueue<SimEvent>();
  private readonly byAddress = new Map<string, number>();
  private readonly byMac = new Map<string, number>();
  private readonly rng: SimRng;
  private readonly clientRng: SimRng;
  private readonly geo: Geometry;
  // Per node index, in flat arrays: a wave reads them for each of up to 999 receivers
  // without touching the receivers' own objects.
  /** 1 while the node runs. */
  private readonly running: number[] = [];
  /** 1 while the node runs a core whose deliveries may be kept back. */
  private readonly batchable: number[] = [];
  /** node.timerAt, Infinity for none. */
  private readonly timerAt: number[] = [];
  /** The first record kept back for the node, -1 for none; the time it must have them by. */
  private readonly firstKept: number[] = [];
  private readonly keptUntil: number[] = [];
  private readonly flushGen: number[] = [];
  /** The node's last Core.heldIndexes(), and the reverse: block -> nodes holding it. */
  private readonly heldSeen: (readonly number[] | undefined)[] = [];
  private readonly holders = new Map<number, number[]>();
  private log: DeliveryLog | undefined;
  private readonly batchInputs: Input[] = [];
  private readonly batchTimes: Millis[] = [];

  constructor(readonly options: SimOptions) {
    this.rng = createRng(options.seed);
    this.network = new Network(options.network, this.rng.fork());
    this.clientRng = this.rng.fork();
    this.ownership = new OwnershipTracker((a, b) => this.network.canHear(a, b), options.conflictWindowMs, options.ownershipJudgement);
    const { prefix, prefixLen, blockSizePow } = options.coreConfig;
    this.geo = makeGeometry(prefix, prefixLen, blockSizePow);
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
    for (let i = 0; i < this.nodes.length; i++) this.flush(i);
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
    this.batchable.push(0);
    this.timerAt.push(Infinity);
    this.firstKept.push(-1);
    this.keptUntil.push(Infinity);
    this.flushGen.push(0);
    this.heldSeen.push(undefined);
    if (this.log !== undefined && this.nodes.length > this.log.nodes) {
      for (let i = 0; i < index; i++) this.flush(i);
      this.log = undefined;
    }
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
    this.batchable[index] = this.options.deliverAtOnce === true ? 0 : 1;
    this.syncHeld(node, core);
    for (const b of core.view().blocks()) if (b.state === 'ours') this.ownership.add(b.index, index, this.now);
    this.handleInput(node, core, { kind: 'link', clientAddress: this.options.serverId });
    this.checkReady(node, core);
  }

  /** Stops the daemon: the core is dropped; what it would have written to disk is kept. */
  stopNode(index: number): void {
    const node = this.nodeAt(index);
    const core = node.core;
    if (core === undefined) return;
    this.flush(index);
    node.saved = core.snapshot(this.now);
    node.savedFile = saveStateFile(core, this.now);
    node.stoppedAt = this.now;
    node.core = undefined;
    node.timerAt = undefined;
    node.timerGen++;
    this.running[index] = 0;
    this.batchable[index] = 0;
    this.timerAt[index] = Infinity;
    this.setHeld(index, undefined);
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
    const index = this.clients.length;
    const mac = Uint8Array.of(0x02, 0x5a, (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255);
    const client: SimClient = { index, model: new DhcpClient(mac, this.clientRng.fork(), this.options.clientTiming), node, gen: 0 };
    this.clients.push(client);
    this.byMac.set(formatMac(mac), index);
    this.applyClient(client, client.model.start(this.now));
    return index;
  }

  /** The client moves to another node; with `reboot` it re-checks its lease (INIT-REBOOT). */
  roamClient(index: number, node: number, reboot: boolean): void {
    const client = this.clientAt(index);
    if (client.model.state === 'off') return;
    client.node = node;
    if (reboot) this.applyClient(client, client.model.start(this.now));
  }

  rebootClient(index: number): void {
    const client = this.clientAt(index);
    if (client.model.state !== 'off') this.applyClient(client, client.model.start(this.now));
  }

  releaseClient(index: number): void {
    const client = this.clientAt(index);
    if (client.model.state !== 'off') this.applyClient(client, client.model.release());
  }

  leaveClient(index: number): void {
    const client = this.clientAt(index);
    this.applyClient(client, client.model.leave());
  }

  clientAt(index: number): SimClient {
    const client = this.clients[index];
    if (client === undefined) throw new RangeError(`no client ${index}`);
    return client;
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
        this.flush(ev.node);
        node.timerAt = undefined;
        this.timerAt[ev.node] = Infinity;
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
        if (keep !== undefined && this.mayKeep(ev.to, this.holdersOf(keep, ev.from))) this.keepBack(ev.to, this.appendRecord(ev.input), keep);
        else this.deliverNow(ev.to, ev.input);
        return;
      }
      case 'dhcpToNode':
        if (this.running[ev.node] === 1) this.deliverNow(ev.node, { kind: 'dhcp', msg: ev.msg });
        return;
      case 'flush':
        if (this.flushGen[ev.node] === ev.gen) this.flush(ev.node);
        return;
      case 'dhcpToClient': {
        const client = this.clients[ev.client];
        // A client that roamed away meanwhile no longer hears that node's segment.
        if (client !== undefined && client.node === ev.node) this.applyClient(client, client.model.onReply(ev.msg, this.now));
        return;
      }
      case 'clientTimer': {
        const client = this.clients[ev.client];
        if (client !== undefined && client.gen === ev.gen) this.applyClient(client, client.model.onTimer(this.now));
        return;
      }
      case 'action':
        return ev.run();
    }
  }

  private deliverWave(ev: Extract<SimEvent, { kind: 'mcast' }>): void {
    const net = this.network;
    const keep = ev.keep;
    const holders = keep === undefined ? NOBODY : this.holdersOf(keep, ev.from);
    let rec = -1;
    const { from, count } = ev;
    // Receiver (offset + k) mod count, counted up without a division per receiver.
    let to = ev.offset + ev.k0;
    if (to >= count) to -= count;
    for (let k = ev.k0; k < ev.k1; k++, to = to + 1 === count ? 0 : to + 1) {
      if (to === from) continue;
      if (this.running[to] !== 1 || !net.canHear(from, to) || net.isLost()) continue;
      if (net.isDuplicated()) this.queue.push(this.now + net.drawLatency(), { kind: 'ddhcp', to, from, input: ev.input, keep });
      if (keep !== undefined && this.mayKeep(to, holders)) {
        if (rec < 0) rec = this.appendRecord(ev.input);
        this.keepBack(to, rec, keep);
      } else this.deliverNow(to, ev.input);
    }
  }

  /** Hands the node what was kept back for it, then `input`. */
  private deliverNow(index: number, input: Input): void {
    const node = this.nodes[index] as SimNode;
    this.flush(index);
    this.handleInput(node, node.core as Core, input);
  }

  private handleInput(node: SimNode, core: Core, input: Input): void {
    this.counters.inputs++;
    const effects = core.handle(input, this.now);
    if (effects.length > 0) this.perform(node, core, effects);
    this.armTimer(node, core.nextDeadline());
    this.syncHeld(node, core);
  }

  private armTimer(node: SimNode, next: Millis | undefined): void {
    if (next === node.timerAt) return;
    node.timerAt = next;
    this.timerAt[node.index] = next ?? Infinity;
    node.timerGen++;
    // Ranked: a timer armed when a batch is handed over sorts where one armed at once would.
    if (next !== undefined) this.queue.pushRanked(Math.max(next, this.now), node.index, { kind: 'timer', node: node.index, gen: node.timerGen });
  }

  // ---- deliveries kept back -------------------------------------------------

  /**
   * What of a peer's multicast may wait: INQUIRE and UPDATECLAIM of this mesh from the
   * node that sent them, every index in range, every timeout a second or more. The rest
   * of the promise (Core.heldIndexes) is checked per receiver at delivery.
   */
  private keepBackOf(sender: SimNode, msg: DdhcpMessage): KeepBack | undefined {
    const g = this.geo;
    if (this.options.deliverAtOnce === true || msg.nodeId !== sender.nodeId) return undefined;
    if (msg.prefix !== g.prefix || msg.prefixLen !== g.prefixLen || msg.blockSize !== g.blockSize) return undefined;
    let blocks: readonly number[];
    let timeoutMs: Millis;
    if (msg.command === DdhcpCommand.UpdateClaim) {
      blocks = msg.claims.map((c) => c.blockIndex);
      timeoutMs = Math.min(...msg.claims.map((c) => c.timeoutSec * 1000));
    } else if (msg.command === DdhcpCommand.Inquire) {
      blocks = msg.blocks;
      timeoutMs = this.options.coreConfig.tentativeTimeoutSec * 1000;
    } else return undefined;
    if (blocks.length === 0 || timeoutMs < 1000 || blocks.some((b) => b >= g.numBlocks)) return undefined;
    return { blocks, withinMs: timeoutMs - 1 };
  }

  /** Other nodes than `from` holding a block `keep` names. */
  private holdersOf(keep: KeepBack, from: number): readonly number[] {
    let out: number[] | undefined;
    for (const b of keep.blocks) {
      const list = this.holders.get(b);
      if (list === undefined) continue;
      for (const n of list) if (n !== from) (out ??= []).push(n);
    }
    return out ?? NOBODY;
  }

  /** Before its timer is due and holding none of the blocks, the node's core would do nothing with it but note it. */
  private mayKeep(to: number, holders: readonly number[]): boolean {
    return this.batchable[to] === 1 && this.now < (this.timerAt[to] as number) && (holders.length === 0 || !holders.includes(to));
  }

  private appendRecord(input: Input): number {
    this.log ??= new DeliveryLog(this.nodes.length, () => this.oldestKept());
    return this.log.append(this.now, input);
  }

  private oldestKept(): number {
    let oldest = Infinity;
    for (const rec of this.firstKept) if (rec >= 0 && rec < oldest) oldest = rec;
    return oldest;
  }

  private keepBack(to: number, rec: number, keep: KeepBack): void {
    (this.log as DeliveryLog).mark(rec, to);
    if ((this.firstKept[to] as number) < 0) this.firstKept[to] = rec;
    const by = this.now + keep.withinMs;
    if (by >= (this.keptUntil[to] as number)) return;
    this.keptUntil[to] = by;
    // The node's timer comes first otherwise, and hands the batch over then.
    if (!((this.timerAt[to] as number) <= by)) {
      const gen = (this.flushGen[to] as number) + 1;
      this.flushGen[to] = gen;
      this.queue.push(by, { kind: 'flush', node: to, gen });
    }
  }

  /** Hands the node, in order and each at its own time, every delivery kept back for it. */
  private flush(index: number): void {
    const first = this.firstKept[index] as number;
    if (first < 0) return;
    this.firstKept[index] = -1;
    this.keptUntil[index] = Infinity;
    this.flushGen[index] = (this.flushGen[index] as number) + 1;
    const node = this.nodes[index] as SimNode;
    const core = node.core as Core;
    const inputs = this.batchInputs;
    const times = this.batchTimes;
    const count = (this.log as DeliveryLog).collect(index, first, inputs, times);
    this.counters.inputs += count;
    this.counters.keptBack += count;
    const effects = core.handleMany(inputs, times, count);
    if (effects.length > 0) {
      this.fail(`node ${index}: deliveries kept back from t=${times[0]} had effects (${effects.map((e) => (e.kind === 'event' ? e.event.kind : e.kind)).join(', ')}), against Core.heldIndexes`);
    }
    const next = core.nextDeadline();
    if (next !== undefined && next !== node.timerAt && next <= this.now) this.fail(`node ${index}: deliveries kept back armed a timer for t=${next}, not after now, against Core.heldIndexes`);
    this.armTimer(node, next);
  }

  private syncHeld(node: SimNode, core: Core): void {
    if (this.batchable[node.index] !== 1) return;
    const held = core.heldIndexes();
    if (held !== this.heldSeen[node.index]) this.setHeld(node.index, held);
  }

  private setHeld(index: number, held: readonly number[] | undefined): void {
    for (const b of this.heldSeen[index] ?? NOBODY) {
      const list = this.holders.get(b);
      if (list === undefined) continue;
      const at = list.indexOf(index);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.holders.delete(b);
    }
    for (const b of held ?? NOBODY) {
      const list = this.holders.get(b);
      if (list === undefined) this.holders.set(b, [index]);
      else list.push(index);
    }
    this.heldSeen[index] = held;
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
    const keep = this.keepBackOf(node, msg);
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
    const client = this.byMac.get(formatMac(msg.chaddr));
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

  private applyClient(client: SimClient, step: ClientStep): void {
    if (step.dropped !== undefined) this.addresses.unbind(step.dropped, client.index);
    if (step.bound !== undefined) this.onBound(client, step.bound);
    if (step.waitedMs !== undefined) this.counters.waits.push({ since: this.now - step.waitedMs, ms: step.waitedMs });
    if (step.wakeAt !== undefined) {
      client.gen++;
      this.queue.push(Math.max(step.wakeAt, this.now), { kind: 'clientTimer', client: client.index, gen: client.gen });
    }
    if (step.send !== undefined) {
      const wire = this.options.transcoder.dhcp(step.send);
      this.counters.dhcpToServer++;
      this.queue.push(this.now + this.options.clientLatencyMs, { kind: 'dhcpToNode', node: client.node, msg: wire.msg });
    }
  }

  private onBound(client: SimClient, lease: Lease): void {
    this.counters.acks++;
    const block = this.blockOf(lease.ip);
    if (block === undefined) this.fail(`client ${client.index} was ACKed ${formatIpv4(lease.ip)}, outside the network`);
    const owners = this.ownership.ownersOf(block).length;
    if (owners === 0) this.counters.ackInUnownedBlock++;
    const dup = this.addresses.bind(lease.ip, client.index, lease.expiresAt, this.ownership.epochOf(block), owners > 1, this.now);
    if (dup !== undefined && (dup.cause === 'bug' || this.options.strictDuplicates === true) && this.options.failOnDuplicate) {
      this.fail(`${formatIpv4(lease.ip)} ACKed to client ${dup.secondClient} while client ${dup.firstClient} holds it (${dup.cause}; block ${block}, owners [${this.ownership.ownersOf(block).join(', ')}])`);
    }
  }
}
