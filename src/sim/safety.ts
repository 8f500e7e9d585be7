// The claim-safety scenarios and their strict judgement, shared by
// test/sim/claim-safety.test.ts (a few seeds each) and bench/sim-safety-sweep.ts (many).
// Strict: no two connected nodes ever own one block at once, however briefly, and no
// address is held by two clients with both leases valid, whatever explains it. The only
// excuses are named in `judge` and counted apart.

import type { Duplicate } from './addresses';
import type { SimRun } from './run';
import { DEFAULT_SCENARIO, type Scenario } from './scenario';

/** C's default timers with the package's block size, clients resending every second, strict duplicates. */
export const SAFETY_BASE: Scenario = {
  ...DEFAULT_SCENARIO,
  nodes: 25, minutes: 15, quiet: 180, auditEvery: 60,
  blockSizePow: 2, tentativeTimeout: 15, blockTimeout: 60, spareLeases: 2, leaseTime: 300,
  strict: 1, clientRetry: 1000,
  loss: 0, duplicate: 0, churn: 0, lateFraction: 0, clientsPerNodeHour: 40, clientStay: 900,
};

const LOSSY: Partial<Scenario> = { duplicate: 0.02, latencyMin: 1, latencyMax: 300, spike: 0.02, spikeMax: 4000 };

/** Each family by name: the scenario for a seed. */
export const SAFETY_SCENARIOS = {
  // 25 nodes on 128 blocks of 4: clients fill a third of it, so claims meet often.
  loss5: (seed: number): Scenario => ({ ...SAFETY_BASE, ...LOSSY, seed, loss: 0.05, prefixLen: 23 }),
  loss20: (seed: number): Scenario => ({ ...SAFETY_BASE, ...LOSSY, seed, loss: 0.2, prefixLen: 23 }),
  // Crowds of 20 at ten of 25 nodes in the same millisecond, on 256 blocks of 4.
  crowdsLoss5: (seed: number): Scenario => ({ ...SAFETY_BASE, ...LOSSY, seed, loss: 0.05, prefixLen: 22, clientsPerNodeHour: 10, crowd: 20, crowdNodes: 10, crowdAt: 200 }),
  crowdsLoss20: (seed: number): Scenario => ({ ...SAFETY_BASE, ...LOSSY, seed, loss: 0.2, prefixLen: 22, clientsPerNodeHour: 10, crowd: 20, crowdNodes: 10, crowdAt: 200 }),
  // Not strict: duplicates made inside the split are counted apart (judge).
  partition: (seed: number): Scenario => ({
    ...SAFETY_BASE, seed, prefixLen: 22, loss: 0.02, latencyMax: 100, partitionAt: 180, partitionFor: 300, partitionFraction: 0.4, clientsPerNodeHour: 60, strict: 0,
  }),
  // Everyone in the same millisecond without state, a crowd at node 0 at once; 64 blocks.
  sameInstant2: (seed: number): Scenario => sameInstant(seed, 2, 1),
  sameInstant20: (seed: number): Scenario => sameInstant(seed, 20, 1),
  sameInstant20NoLearning: (seed: number): Scenario => sameInstant(seed, 20, 0),
  // Ten clients at every one of 20 nodes in the millisecond they all start, on 128 blocks.
  sameInstantEveryNode: (seed: number): Scenario => ({ ...sameInstant(seed, 20, 1), prefixLen: 23, crowd: 10, crowdNodes: 20 }),
  // A fifth C nodes, with churn and loss; half C nodes started at once.
  mixedChurn: (seed: number): Scenario => ({
    ...SAFETY_BASE, seed, minutes: 10, quiet: 150, nodes: 20, cNodes: 4, loss: 0.05, latencyMax: 150, churn: 2, downMin: 10, downMax: 120, prefixLen: 23,
  }),
  mixedSameInstant: (seed: number): Scenario => ({ ...SAFETY_BASE, seed, minutes: 10, quiet: 150, nodes: 10, cNodes: 5, startSpread: 0, learning: 0, prefixLen: 24, crowd: 30 }),
  // A busy mesh, where C claims within a few received multicasts: 50 nodes, 10 of them C,
  // churn with fresh restarts of the C nodes (C keeps no state), crowds at 20 of ours.
  mixedBusy: (seed: number): Scenario => ({
    ...SAFETY_BASE, ...LOSSY, seed, minutes: 10, quiet: 150, nodes: 50, cNodes: 10, loss: 0.05, churn: 2, downMin: 10, downMax: 90, prefixLen: 22,
    clientsPerNodeHour: 20, crowd: 10, crowdNodes: 20, crowdAt: 240,
  }),
  // Crowds of 20 at our 15 nodes while 5 C nodes claim beside them, 10 % loss, 128 blocks.
  mixedCrowdsLoss: (seed: number): Scenario => ({
    ...SAFETY_BASE, ...LOSSY, seed, minutes: 10, quiet: 150, nodes: 20, cNodes: 5, loss: 0.1, prefixLen: 23, clientsPerNodeHour: 10, crowd: 20, crowdNodes: 15, crowdAt: 100,
  }),
  // 100 nodes, ~170 clients renewing; every node restarts within 10 virtual minutes, down 10-120 s.
  massRebootWithState: (seed: number): Scenario => ({ ...massReboot(seed), rebootAllFresh: 0 }),
  massRebootFresh: (seed: number): Scenario => massReboot(seed),
  crowd150: (seed: number): Scenario => ({ ...SAFETY_BASE, seed, nodes: 5, minutes: 20, prefixLen: 22, clientsPerNodeHour: 0, crowd: 150, crowdAt: 120, learning: 0 }),
  steady50: (seed: number): Scenario => ({
    ...SAFETY_BASE, seed, nodes: 5, minutes: 6, quiet: 120, prefixLen: 20, loss: 0.05, clientsPerNodeHour: 0, arrivalRate: 50, arrivalAt: 120, arrivalFor: 20, giveUp: 3, learning: 0,
  }),
  // 5000 MACs at 500/s at node 0 of 8, on 256 blocks of 4.
  flood: (seed: number): Scenario => ({ ...SAFETY_BASE, seed, nodes: 8, minutes: 6, quiet: 60, prefixLen: 22, clientsPerNodeHour: 0, flood: 5000, floodAt: 150, floodRate: 500, giveUp: 3 }),
} as const;

