// Which of a peer's claims the simulator keeps back from a node, and handing them
// over later in one batch (Core.handleMany). A claim the node does not contend,
// arriving before its timer is due, would only be noted (Core.heldIndexes): it
// waits in a DeliveryLog (delivery-log.ts) until the node's next input of any
// other kind, its timer, or the claim's own deadline, whichever comes first, and is
// then handed over with its own time. Each core still sees exactly the inputs, in
// the order and at the times, it would see if every delivery were handed over at
// once (SimOptions.deliverAtOnce; test/sim/kept-back.test.ts checks both agree).
//
// The simulator asks here, per receiver, whether a delivery may wait (mayKeep), and
// tells this module what it needs to know to answer: every timer it arms (noteTimer)
// and every change to what a running core holds (syncHeld, stop).

import type { Core, Input, Millis, NodeId } from '../core/types';
import { DdhcpCommand, type DdhcpMessage } from '../wire/ddhcp-message';
import { DeliveryLog } from './delivery-log';
import type { EventQueue } from './event-queue';
import type { SimNode } from './sim-node';
import type { KeepBack, SimCounters, SimEvent } from './sim-types';

const NOBODY: readonly number[] = Object.freeze([]);

/** What of the simulator this module reads, and the one thing it asks of it. */
export interface BatchHost {
  readonly now: Millis;
  readonly nodes: readonly SimNode[];
  readonly counters: SimCounters;
  fail(detail: string): never;
}

export class BatchedDelivery {
  // Per node index, in flat arrays: a wave reads them for each of up to 999 receivers
  // without touching the receivers' own objects.
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

  /**
   * `atOnce`: keep nothing back (SimOptions.deliverAtOnce). `armTimer`: how the simulator
   * arms a node's one timer, after a batch as after any input.
   */
  constructor(
    private readonly sim: BatchHost,
    private readonly queue: EventQueue<SimEvent>,
    private readonly armTimer: (node: SimNode, next: Millis | undefined) => void,
    private readonly atOnce: boolean,
    private readonly tentativeTimeoutMs: Millis,
  ) {}

  /** A node was added (the simulator's nodes has it already). */
  addNode(): void {
    const count = this.sim.nodes.length;
    this.batchable.push(0);
    this.timerAt.push(Infinity);
    this.firstKept.push(-1);
    this.keptUntil.push(Infinity);
    this.flushGen.push(0);
    this.heldSeen.push(undefined);
    // The log's rows are per node: hand everything over and start a larger one when needed.
    if (this.log !== undefined && count > this.log.nodes) {
      for (let i = 0; i < count - 1; i++) this.flush(i);
      this.log = undefined;
    }
  }

  /** The node's core started. */
  start(index: number, core: Core): void {
    this.batchable[index] = this.atOnce ? 0 : 1;
    this.syncHeld(index, core);
  }

  /** The node's core stopped (after flush: nothing is kept back for it). */
  stop(index: number): void {
    this.batchable[index] = 0;
    this.timerAt[index] = Infinity;
    this.setHeld(index, undefined);
  }

  /** The node's timer is now at `at` (Infinity: none). */
  noteTimer(index: number, at: number): void {
    this.timerAt[index] = at;
  }

  /**
   * What of a peer's multicast may wait: INQUIRE and UPDATECLAIM from the node that sent
   * them, every timeout a second or more. The rest of the promise (Core.heldIndexes) is
   * checked per receiver at delivery. Mesh and block range are not checked again here:
   * every core of a simulation is made from one SimOptions.coreConfig, so no peer speaks
   * of another mesh or a block outside it, and a core that did would have its receivers'
   * drops caught by flush as effects of a batch.
   */
  keepBackOf(senderId: NodeId, msg: DdhcpMessage): KeepBack | undefined {
    if (this.atOnce || msg.nodeId !== senderId) return undefined;
    let blocks: readonly number[];
    let timeoutMs: Millis;
    if (msg.command === DdhcpCommand.UpdateClaim) {
      blocks = msg.claims.map((c) => c.blockIndex);
      timeoutMs = Math.min(...msg.claims.map((c) => c.timeoutSec * 1000));
    } else if (msg.command === DdhcpCommand.Inquire) {
      blocks = msg.blocks;
      timeoutMs = this.tentativeTimeoutMs;
    } else return undefined;
    if (blocks.length === 0 || timeoutMs < 1000) return undefined;
    return { blocks, withinMs: timeoutMs - 1 };
  }

