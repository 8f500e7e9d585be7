// One simulated mesh node: its address, its current core (undefined while
// stopped), its single timer slot and its traffic counters. What it keeps
// across a stop is the daemon's state file, written and read back by the
// daemon's own codec (saveStateFile, loadStateFile), so a simulated restart
// restores exactly what a real one would.

import type { CompactSnapshot, Core, CoreConfig, Effect, Input, Millis, NodeId, PersistedState, Rng } from '../core/types';
import { decodeStateFile } from '../persist/state-file';
import { toPersisted } from '../persist/restart-policy';
import { encodeCompactChunks } from '../persist/state-file-chunks';
import { Statistics } from '../driver/stats';
import type { Sink } from '../driver/perform';
import type { SimRng } from './rng';

export type CoreFactory = (cfg: CoreConfig, rng: Rng, now: Millis, restored?: PersistedState) => Core;

export class SimNode {
  core: Core | undefined;
  /** The timer event currently armed, and its generation (stale timer events are skipped). */
  timerAt: Millis | undefined;
  timerGen = 0;
  /** Consecutive timer inputs after which the core still had a deadline at or before now. */
  spins = 0;
  startedAt: Millis | undefined;
  stoppedAt: Millis | undefined;
  /** The core's snapshot at the last stop, as it was (a test restores it unaged to show what ageing prevents). */
  saved: PersistedState | undefined;
  /** The state file written at the last stop (saveStateFile). */
  savedFile: string | undefined;
  /** First start to first having the spare leases; undefined until then. */
  firstReadyDelayMs: Millis | undefined;
  readyThisRun = false;
  everStarted = false;
  /** The daemon's counters, filled by the shared perform path. */
  readonly stats = new Statistics();
  /** Where driver/perform.ts delivers this node's encoded effects; set by the simulator. */
  sink: Sink | undefined;
  mcastPackets = 0;
  mcastBytes = 0;
  ucastPackets = 0;
  ucastBytes = 0;

  constructor(
    readonly index: number,
    public nodeId: NodeId,
    readonly address: string,
    readonly rng: SimRng,
  ) {}

  get isUp(): boolean {
    return this.core !== undefined;
  }
}

/** fe80::1 for node 0, fe80::2 for node 1, ... */
export function nodeAddress(index: number): string {
  return `fe80::${(index + 1).toString(16)}`;
}

/**
 * The virtual clock as a wall clock: the file holds wall-clock ms since the epoch, and the
 * decoder wants them plausible. A simulated restart is a router reboot (a new boot id), so
 * the downtime is measured on this clock, as the daemon does after a reboot.
 */
const SIM_EPOCH_WALL_MS = 1_700_000_000_000;

/** The state file the daemon writes at stop (persist/state-store.ts, from the compact snapshot). */
export function saveStateFile(core: Core, now: Millis): string {
  const chunks = encodeCompactChunks(core.snapshotCompact(now), SIM_EPOCH_WALL_MS + now, undefined, Number.POSITIVE_INFINITY);
  const decoder = new TextDecoder();
  let text = '';
  // Each chunk is a view of a buffer the next one overwrites: decode it before asking for more.
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** What the daemon's loadState makes of the file at `now`; a file our own encoder wrote must decode. */
export function loadStateFile(text: string, now: Millis): PersistedState {
  const decoded = decodeStateFile(text);
  if (!decoded.ok) throw new Error(`decodeStateFile rejected a state file saveStateFile wrote: ${JSON.stringify(decoded.error)}`);
  return toPersisted(decoded.value, SIM_EPOCH_WALL_MS + now);
}

// For model cores that batch nothing and keep no leases (the C model, test doubles).

/** Core.handleMany as `handle` for each input in turn, the effects joined. */
export function handleInTurn(handle: Core['handle'], inputs: readonly Input[], at: readonly Millis[], count: number): readonly Effect[] {
  const out: Effect[] = [];
  for (let i = 0; i < count; i++) out.push(...handle(inputs[i] as Input, at[i] as Millis));
  return out;
}

/** Core.heldIndexes for a core that promises nothing about what it ignores: every block, so nothing is kept back for it. */
export function everyBlockIndex(numBlocks: number): readonly number[] {
  return Object.freeze(Array.from({ length: numBlocks }, (_, i) => i));
}

/** Core.snapshotCompact for a core whose snapshots hold no leases. */
export function compactWithoutLeases(state: PersistedState): CompactSnapshot {
  const { leases: _none, ...head } = state;
  return { head, leases: { count: 0, ip: new Uint32Array(0), state: new Uint8Array(0), remainingMs: new Float64Array(0), chaddr: new Uint8Array(0) } };
}
