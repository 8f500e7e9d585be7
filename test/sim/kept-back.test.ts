// Deliveries kept back and handed over in batches (src/sim/delivery-log.ts) must
// change nothing: every core sees the same inputs at the same times as when each
// delivery is handed over at once. A core that misreports what it holds is caught.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createCore } from '../../src/core/node';
import type { Core, CoreConfig, Input, Millis, PersistedState, Rng } from '../../src/core/types';
import { DeliveryLog } from '../../src/sim/delivery-log';
import { EventQueue } from '../../src/sim/event-queue';
import { runScenario } from '../../src/sim/run';
import { DEFAULT_SCENARIO, type Scenario } from '../../src/sim/scenario';
import type { CoreFactory } from '../../src/sim/sim-node';
import { SimInvariantError } from '../../src/sim/sim-types';

// Everything that makes deliveries differ: loss, duplicates, reordering, churn with
// restarts from nothing, a partition, clients arriving, roaming and leaving.
const ROUGH: Scenario = {
  ...DEFAULT_SCENARIO, seed: 11, nodes: 40, minutes: 25, loss: 0.05, duplicate: 0.03, latencyMax: 120,
  churn: 1, freshRestart: 0.2, lateFraction: 0.15, clientsPerNodeHour: 12, roamsPerClientHour: 4,
  partitionAt: 400, partitionFor: 300, quiet: 240,
};

function digestOf(s: Scenario, factory: CoreFactory = createCore): { digest: string; keptBack: number; inputs: number } {
  const { sim, figures } = runScenario(s, factory);
  const { events: _events, ...rest } = figures;
  const h = createHash('sha256').update(JSON.stringify(rest));
  for (const n of sim.nodes) {
    h.update(JSON.stringify(n.core?.view().blocks() ?? null));
    h.update(JSON.stringify(n.core?.snapshot(sim.now) ?? null));
    h.update(JSON.stringify([n.stats, n.mcastPackets, n.ucastPackets, n.timerAt]));
  }
  return { digest: h.digest('hex'), keptBack: sim.counters.keptBack, inputs: figures.coreInputs };
}

test('batched deliveries: the same figures, views, snapshots and counters as deliveries handed over at once', () => {
  for (const seed of [11, 12]) {
    const atOnce = digestOf({ ...ROUGH, seed, deliverAtOnce: 1 });
    const batched = digestOf({ ...ROUGH, seed });
    assert.equal(atOnce.keptBack, 0);
    assert.ok(batched.keptBack > batched.inputs / 2, `most deliveries were kept back (${batched.keptBack} of ${batched.inputs})`);
    assert.equal(batched.inputs, atOnce.inputs);
    assert.equal(batched.digest, atOnce.digest, `seed ${seed}: runs differ`);
  }
});

test('a core that hides a block it holds is caught when a kept-back claim on that block has effects', () => {
  const hiding: CoreFactory = (cfg: CoreConfig, rng: Rng, now: Millis, restored?: PersistedState): Core => {
    const core = createCore(cfg, rng, now, restored);
    const nothing: readonly number[] = [];
    return { ...core, heldIndexes: () => nothing };
  };
  // 50 nodes on 128 blocks, split in two islands that claim the same blocks: at the heal,
  // claims on blocks a node holds reach it (mesh.test.ts, the crowded partition).
  const s: Scenario = {
    ...DEFAULT_SCENARIO, seed: 2, nodes: 50, minutes: 20, prefixLen: 22, churn: 0, clientsPerNodeHour: 12,
    partitionAt: 300, partitionFor: 300, partitionFraction: 0.4,
  };
  assert.throws(() => runScenario(s, hiding), (e: unknown) => e instanceof SimInvariantError && /against Core\.heldIndexes/.test(e.message));
  // The same core, telling the truth, runs clean.
  assert.doesNotThrow(() => runScenario(s, createCore));
});

test('event queue: ranked events (timers) run before the others at their time, whenever they were pushed', () => {
  const q = new EventQueue<string>();
  q.push(10, 'a');
  q.push(5, 'early');
  q.pushRanked(10, 7, 't7');
  q.push(10, 'b');
  q.pushRanked(10, 2, 't2');
  q.pushRanked(11, 0, 'later');
  const order: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) order.push(e.event);
  assert.deepEqual(order, ['early', 't2', 't7', 'a', 'b', 'later']);
});

test('delivery log: records keep their receivers while the ring is trimmed and grown', () => {
  const inputs: Input[] = Array.from({ length: 5000 }, () => ({ kind: 'timer' }) as const);
  // Node 0 never reads: everything from its first record on must stay. Node 69 reads at once.
  let oldestNeeded = 0;
  const log = new DeliveryLog(70, () => oldestNeeded);
  for (let i = 0; i < 5000; i++) {
    const rec = log.append(i * 2, inputs[i] as Input);
    assert.equal(rec, i);
    if (i % 3 === 0) log.mark(rec, 0);
    if (i % 5 === 0) log.mark(rec, 33);
    log.mark(rec, 69);
  }
  for (let rec = 0; rec < 5000; rec++) {
    assert.equal(log.names(rec, 0), rec % 3 === 0);
    assert.equal(log.names(rec, 33), rec % 5 === 0);
    assert.equal(log.names(rec, 69), true);
    assert.equal(log.names(rec, 1), false);
  }
  // Node 69 was named in every record: it gets each with its own time and input.
  const all: Input[] = [];
  const allTimes: Millis[] = [];
  assert.equal(log.collect(69, 0, all, allTimes), 5000);
  assert.deepEqual(allTimes, Array.from({ length: 5000 }, (_, rec) => rec * 2));
  assert.ok(all.every((input, rec) => input === inputs[rec]));
  // Collected into arrays longer than needed: only the first `count` entries are this batch.
  const got: Input[] = new Array<Input>(2000).fill({ kind: 'timer' });
  const at: Millis[] = new Array<Millis>(2000).fill(-1);
  const count = log.collect(33, 7, got, at);
  const expected = Array.from({ length: 5000 }, (_, rec) => rec).filter((rec) => rec >= 7 && rec % 5 === 0);
  assert.equal(count, expected.length);
  assert.deepEqual(at.slice(0, count), expected.map((rec) => rec * 2));
  assert.ok(got.slice(0, count).every((input, k) => input === inputs[expected[k] as number]));
  // Once nothing before record 4990 is needed, the ring is reused rather than grown further.
  for (let i = 5000; i < 20000; i++) {
    oldestNeeded = i - 10;
    const rec = log.append(i, inputs[i % 5000] as Input);
    if (i % 7 === 0) log.mark(rec, 5);
  }
  for (let rec = 19950; rec < 20000; rec++) {
    assert.equal(log.names(rec, 0), false, 'a reused record starts with no receivers');
    assert.equal(log.names(rec, 5), rec % 7 === 0);
  }
  const five: Millis[] = [];
  const fiveCount = log.collect(5, 19950, [], five);
  assert.deepEqual(five.slice(0, fiveCount), Array.from({ length: 50 }, (_, k) => 19950 + k).filter((i) => i % 7 === 0));
});
