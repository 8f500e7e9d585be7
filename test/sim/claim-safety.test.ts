// Safety of block claiming under everything that makes two nodes want one block: loss,
// delay and reordering, a partition that heals, nodes started in the same millisecond,
// C daemons in the mesh, every node rebooting, crowds, a steady stream of new clients, a
// flood. The scenarios and the strict judgement are src/sim/safety.ts: no two connected
// nodes ever own one block at once, however briefly, and no address is ever held by two
// clients with both leases valid, whatever explains it. A failure prints the
// `npm run sim` flags that replay it; bench/sim-safety-sweep.ts runs many more seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../src/core/node';
import { runScenario, type SimRun } from '../../src/sim/run';
import { C_NODE_ID } from '../../src/sim/c-node';
import { SAFETY_SCENARIOS, judge, type SafetyFamily } from '../../src/sim/safety';
import { formatReplay, type Scenario } from '../../src/sim/scenario';
import { SimInvariantError } from '../../src/sim/sim-types';

type Diagnose = { diagnostic(msg: string): void };

function brief(run: SimRun): string {
  const f = run.figures;
  return `acks ${f.acks}, blocks ${f.blocksOwned}, partition conflicts ${f.partitionConflicts}, wait p99 ${f.waitP99Sec ?? 'n/a'} s, mcast ${f.mcastPacketsPerNodeMin.toFixed(2)}/node/min`;
}

/** Runs the family's scenario for `seed` and asserts the strict verdict. */
function check(t: Diagnose, family: SafetyFamily, seed: number, change: Partial<Scenario> = {}): SimRun {
  const s: Scenario = { ...SAFETY_SCENARIOS[family](seed), ...change };
  const run = runScenario(s, createCore);
  const verdict = judge(run, s);
  t.diagnostic(`${formatReplay(s)}: ${brief(run)}, duplicates inside a split ${verdict.duplicatesInsideSplit}, C-C conflicts ${verdict.cConflicts}`);
  assert.deepEqual(verdict.problems, [], `replay: ${formatReplay(s)}`);
  return run;
}

/** Whether the strict verdict finds a problem (the simulator throws at a duplicate nothing excuses). */
function unsafe(s: Scenario): boolean {
  try {
    return judge(runScenario(s, createCore), s).problems.length > 0;
  } catch (e) {
    if (e instanceof SimInvariantError) return true;
    throw e;
  }
}

test('5 % and 20 % loss with duplication, delay spikes and reordering, on a crowded network', (t) => {
  for (const family of ['loss5', 'loss20'] as const) {
    for (const seed of [1, 2]) {
      const run = check(t, family, seed);
      assert.ok(run.figures.acks > 100, `clients were served: ${run.figures.acks}`);
    }
  }
});

test('5 % and 20 % loss while crowds arrive at ten nodes at once: their demand-driven claims meet', (t) => {
  for (const family of ['crowdsLoss5', 'crowdsLoss20'] as const) {
    for (const seed of [3, 4]) {
      const run = check(t, family, seed);
      assert.equal(run.workload.crowdWaitsSec.length, 200, 'every client of the crowds was leased');
    }
  }
});

// Islands that cannot hear each other may claim one block and lease one address in it to
// a client on each side: no protocol can prevent that, so those duplicates (both ACKs
// inside the split, while two islands owned the block) are counted, not failed. Nothing
// else is excused: no block doubled between connected nodes, every node agreeing on every
// owner once healed, and (the TODO below) no address handed out again after the heal.
test('a partition that heals, with clients arriving on both sides', (t) => {
  for (const seed of [1, 2, 3]) {
    const s = SAFETY_SCENARIOS.partition(seed);
    const run = runScenario(s, createCore);
    const problems = judge(run, s).problems.filter((p) => !/addresses held by two clients/.test(p));
    t.diagnostic(`${formatReplay(s)}: ${brief(run)}; ${judge(run, s).problems.join('; ') || 'no problems'}`);
    assert.deepEqual(problems, [], `replay: ${formatReplay(s)}`);
    assert.equal(run.figures.duplicateAddresses, 0, `a duplicate no owner change explains; replay: ${formatReplay(s)}`);
    assert.ok(run.figures.acks > 100, `clients were served: ${run.figures.acks}`);
  }
});

// After the heal the winner of a block both islands owned must not hand out the addresses
// the loser's clients hold: the loser hands its leases over as RENEWLEASEs the moment it
// learns it lost (forward.ts handOverLeases). Seeds 3, 4 and 8 re-leased such addresses
// before that (1, 7 and 1 duplicates); the two clients of a duplicate made inside the split
// keep renewing until one is NAKed, which the judge excuses for one lease time (safety.ts).
test('after a partition heals, the winner of a split block keeps the loser\'s leases from other clients', () => {
  for (const seed of [3, 4, 8]) {
    const s = SAFETY_SCENARIOS.partition(seed);
    assert.deepEqual(judge(runScenario(s, createCore), s).problems, [], `replay: ${formatReplay(s)}`);
  }
});