  /** Other nodes than `from` holding a block `keep` names; none for nothing to keep. */
  holdersOf(keep: KeepBack | undefined, from: number): readonly number[] {
    if (keep === undefined) return NOBODY;
    let out: number[] | undefined;
    for (const b of keep.blocks) {
      const list = this.holders.get(b);
      if (list === undefined) continue;
      for (const n of list) if (n !== from) (out ??= []).push(n);
    }
    return out ?? NOBODY;
  }

  /**
   * Before its timer is due and holding none of the blocks, the node's core would do nothing
   * with a delivery at `now` but note it. (The caller passes the clock: a wave asks this for
   * each of up to 999 receivers.)
   */
  mayKeep(to: number, holders: readonly number[], now: Millis): boolean {
    return this.batchable[to] === 1 && now < (this.timerAt[to] as number) && (holders.length === 0 || !holders.includes(to));
  }

  /** A record of `input` delivered at `now`, for keepBack; one serves every receiver of a wave. */
  record(input: Input, now: Millis): number {
    this.log ??= new DeliveryLog(this.sim.nodes.length, () => this.oldestKept());
    return this.log.append(now, input);
  }

  /** Keeps record `rec`, delivered at `now`, back for node `to`, to be handed over within keep.withinMs. */
  keepBack(to: number, rec: number, keep: KeepBack, now: Millis): void {
    (this.log as DeliveryLog).mark(rec, to);
    if ((this.firstKept[to] as number) < 0) this.firstKept[to] = rec;
    const by = now + keep.withinMs;
    if (by >= (this.keptUntil[to] as number)) return;
    this.keptUntil[to] = by;
    // The node's timer comes first otherwise, and hands the batch over then.
    if (!((this.timerAt[to] as number) <= by)) {
      const gen = (this.flushGen[to] as number) + 1;
      this.flushGen[to] = gen;
      this.queue.push(by, { kind: 'flush', node: to, gen });
    }
  }

  /** A flush event came due: hands the batch over unless it went before. */
  onFlushEvent(index: number, gen: number): void {
    if (this.flushGen[index] === gen) this.flush(index);
  }

  /** Hands the node, in order and each at its own time, every delivery kept back for it. */
  flush(index: number): void {
    const first = this.firstKept[index] as number;
    if (first < 0) return;
    this.firstKept[index] = -1;
    this.keptUntil[index] = Infinity;
    this.flushGen[index] = (this.flushGen[index] as number) + 1;
    const sim = this.sim;
    const node = sim.nodes[index] as SimNode;
    const core = node.core as Core;
    const inputs = this.batchInputs;
    const times = this.batchTimes;
    const count = (this.log as DeliveryLog).collect(index, first, inputs, times);
    sim.counters.inputs += count;
    sim.counters.keptBack += count;
    const effects = core.handleMany(inputs, times, count);
    if (effects.length > 0) {
      sim.fail(`node ${index}: deliveries kept back from t=${times[0]} had effects (${effects.map((e) => (e.kind === 'event' ? e.event.kind : e.kind)).join(', ')}), against Core.heldIndexes`);
    }
    const next = core.nextDeadline();
    if (next !== undefined && next !== node.timerAt && next <= sim.now) sim.fail(`node ${index}: deliveries kept back armed a timer for t=${next}, not after now, against Core.heldIndexes`);
    this.armTimer(node, next);
  }

  /** After every input the core took: follows what it holds. */
  syncHeld(index: number, core: Core): void {
    if (this.batchable[index] !== 1) return;
    const held = core.heldIndexes();
    if (held !== this.heldSeen[index]) this.setHeld(index, held);
  }

  private oldestKept(): number {
    let oldest = Infinity;
    for (const rec of this.firstKept) if (rec >= 0 && rec < oldest) oldest = rec;
    return oldest;
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
}
