// Runs a Scenario end to end: schedules it, steps the simulator through the
// virtual time with periodic audits, checks convergence in the quiet tail, and
// condenses the counters into the figures `make sim` and bench/ print.

import type { Millis } from '../core/types';
import { auditOwnershipEvents, findDisagreements, type Disagreements } from './convergence';
import { createSimulator, scheduleScenario, type Scenario } from './scenario';
import type { CoreFactory } from './sim-node';
import type { Simulator } from './simulator';
import type { WorkloadFigures } from './workloads';

export interface SimFigures {
  readonly nodes: number;
  readonly virtualMinutes: number;
  readonly events: number;
  readonly coreInputs: number;
  /** Seconds from a node's first start until it first had its spare leases: worst and median. */
  readonly readyMaxSec: number | undefined;
  readonly readyMedianSec: number | undefined;
  readonly neverReady: number;
  readonly doubleOwnedMoments: number;
  readonly partitionConflicts: number;
  readonly maxConflictMs: number;
  /** Double ownerships between two C nodes (SimOptions.exemptPair): C's own, reported apart. */
  readonly doubleOwnedBetweenCNodes: number;
  /** Addresses ACKed to a second client while the first held them, unexplained. */
  readonly duplicateAddresses: number;
  /** The same, after the block changed hands or its owner lost its state (the protocol cannot prevent these). */
  readonly duplicatesAfterOwnerChange: number;
  /** The same, while two nodes owned the block (split brain across a partition). */
  readonly duplicatesWhileContested: number;
  /** Every address ACKed to a second client while the first one's lease lasted, whatever explains it. */
  readonly duplicatesAny: number;
  readonly mcastPacketsPerNodeMin: number;
  readonly mcastBytesPerNodeMin: number;
  readonly unicastPacketsPerNodeMin: number;
  /** Timer inputs per node per minute: a daemon's own wake-ups (idle cost). */
  readonly wakeupsPerNodeMin: number;
  readonly clients: number;
  /** Seconds from DISCOVER to ACK once the mesh is warm (after start-up and learning): median, 99th percentile, worst. */
  readonly waitMedianSec: number | undefined;
  readonly waitP99Sec: number | undefined;
  readonly waitMaxSec: number | undefined;
  readonly acks: number;
  readonly ackInUnownedBlock: number;
  readonly blocksOwned: number;
  readonly convergence: Disagreements;
  readonly audit: Disagreements;
  readonly dropped: Readonly<Record<string, number>>;
  /** Unicasts to an address no node has, and DHCP replies no client could take. */
  readonly unroutable: number;
  readonly strayReplies: number;
}

export interface SimRun {
  readonly sim: Simulator;
  readonly figures: SimFigures;
  readonly workload: WorkloadFigures;
}

/** Runs the scenario; throws SimInvariantError (with the replay command) on a broken invariant. */
export function runScenario(s: Scenario, createCore: CoreFactory): SimRun {
  const sim = createSimulator(s, createCore);
  const workloads = scheduleScenario(sim, s);
  const endMs = s.minutes * 60000;
  let auditProblems = 0;
  const auditExamples: string[] = [];
  const step = s.auditEvery > 0 ? s.auditEvery * 1000 : endMs;
  for (let t = Math.min(step, endMs); ; t = Math.min(t + step, endMs)) {
    sim.runUntil(t);
    const audit = auditOwnershipEvents(sim);
    auditProblems += audit.count;
    auditExamples.push(...audit.examples.slice(0, Math.max(0, 10 - auditExamples.length)));
    if (t >= endMs) break;
  }
  const graceMs = s.blockTimeout * 1000 + 4 * s.latencyMax;
  const convergence = findDisagreements(sim, graceMs);
  // Before this, clients mostly wait for nodes still in their learning phase.
  const warmMs = s.startSpread * 1000 + 2 * s.blockTimeout * 1000;
  return { sim, figures: summarize(sim, convergence, { count: auditProblems, examples: auditExamples }, warmMs), workload: workloads.figures() };
}

export function summarize(sim: Simulator, convergence: Disagreements, audit: Disagreements, warmMs: Millis): SimFigures {
  const c = sim.counters;
  const nodeMinutes = Math.max(1, sim.nodes.length) * (sim.now / 60000 || 1);
  const ready = sim.nodes.map((n) => n.firstReadyDelayMs).filter((d): d is Millis => d !== undefined).sort((a, b) => a - b);
  const started = sim.nodes.filter((n) => n.everStarted).length;
  const own = sim.ownership.figures;
  const dups = sim.addresses.duplicates;
  const waits = c.waits.filter((w) => w.since >= warmMs).map((w) => w.ms).sort((a, b) => a - b);
  return {
    nodes: sim.nodes.length,
    virtualMinutes: sim.now / 60000,
    events: c.events,
    coreInputs: c.inputs,
    readyMaxSec: ready.length > 0 ? (ready[ready.length - 1] as number) / 1000 : undefined,
    readyMedianSec: ready.length > 0 ? (ready[Math.floor(ready.length / 2)] as number) / 1000 : undefined,
    neverReady: started - ready.length,
    doubleOwnedMoments: own.doubleOwnedMoments,
    partitionConflicts: own.partitionConflicts,
    maxConflictMs: own.maxConflictMs,
    doubleOwnedBetweenCNodes: own.exemptMoments,
    duplicateAddresses: dups.filter((d) => d.cause === 'bug').length,
    duplicatesAfterOwnerChange: dups.filter((d) => d.cause === 'ownerChanged').length,
    duplicatesWhileContested: dups.filter((d) => d.cause === 'contested').length,
    duplicatesAny: dups.length,
    mcastPacketsPerNodeMin: c.mcastPackets / nodeMinutes,
    mcastBytesPerNodeMin: c.mcastBytes / nodeMinutes,
    unicastPacketsPerNodeMin: c.ucastPackets / nodeMinutes,
    wakeupsPerNodeMin: c.timerInputs / nodeMinutes,
    clients: sim.clients.length,
    waitMedianSec: quantile(waits, 0.5),
    waitP99Sec: quantile(waits, 0.99),
    waitMaxSec: quantile(waits, 1),
    acks: c.acks,
    ackInUnownedBlock: c.ackInUnownedBlock,
    blocksOwned: sim.ownership.allOwned().size,
    convergence,
    audit,
    dropped: { ...c.dropped },
    unroutable: c.unroutable,
    strayReplies: c.strayReplies,
  };
}

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) / 1000;
}
