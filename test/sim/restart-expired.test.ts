// The expired-claim restart, deterministic on the simulated mesh: node 0 stops,
// its claim runs out, node 1 (short of leases) takes the block, and node 0 comes
// back with its old snapshot. It must drop the expired block, not win it back.
// A control run restores the snapshot without ageing it and shows the check bites.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../src/core/node';
import type { Core, CoreConfig, Millis, PersistedState, Rng } from '../../src/core/types';
import { createSimulator, DEFAULT_SCENARIO, type Scenario } from '../../src/sim/scenario';
import type { Simulator } from '../../src/sim/simulator';

// Two blocks of four addresses (a /29), three usable in each; claims last 20 s. Either node may
// hold both (the default cap would keep each to half the network).
const SCENARIO: Scenario = {
  ...DEFAULT_SCENARIO, seed: 3, nodes: 2, prefixLen: 29, blockSizePow: 2, spareLeases: 1, maxLeases: 8,
  blockTimeout: 20, tentativeTimeout: 4, learning: 0, loss: 0, duplicate: 0, churn: 0, clientsPerNodeHour: 0,
};

interface Run {
  readonly sim: Simulator;
  /** Every block node 1 lost to a conflict, with when. */
  readonly lostByNode1: { index: number; at: Millis }[];
}

/** `stale`: restore node 0 from the snapshot as it was at the stop, as a restore that ignored expiry would. */
function runExpiredRestart(seed: number, stale: boolean): Run & { x: number; ownersAtRestart: readonly number[] } {
  const lostByNode1: { index: number; at: Millis }[] = [];
  let sim: Simulator | undefined;
  const factory = (cfg: CoreConfig, rng: Rng, now: Millis, restored?: PersistedState): Core => {
    const node = sim?.nodes.findIndex((n) => n.nodeId === cfg.nodeId) ?? -1;
    const saved = stale && restored !== undefined ? sim?.nodeAt(node).saved : restored;
    const core = createCore(cfg, rng, now, saved);
    if (node !== 1) return core;
    return {
      ...core,
      handle(input, at) {
        const out = core.handle(input, at);
        for (const e of out) if (e.kind === 'event' && e.event.kind === 'blockLost') lostByNode1.push({ index: e.event.index, at });
        return out;
      },
    };
  };
  const s = { ...SCENARIO, seed };
  sim = createSimulator(s, factory, `node --import tsx --test test/sim/restart-expired.test.ts (scripted, seed ${seed}${stale ? ', stale restore' : ''})`);
  const simulator = sim;
  simulator.addNode();
  simulator.addNode();
  simulator.startNode(0);
  simulator.runUntil(10_000);
  simulator.startNode(1);
  simulator.runUntil(30_000);
  const [x] = [...simulator.ownership.blocksOf(0)];
  assert.ok(x !== undefined && simulator.ownership.blocksOf(1).size === 1, 'set up: each node owns one block');
  simulator.stopNode(0);
  // Node 1's three clients use up its block: it needs node 0's old one.
  for (let i = 0; i < 3; i++) simulator.addClient(1);
  simulator.runUntil(80_000);
  assert.deepEqual(simulator.ownership.ownersOf(x), [1], `node 1 took block ${x} after node 0's claim ran out`);
  simulator.startNode(0, true);
  const ownersAtRestart = [...simulator.ownership.ownersOf(x)];
  simulator.runUntil(300_000);
  return { sim: simulator, lostByNode1, x, ownersAtRestart };
}

test('a restart after the claims ran out: the expired block stays with the node that took it', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { sim, lostByNode1, x, ownersAtRestart } = runExpiredRestart(seed, false);
    assert.deepEqual(ownersAtRestart, [1], `seed ${seed}: node 0 restored block ${x}`);
    assert.deepEqual(sim.ownership.ownersOf(x), [1], `seed ${seed}: block ${x} owners`);
    assert.equal(sim.ownership.blocksOf(0).size, 0, `seed ${seed}: node 0 has nothing to own`);
    assert.deepEqual(lostByNode1, [], `seed ${seed}: node 1 never lost a block`);
    assert.equal(sim.ownership.figures.doubleOwnedMoments, 0);
    assert.equal(sim.addresses.duplicates.length, 0);
    for (const c of sim.clients) assert.ok(c.model.lease !== undefined, `seed ${seed}: client ${c.index} still holds its lease`);
  }
});

test('control: a restore that ignored the expiry would take the block back (the check above can fail)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const { ownersAtRestart, x } = runExpiredRestart(seed, true);
    assert.deepEqual([...ownersAtRestart].sort(), [0, 1], `seed ${seed}: a stale restore makes node 0 a second owner of block ${x}`);
  }
});
