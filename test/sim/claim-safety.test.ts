// Safety of block claiming under everything that makes two nodes want one block: loss,
// delay and reordering, a partition that heals, nodes started in the same millisecond,
// C daemons in the mesh, every node rebooting without state, crowds, a steady stream of
// new clients, a flood. The judgement is strict: no two connected nodes ever own one
// block at once, however briefly, and no address is ever held by two clients with both
// leases valid, whatever explains it (Scenario.strict). Every run is a Scenario, so a
// failure prints the `npm run sim` flags that replay it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../src/core/node';
import type { Duplicate } from '../../src/sim/addresses';
import { runScenario, type SimRun } from '../../src/sim/run';
import { DEFAULT_SCENARIO, formatReplay, type Scenario } from '../../src/sim/scenario';

/** C's default timers with the package's block size, clients resending every second, strict duplicates. */
const BASE: Scenario = {
  ...DEFAULT_SCENARIO,
  nodes: 25, minutes: 15, quiet: 180, auditEvery: 60,
  blockSizePow: 2, tentativeTimeout: 15, blockTimeout: 60, spareLeases: 2, leaseTime: 300,
  strict: 1, clientRetry: 1000,
  loss: 0, duplicate: 0, churn: 0, lateFraction: 0, clientsPerNodeHour: 40, clientStay: 900,
};

function assertSafe(run: SimRun, s: Scenario): void {
  const f = run.figures;
  const replay = formatReplay(s);
  assert.equal(f.doubleOwnedMoments, 0, `two connected nodes owned one block (longest ${f.maxConflictMs} ms); replay: ${replay}`);
  assert.equal(f.duplicatesAny, 0, `an address was held by two clients at once; replay: ${replay}`);
  assert.equal(f.convergence.count, 0, `${f.convergence.examples.join('\n')}\nreplay: ${replay}`);
  assert.equal(f.audit.count, 0, `${f.audit.examples.join('\n')}\nreplay: ${replay}`);
}

function brief(run: SimRun): string {
  const f = run.figures;
  return `acks ${f.acks}, blocks ${f.blocksOwned}, partition conflicts ${f.partitionConflicts}, wait p99 ${f.waitP99Sec ?? 'n/a'} s, mcast ${f.mcastPacketsPerNodeMin.toFixed(2)}/node/min`;
}

function check(t: { diagnostic(msg: string): void }, s: Scenario): SimRun {
  const run = runScenario(s, createCore);
  t.diagnostic(`${formatReplay(s)}: ${brief(run)}`);
  assertSafe(run, s);
  return run;
}

const LOSSY: Partial<Scenario> = { duplicate: 0.02, latencyMin: 1, latencyMax: 300, spike: 0.02, spikeMax: 4000 };

test('5 % and 20 % loss with duplication, delay spikes and reordering, on a crowded network', (t) => {
  // 25 nodes on 128 blocks of 4: clients fill a third of it, so claims meet often.
  for (const loss of [0.05, 0.2]) {
    for (const seed of [1, 2]) {
      const run = check(t, { ...BASE, ...LOSSY, seed, loss, prefixLen: 23 });
      assert.ok(run.figures.acks > 100, `clients were served: ${run.figures.acks}`);
    }
  }
});

test('5 % and 20 % loss while crowds arrive at ten nodes at once: their demand-driven claims meet', (t) => {
  // 25 nodes, crowds of 20 at ten of them in the same millisecond, on 256 blocks of 4:
  // about 60 blocks are claimed in one round from a network a few nodes already use.
  for (const loss of [0.05, 0.2]) {
    for (const seed of [3, 4]) {
      const run = check(t, { ...BASE, ...LOSSY, seed, loss, prefixLen: 22, clientsPerNodeHour: 10, crowd: 20, crowdNodes: 10, crowdAt: 200 });
      assert.equal(run.workload.crowdWaitsSec.length, 200, 'every client of the crowds was leased');
    }
  }
});

