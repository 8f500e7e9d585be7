// Invariant 3 and a cross-check of the event stream: once partitions heal and
// loss stops, every running node must agree on every block's owner; and the
// blocks a core reports as 'ours' must match what its events told the tracker.

import type { Simulator } from './simulator';

const MAX_LISTED = 20;

export interface Disagreements {
  readonly count: number;
  /** The first few, for the failure message. */
  readonly examples: readonly string[];
}

/**
 * Every running node's view of every owned block names the true owner. A claim
 * for a block nobody owns is stale, and tolerated only while it can still be
 * within its announced timeout (`graceMs` after the owner gave it up or stopped).
 */
export function findDisagreements(sim: Simulator, graceMs: number): Disagreements {
  const problems = collector();
  const truth = new Map<number, string>();
  for (const [block, owners] of sim.ownership.allOwned()) {
    if (owners.length > 1) problems.add(`block ${block} is ours at nodes [${owners.join(', ')}]`);
    const owner = owners[0];
    if (owner !== undefined) truth.set(block, sim.nodeAt(owner).nodeId);
  }
  for (const node of sim.nodes) {
    const core = node.core;
    if (core === undefined) continue;
    const seen = new Set<number>();
    for (const b of core.view().blocks()) {
      const owner = b.state === 'ours' ? node.nodeId : b.state === 'claimed' ? b.owner : undefined;
      if (owner === undefined) continue;
      seen.add(b.index);
      const expected = truth.get(b.index);
      if (expected === undefined) {
        const freedAt = sim.ownership.freedAt(b.index);
        if (freedAt !== undefined && sim.now - freedAt <= graceMs) continue;
        problems.add(`node ${node.index} sees block ${b.index} as ${b.state} by ${owner}, but no running node owns it`);
      } else if (owner !== expected) problems.add(`node ${node.index} sees block ${b.index} owned by ${owner}, owner is ${expected}`);
    }
    for (const block of truth.keys()) {
      if (!seen.has(block)) problems.add(`node ${node.index} does not know block ${block} is owned by ${truth.get(block) ?? '?'}`);
    }
  }
  return problems.result();
}

/** The tracker (built from blockOwned/blockLost/blockGivenBack events) against each core's view. */
export function auditOwnershipEvents(sim: Simulator): Disagreements {
  const problems = collector();
  for (const node of sim.nodes) {
    const tracked = sim.ownership.blocksOf(node.index);
    const core = node.core;
    if (core === undefined) {
      if (tracked.size > 0) problems.add(`stopped node ${node.index} still tracked as owner of ${tracked.size} blocks`);
      continue;
    }
    const ours = new Set(core.view().blocks().filter((b) => b.state === 'ours').map((b) => b.index));
    for (const b of ours) if (!tracked.has(b)) problems.add(`node ${node.index} owns block ${b} without a blockOwned event`);
    for (const b of tracked) if (!ours.has(b)) problems.add(`node ${node.index} no longer owns block ${b} but sent no blockLost/blockGivenBack`);
  }
  return problems.result();
}

function collector(): { add(msg: string): void; result(): Disagreements } {
  const examples: string[] = [];
  let count = 0;
  return {
    add(msg) {
      count++;
      if (examples.length < MAX_LISTED) examples.push(msg);
    },
    result: () => ({ count, examples }),
  };
}