export type SafetyFamily = keyof typeof SAFETY_SCENARIOS;

function sameInstant(seed: number, nodes: number, learning: number): Scenario {
  return { ...SAFETY_BASE, seed, nodes, learning, minutes: 8, quiet: 120, startSpread: 0, prefixLen: 24, clientsPerNodeHour: 0, crowd: 40, crowdAt: 0 };
}

function massReboot(seed: number): Scenario {
  return {
    ...SAFETY_BASE, seed, nodes: 100, minutes: 25, quiet: 180, prefixLen: 21, loss: 0.02, clientsPerNodeHour: 10, clientStay: 36000,
    rebootAllAt: 240, rebootAllOver: 600, downMin: 10, downMax: 120,
  };
}

export interface Verdict {
  /** Broken invariants, one line each; empty when the run is safe. */
  readonly problems: readonly string[];
  /** Islands of a partition leasing one address on each side: no protocol prevents it; counted, not judged. */
  readonly duplicatesInsideSplit: number;
  /** Double ownerships between two C nodes (their shared id zero): C's, counted, not judged. */
  readonly cConflicts: number;
}

/**
 * The strict judgement. With a partition, a duplicate made inside the split while two
 * islands owned the block is excused; one made before or after it is not.
 */
export function judge(run: SimRun, s: Scenario): Verdict {
  const f = run.figures;
  const problems: string[] = [];
  if (f.doubleOwnedMoments > 0) problems.push(`${f.doubleOwnedMoments} double ownerships between connected nodes (longest ${f.maxConflictMs} ms)`);
  const dups = run.sim.addresses.duplicates;
  const excused = s.partitionAt >= 0 ? dups.filter((d) => insideSplit(d, s)) : [];
  const judged = dups.filter((d) => !excused.includes(d));
  if (judged.length > 0) {
    const causes = ['bug', 'ownerChanged', 'contested'].map((c) => `${judged.filter((d) => d.cause === c).length} ${c}`).join(', ');
    problems.push(`${judged.length} addresses held by two clients at once (${causes}), first at t=${((judged[0] as Duplicate).at / 1000).toFixed(3)} s`);
  }
  if (f.convergence.count > 0) problems.push(`${f.convergence.count} convergence disagreements: ${f.convergence.examples.slice(0, 3).join('; ')}`);
  if (f.audit.count > 0) problems.push(`${f.audit.count} event/view mismatches: ${f.audit.examples.slice(0, 3).join('; ')}`);
  return { problems, duplicatesInsideSplit: excused.length, cConflicts: f.doubleOwnedBetweenCNodes };
}

function insideSplit(d: Duplicate, s: Scenario): boolean {
  return d.cause === 'contested' && d.at >= s.partitionAt * 1000 && d.at <= (s.partitionAt + s.partitionFor) * 1000;
}