// Islands that cannot hear each other may claim one block and lease one address in it to
// a client on each side: no protocol can prevent that, so those duplicates (both ACKs
// inside the split, while two islands owned the block) are counted, not failed. Nothing
// else is excused: no block doubled between connected nodes, every node agreeing on every
// owner once healed, and no address handed out again after the heal.
const PARTITION: Scenario = { ...BASE, prefixLen: 22, loss: 0.02, latencyMax: 100, partitionAt: 180, partitionFor: 300, partitionFraction: 0.4, clientsPerNodeHour: 60, strict: 0 };
const PARTITION_SEEDS = [1, 2, 3];

function splitDuplicates(run: SimRun, s: Scenario): { during: number; after: Duplicate[] } {
  const healAt = (s.partitionAt + s.partitionFor) * 1000;
  const after = run.sim.addresses.duplicates.filter((d) => d.cause !== 'contested' || d.at > healAt || d.at < s.partitionAt * 1000);
  return { during: run.sim.addresses.duplicates.length - after.length, after };
}

test('a partition that heals, with clients arriving on both sides', (t) => {
  for (const seed of PARTITION_SEEDS) {
    const s: Scenario = { ...PARTITION, seed };
    const run = runScenario(s, createCore);
    const f = run.figures;
    const replay = formatReplay(s);
    const dups = splitDuplicates(run, s);
    t.diagnostic(`${replay}: ${brief(run)}, duplicates inside the split ${dups.during}, after the heal ${dups.after.length} (judged by the TODO below)`);
    assert.equal(f.doubleOwnedMoments, 0, `two connected nodes owned one block; replay: ${replay}`);
    assert.equal(f.duplicateAddresses, 0, `a duplicate no owner change explains; replay: ${replay}`);
    assert.equal(f.convergence.count, 0, `${f.convergence.examples.join('\n')}\nreplay: ${replay}`);
    assert.equal(f.audit.count, 0, `${f.audit.examples.join('\n')}\nreplay: ${replay}`);
    assert.ok(f.acks > 100, `clients were served: ${f.acks}`);
  }
});

// Known failure (TODO, reported on every run): after the heal the winner of a block both
// islands owned knows nothing of the loser's leases and hands their addresses out again
// while the loser's clients still hold them (until they renew and are NAKed). The winner
// does learn of the conflict (the loser's UPDATECLAIM from a smaller id), so a core could
// keep that block's free addresses back for a lease time. Seeds 1-3: 3, 0 and 2 such
// duplicates before the claim rework (7b27bd2), 6, 0 and 1 after it.
test('after a partition heals, no address is handed out again while its first holder keeps it', { todo: 'the winner of a split block re-leases the loser\'s addresses' }, () => {
  for (const seed of PARTITION_SEEDS) {
    const s: Scenario = { ...PARTITION, seed };
    const dups = splitDuplicates(runScenario(s, createCore), s);
    assert.deepEqual(dups.after, [], `addresses handed out again after the heal; replay: ${formatReplay(s)}`);
  }
});

test('nodes started in the same millisecond without state, a crowd arriving at once', (t) => {
  // 64 blocks: with 20 nodes and a crowd of 40 their random picks collide.
  for (const nodes of [2, 5, 20]) {
    for (const learning of [1, 0]) {
      const s: Scenario = {
        ...BASE, seed: nodes * 10 + learning, nodes, learning, minutes: 8, quiet: 120, startSpread: 0, prefixLen: 24,
        clientsPerNodeHour: 0, crowd: 40, crowdAt: 0,
      };
      const run = check(t, s);
      assert.equal(run.workload.crowdWaitsSec.length, 40, 'the whole crowd was leased');
    }
  }
});

test('mixed meshes with C daemons (node id zero): they lose every tie and are never doubled', (t) => {
  const cases: Partial<Scenario>[] = [
    // Settled mesh with churn and loss, a fifth C nodes.
    { seed: 1, nodes: 20, cNodes: 4, loss: 0.05, latencyMax: 150, churn: 2, downMin: 10, downMax: 120, prefixLen: 23 },
    // Everyone at once, half of them C, learning off and on.
    { seed: 2, nodes: 10, cNodes: 5, startSpread: 0, learning: 0, prefixLen: 24, crowd: 30 },
    { seed: 3, nodes: 10, cNodes: 5, startSpread: 0, learning: 1, prefixLen: 24, crowd: 30, crowdAt: 5 },
  ];
  for (const c of cases) {
    const s: Scenario = { ...BASE, minutes: 10, quiet: 150, ...c };
    const run = check(t, s);
    t.diagnostic(`double ownerships between two C nodes (C's equal ids; not judged): ${run.figures.doubleOwnedBetweenCNodes}`);
    const cOwned = run.sim.nodes.filter((n) => n.index >= s.nodes - s.cNodes).reduce((k, n) => k + run.sim.ownership.blocksOf(n.index).size, 0);
    assert.ok(cOwned >= s.cNodes, `the C nodes hold their spare blocks: ${cOwned}`);
  }
});