// Between the heal and the first UPDATECLAIM that tells the two owners of a block of each
// other (up to a refresh, B/4), either could lease an address the other leased inside the
// split: seeds 1 and 9 of 20 did before the probe. Now a fresh address is probed (ARP)
// before it is offered, and the holder on the other side answers (seed 1); a handed-over
// lease NAKed for an address leased to another client inside the split keeps it from new
// clients until both leases end, for a holder that left without a word (seed 9).
test('after a partition heals, no address is handed out again while its first holder keeps it', () => {
  for (const seed of [1, 9]) {
    const s = SAFETY_SCENARIOS.partition(seed);
    assert.deepEqual(judge(runScenario(s, createCore), s).problems, [], `replay: ${formatReplay(s)}`);
  }
  // The scenario is one that needs the probe: without it seed 1 re-leases a held address.
  assert.ok(unsafe({ ...SAFETY_SCENARIOS.partition(1), probe: 0 }), 'seed 1 without probes');
});

test('nodes started in the same millisecond without state, a crowd arriving at once', (t) => {
  for (const family of ['sameInstant2', 'sameInstant20', 'sameInstant20NoLearning'] as const) {
    for (const seed of [1, 2]) {
      const run = check(t, family, seed);
      assert.equal(run.workload.crowdWaitsSec.length, 40, 'the whole crowd was leased');
    }
  }
  for (const seed of [1, 2]) {
    const run = check(t, 'sameInstantEveryNode', seed);
    assert.equal(run.workload.crowdWaitsSec.length, 200, 'every client at every node was leased');
  }
  // Two without learning; five, learning on and off.
  check(t, 'sameInstant2', 4, { learning: 0 });
  for (const learning of [1, 0]) check(t, 'sameInstant2', 3, { nodes: 5, learning });
});

test('mixed meshes with C daemons (node id zero): they lose every tie and are never doubled with ours', (t) => {
  const runs = [check(t, 'mixedChurn', 1), check(t, 'mixedSameInstant', 2), check(t, 'mixedSameInstant', 3, { learning: 1, crowdAt: 5 }), check(t, 'mixedCrowdsLoss', 4), check(t, 'mixedBusy', 5)];
  for (const run of runs) {
    const cNodes = run.sim.nodes.filter((n) => n.nodeId === C_NODE_ID);
    const cOwned = cNodes.reduce((k, n) => k + run.sim.ownership.blocksOf(n.index).size, 0);
    assert.ok(cNodes.length > 0 && cOwned >= cNodes.length, `the C nodes hold their spare blocks: ${cOwned}`);
  }
});

function rebootFigures(run: SimRun): string {
  const w = run.workload;
  return `packets/node/min recovering ${w.rebootPacketsPerNodeMin?.toFixed(2)} (busiest minute ${w.rebootPeakPacketsPerNodeMin?.toFixed(2)})`;
}

// Fails since the claim rework (7b27bd2): 0 of 20 seeds before it, 1 at 7b27bd2 (18), 2 at
// f18973b (6, 13; bench/sim-safety-sweep.ts). A node restarted from its state file claims,
// during learning, a block whose owner is itself rebooting: the snapshot holds no foreign
// claims, claims now start during learning relying on owners to answer the INQUIRE, a
// rebooting owner cannot, and the peers that still hold its claim say nothing. Seed 18 at
// 7b27bd2: node 13 restarts at 570.5 s, the owner of block 422 (node 76) is down since
// 560 s; node 13 owns the block at 600.7 s and hands 10.0.6.152 to a new client at 628 s
// while node 76's client holds it until 731 s. Seed 6 at f18973b: node 85 restarts at
// 692.6 s just after block 5's owner (node 12) stopped, owns it at 722.9 s; node 12 comes
// back from its state at 732.0 s owning it too (42 ms until it yields). Before, learning
// for B outlasted the absent owner's claim at the restarted node's peers.
test('a mass reboot from state files: 100 nodes restart within 10 minutes while clients keep renewing', (t) => {
  for (const seed of [1, 2, 6, 18]) t.diagnostic(rebootFigures(check(t, 'massRebootWithState', seed)));
});

// A node that comes back without state forgets the leases it granted; the block is
// claimed again (by it or a neighbour), and before the probe an address still held by one
// of its old clients went to a new one (14 of 20 seeds; C the same). The old client is on
// the same mesh and answers the probe for it: its address becomes its lease at the new owner.
test('a mass reboot without state: 100 nodes restart within 10 minutes while clients keep renewing', (t) => {
  for (const seed of [1, 2]) t.diagnostic(rebootFigures(check(t, 'massRebootFresh', seed)));
  assert.ok(unsafe({ ...SAFETY_SCENARIOS.massRebootFresh(1), probe: 0 }), 'seed 1 without probes');
});

test('crowds and a steady stream of new clients: demand-driven claims stay single', (t) => {
  const crowd = check(t, 'crowd150', 5);
  assert.equal(crowd.workload.crowdWaitsSec.length, 150, 'the whole crowd was leased');
  const steady = check(t, 'steady50', 6);
  assert.ok(steady.workload.arrivalsMeasured === 1000, `the stream ran: ${steady.workload.arrivalsMeasured}`);
});

test('a flood of MACs at one node leaves at least half the network to the others, who still serve', (t) => {
  const w = check(t, 'flood', 7).workload;
  t.diagnostic(`flooded node holds ${w.floodNodeBlocks}/${w.totalBlocks} blocks; probes leased ${w.probeWaitsSec.length}/${w.probeClients}`);
  assert.ok(w.floodNodeBlocks <= w.totalBlocks / 2, `the flooded node holds ${w.floodNodeBlocks} of ${w.totalBlocks} blocks`);
  assert.equal(w.probeWaitsSec.length, w.probeClients, 'every other node still leased its client');
});
