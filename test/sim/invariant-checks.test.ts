// The checks must be able to fail: a fake core that ignores the tie-break has
// to trip invariant 1, one that hands every client the same address invariant 2,
// and each failure has to name its seed, time and the replay command.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findDisagreements } from '../../src/sim/convergence';
import { runScenario } from '../../src/sim/run';
import { chooseConflictWindow, createSimulator, DEFAULT_SCENARIO, type Scenario } from '../../src/sim/scenario';
import { handleInTurn, type CoreFactory } from '../../src/sim/sim-node';
import { SimInvariantError } from '../../src/sim/sim-types';
import type { Effect, Input, Millis } from '../../src/core/types';
import { makeFakeCore } from './fake-core';

const QUIET: Scenario = {
  ...DEFAULT_SCENARIO,
  loss: 0, duplicate: 0, churn: 0, clientsPerNodeHour: 0, lateFraction: 0, startSpread: 0, minutes: 10, quiet: 120,
};

test('a sound fake core passes: no conflicts, converged, deterministic per seed', () => {
  const s = { ...QUIET, nodes: 20, seed: 5, clientsPerNodeHour: 6, churn: 1, loss: 0.02 };
  const a = runScenario(s, makeFakeCore()).figures;
  const b = runScenario(s, makeFakeCore()).figures;
  assert.equal(a.doubleOwnedMoments, 0);
  assert.equal(a.convergence.count, 0, a.convergence.examples.join('\n'));
  assert.equal(a.audit.count, 0, a.audit.examples.join('\n'));
  assert.equal(a.neverReady, 0);
  assert.ok(a.acks > 0, 'clients got leases');
  assert.deepEqual(a, b);
});

test('invariant 1: a core that ignores the tie-break is caught, with seed and replay', () => {
  // Three nodes, two blocks, all starting together: two of them must pick the same block.
  const s = { ...QUIET, nodes: 3, seed: 11, prefixLen: 30, blockSizePow: 1, spareLeases: 1, learning: 0 };
  assert.throws(
    () => runScenario(s, makeFakeCore('ignoreTieBreak')),
    (e: unknown) => {
      assert.ok(e instanceof SimInvariantError);
      assert.match(e.message, /block \d owned by nodes \[\d, \d\]/);
      assert.match(e.message, /seed 11, t=\d+\.\d{3} s/);
      assert.match(e.message, /npm run sim -- --seed 11 --nodes 3 .*--prefix-len 30/);
      return true;
    },
  );
  // The same flaw with the tie-break honoured does not fail.
  assert.equal(runScenario(s, makeFakeCore()).figures.doubleOwnedMoments, 0);
});

test('invariant 1 times a conflict only while its owners can hear each other', () => {
  // Three islands, two blocks: two nodes must end up owning the same block.
  const s = { ...QUIET, nodes: 3, seed: 3, prefixLen: 30, blockSizePow: 1, spareLeases: 1, learning: 0 };
  for (const flaw of ['none', 'ignoreTieBreak'] as const) {
    const sim = createSimulator(s, makeFakeCore(flaw));
    for (let i = 0; i < 3; i++) sim.startNode(sim.addNode());
    sim.partition([[0], [1]]);
    sim.runUntil(300000);
    assert.ok(sim.ownership.figures.partitionConflicts >= 1, 'islands claimed the same block');
    sim.heal();
    if (flaw === 'none') {
      sim.runUntil(400000);
      assert.equal(sim.ownership.figures.doubleOwnedMoments, 0);
      assert.ok(sim.ownership.figures.maxConflictMs <= 15000 + 200, `resolved by the next refresh: ${sim.ownership.figures.maxConflictMs} ms`);
    } else {
      assert.throws(() => sim.runUntil(400000), SimInvariantError);
      assert.ok(sim.now - 300000 > chooseConflictWindow(s), 'failed only after the window');
    }
  }
});

test('invariant 2: a core that ACKs one address to two clients is caught', () => {
  const s = { ...QUIET, nodes: 1, seed: 2, learning: 0, clientsPerNodeHour: 600, clientStay: 3600, roamsPerClientHour: 0 };
  assert.throws(
    () => runScenario(s, makeFakeCore('sameAddressForAll')),
    (e: unknown) => e instanceof SimInvariantError && /ACKed to client \d+ while client \d+ holds it/.test(e.message),
  );
});

test('invariant 3: a node that missed claims disagrees until the claims come again', () => {
  const s = { ...QUIET, nodes: 6, seed: 8 };
  const { sim } = runScenario(s, makeFakeCore());
  assert.equal(findDisagreements(sim, 0).count, 0);
  // Node 0 loses its state: it knows nobody's blocks, and the others still list its old one.
  sim.stopNode(0);
  sim.startNode(0, false);
  const right = findDisagreements(sim, 0);
  assert.ok(right.count >= 5, `fresh node should not know the others' blocks yet: ${right.count}`);
  // One block timeout later its old claim has lapsed everywhere and it heard every refresh.
  sim.runUntil(sim.now + 75000);
  assert.equal(findDisagreements(sim, 0).count, 0);
});

test('a core that throws is reported like a broken invariant, with the replay command', () => {
  const fake = makeFakeCore();
  const throwing: CoreFactory = (cfg, rng, now) => {
    const core = fake(cfg, rng, now);
    const handle = (input: Input, at: Millis): readonly Effect[] => {
      if (at > 100000) throw new Error('boom');
      return core.handle(input, at);
    };
    return {
      handle,
      nextDeadline: () => core.nextDeadline(),
      view: () => core.view(),
      snapshot: (at) => core.snapshot(at),
      snapshotCompact: (at) => core.snapshotCompact(at),
      heldIndexes: () => core.heldIndexes(),
      handleMany: (inputs, at, count) => handleInTurn(handle, inputs, at, count),
    };
  };
  assert.throws(
    () => runScenario({ ...QUIET, nodes: 2, seed: 4 }, throwing),
    (e: unknown) => e instanceof SimInvariantError && /event threw: Error: boom/.test(e.message) && /--seed 4 --nodes 2/.test(e.message),
  );
});