/** 100 nodes, ~170 clients renewing; every node restarts within 10 virtual minutes, down 10-120 s. */
const MASS_REBOOT: Scenario = {
  ...BASE, nodes: 100, minutes: 25, quiet: 180, prefixLen: 21, loss: 0.02, clientsPerNodeHour: 10, clientStay: 36000,
  rebootAllAt: 240, rebootAllOver: 600, downMin: 10, downMax: 120,
};

function rebootFigures(run: SimRun): string {
  const w = run.workload;
  return `packets/node/min recovering ${w.rebootPacketsPerNodeMin?.toFixed(2)} (busiest minute ${w.rebootPeakPacketsPerNodeMin?.toFixed(2)})`;
}

test('a mass reboot from state files: 100 nodes restart within 10 minutes while clients keep renewing', (t) => {
  for (const seed of [1, 2]) t.diagnostic(rebootFigures(check(t, { ...MASS_REBOOT, seed, rebootAllFresh: 0 })));
});

// Known failure of the current core, kept as the scenario asks (TODO, reported on every run):
// a node that comes back without state forgets the leases it granted; the block is
// claimed again (by it or a neighbour) and an address still held by one of its old
// clients goes to a new one. The claim rework does not address it; the fix would be on
// the lease side (e.g. keep a re-claimed block's addresses back for a lease time, or
// take a renewing client's address as leased).
test('a mass reboot without state: 100 nodes restart within 10 minutes while clients keep renewing', { todo: 'duplicates after an owner lost its state (cause ownerChanged) on the current core' }, (t) => {
  for (const seed of [1, 2]) t.diagnostic(rebootFigures(check(t, { ...MASS_REBOOT, seed })));
});

test('crowds and a steady stream of new clients: demand-driven claims stay single', (t) => {
  // A crowd of 150 at one node of 5, on 256 blocks of 4.
  const crowd = check(t, { ...BASE, seed: 5, nodes: 5, minutes: 20, prefixLen: 22, clientsPerNodeHour: 0, crowd: 150, crowdAt: 120, learning: 0 });
  assert.equal(crowd.workload.crowdWaitsSec.length, 150, 'the whole crowd was leased');
  // 50 new clients a second for 20 s at one node of 5, each giving up after 3 s, with 5 % loss.
  const steady = { ...BASE, seed: 6, nodes: 5, minutes: 6, quiet: 120, prefixLen: 20, loss: 0.05, clientsPerNodeHour: 0, arrivalRate: 50, arrivalAt: 120, arrivalFor: 20, giveUp: 3, learning: 0 };
  check(t, steady);
});

test('a flood of MACs at one node leaves at least half the network to the others, who still serve', (t) => {
  // 5000 MACs at 500/s at node 0 of 8 on 256 blocks of 4 (1024 addresses).
  const s: Scenario = { ...BASE, seed: 7, nodes: 8, minutes: 6, quiet: 60, prefixLen: 22, clientsPerNodeHour: 0, flood: 5000, floodAt: 150, floodRate: 500, giveUp: 3 };
  const run = check(t, s);
  const w = run.workload;
  t.diagnostic(`flooded node holds ${w.floodNodeBlocks}/${w.totalBlocks} blocks; probes leased ${w.probeWaitsSec.length}/${w.probeClients}`);
  assert.ok(w.floodNodeBlocks <= w.totalBlocks / 2, `the flooded node holds ${w.floodNodeBlocks} of ${w.totalBlocks} blocks`);
  assert.equal(w.probeWaitsSec.length, w.probeClients, 'every other node still leased its client');
});
