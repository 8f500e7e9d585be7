// createCore: the one entry point of the pure protocol core. It routes each
// input (with its `now`) to the handler that owns it, runs what fell due, and
// returns the effects. No IO, clock or randomness of its own (docs/protocol.md).

import type { DdhcpMessage } from '../wire/ddhcp-message';
import { DdhcpCommand } from '../wire/ddhcp-message';
import { handleInquire, handleUpdateClaim } from './consensus';
import { handleDhcp, handleProbeReply } from './dhcp';
import { handleLeaseReply, handleRelease, handleRenewLease } from './forward';
import { LEARNING_TIMER, runDue, SPARE_TIMER } from './housekeeping';
import { makeGeometry } from './ipv4';
import { restoreSnapshot, takeCompactSnapshot, takeSnapshot } from './snapshot';
import type { NodeState, Step } from './state';
import { createState, drop, heldIndexes } from './state';
import type { Command, CompactSnapshot, Core, CoreConfig, CoreView, Effect, Input, Millis, PersistedState, Rng } from './types';
import { makeView } from './view';

const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

export function createCore(cfg: CoreConfig, rng: Rng, now: Millis, restored?: PersistedState): Core {
  const st = createState(cfg, rng, makeGeometry(cfg.prefix, cfg.prefixLen, cfg.blockSizePow));
  if (cfg.learning) {
    st.learningUntil = now + cfg.blockTimeoutSec * 1000;
    st.timers.set(LEARNING_TIMER, st.learningUntil);
  }
  st.timers.set(SPARE_TIMER, now);
  if (restored !== undefined) restoreSnapshot(st, restored, now);
  // One step object for every call (its `now` is the latest input's): most inputs, a
  // peer's claim we already knew, have no effects and then return NO_EFFECTS.
  const core: CoreObject = { st, step: { now, out: [] }, handle, nextDeadline, view, snapshot, snapshotCompact, heldIndexes: held, handleMany };
  return core;
}

/**
 * What createCore returns: per-core fields and functions shared by every core. A call
 * reaches the state without a closure context, one cache miss fewer per input in a
 * simulated mesh of 1000 cores; and `{ ...core, handle }` wraps a core as before.
 */
interface CoreObject extends Core {
  readonly st: NodeState;
  readonly step: Step;
}

function handle(this: CoreObject, input: Input, at: Millis): readonly Effect[] {
  const { st, step } = this;
  // Inputs must carry non-decreasing time; a late one is treated as happening now.
  step.now = Math.max(step.now, at);
  runDue(st, step);
  routeInput(st, step, input);
  runDue(st, step);
  const out = step.out;
  if (out.length === 0) return NO_EFFECTS;
  step.out = [];
  return out;
}

/**
 * A random slot costs a miss to memory when a thousand simulated cores share the cache;
 * reading the whole table in order costs less than that once a batch touches more than
 * a sixteenth of it.
 */
const WARM_FRACTION = 16;

function handleMany(this: CoreObject, inputs: readonly Input[], at: readonly Millis[], count: number): readonly Effect[] {
  if (count * WARM_FRACTION >= this.st.foreign.capacity) this.st.foreign.warm();
  let out: Effect[] | undefined;
  for (let i = 0; i < count; i++) {
    const effects = this.handle(inputs[i] as Input, at[i] as Millis);
    if (effects.length > 0) (out ??= []).push(...effects);
  }
  return out ?? NO_EFFECTS;
}

function nextDeadline(this: CoreObject): Millis | undefined {
  return this.st.spareDirty ? this.step.now : this.st.timers.peek();
}

function held(this: CoreObject): readonly number[] {
  return heldIndexes(this.st);
}

function view(this: CoreObject): CoreView {
  return makeView(this.st);
}

function snapshot(this: CoreObject, at: Millis): PersistedState {
  return takeSnapshot(this.st, at);
}

function snapshotCompact(this: CoreObject, at: Millis): CompactSnapshot {
  return takeCompactSnapshot(this.st, at);
}

function routeInput(st: NodeState, step: Step, input: Input): void {
  switch (input.kind) {
    case 'timer':
      return;
    case 'ddhcp':
      return routeDdhcp(st, step, input.from, input.msg);
    case 'dhcp':
      return handleDhcp(st, step, input.msg);
    case 'command':
      return runCommand(st, input.cmd);
    case 'probeReply':
      return handleProbeReply(st, step, input.ip, input.mac);
    case 'link':
      st.clientAddress = input.clientAddress;
      st.reservedCache = undefined;
      // The server identifier is a reserved address: the spare count may change.
      st.spareDirty = true;
      return;
  }
}

function routeDdhcp(st: NodeState, step: Step, from: string, msg: DdhcpMessage): void {
  const g = st.geo;
  if (msg.prefix !== g.prefix || msg.prefixLen !== g.prefixLen || msg.blockSize !== g.blockSize) {
    return drop(step, 'foreignMesh');
  }
  switch (msg.command) {
    case DdhcpCommand.UpdateClaim:
      if (isOwnId(st, msg.nodeId)) return drop(step, 'ownMulticast');
      return handleUpdateClaim(st, step, from, msg.nodeId, msg.claims);
    case DdhcpCommand.Inquire:
      if (isOwnId(st, msg.nodeId)) return drop(step, 'ownMulticast');
      return handleInquire(st, step, from, msg.nodeId, msg.blocks);
    case DdhcpCommand.RenewLease:
      return handleRenewLease(st, step, from, msg);
    case DdhcpCommand.LeaseAck:
      return handleLeaseReply(st, step, msg, true);
    case DdhcpCommand.LeaseNak:
      return handleLeaseReply(st, step, msg, false);
    case DdhcpCommand.Release:
      return handleRelease(st, step, from, msg);
  }
}

/**
 * Whether a message carries our own id. Ids differ in their last digit 15 times in 16, and
 * that test is inline; comparing two distinct strings is a call into V8 (in a mesh of 1000
 * nodes, a tenth of handling a peer's refresh).
 */
function isOwnId(st: NodeState, id: string): boolean {
  const own = st.cfg.nodeId;
  if (id.length !== own.length) return false;
  return (id.length === 0 || id.charCodeAt(id.length - 1) === own.charCodeAt(own.length - 1)) && id === own;
}

function runCommand(st: NodeState, cmd: Command): void {
  if (cmd.kind === 'setOption') {
    const entry = { code: cmd.option.code, payload: cmd.option.payload.slice() };
    const at = st.options.findIndex((o) => o.code === entry.code);
    if (at >= 0) st.options[at] = entry;
    else st.options.push(entry);
  } else {
    st.options = st.options.filter((o) => o.code !== cmd.code);
  }
  // Options 3 and 54 decide reserved addresses.
  st.reservedCache = undefined;
  st.spareDirty = true;
}
