// The real core on a simulated mesh: 50 nodes with loss, duplication,
// reordering, churn and a partition that heals; nodes started at the same
// instant; a restart from the snapshot; roaming clients. Invariants hold throughout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../src/core/node';
import { findDisagreements } from '../../src/sim/convergence';
import { runScenario, type SimFigures } from '../../src/sim/run';
import { createSimulator, DEFAULT_SCENARIO, type Scenario } from '../../src/sim/scenario';
import type { Simulator } from '../../src/sim/simulator';

function assertHealthy(f: SimFigures): void {
  assert.equal(f.duplicateAddresses, 0, 'no address ACKed to two clients');
  assert.equal(f.convergence.count, 0, f.convergence.examples.join('\n'));
  assert.equal(f.audit.count, 0, f.audit.examples.join('\n'));
  assert.equal(f.neverReady, 0, 'every node got its spare leases');
}

function brief(f: SimFigures): string {
  return `ready max ${f.readyMaxSec} s, double-owned ${f.doubleOwnedMoments} (+${f.partitionConflicts} across the partition, longest ${f.maxConflictMs} ms), acks ${f.acks}, dup ${f.duplicateAddresses}+${f.duplicatesAfterOwnerChange}+${f.duplicatesWhileContested}, mcast ${f.mcastPacketsPerNodeMin.toFixed(2)}/node/min`;
}

test('50 nodes, 5% loss, duplication, reordering, churn and a healed partition: invariants hold, all converge', (t) => {
  for (const seed of [1, 2]) {
    const s: Scenario = {
      ...DEFAULT_SCENARIO, seed, nodes: 50, minutes: 40,
      loss: 0.05, duplicate: 0.03, latencyMin: 1, latencyMax: 150,
      churn: 1, freshRestart: 0.2, lateFraction: 0.1,
      clientsPerNodeHour: 10, roamsPerClientHour: 4,
      partitionAt: 600, partitionFor: 600, partitionFraction: 0.4,
    };
    const f = runScenario(s, createCore).figures;
    t.diagnostic(`seed ${seed}: ${brief(f)}`);
    assertHealthy(f);
    assert.equal(f.doubleOwnedMoments, 0, 'no two connected nodes owned one block');
    assert.ok(f.acks > 300, `clients were served: ${f.acks}`);
  }
});

test('a partition in a crowded network: islands claim the same blocks, the heal resolves it', (t) => {
  // 50 nodes on 128 blocks, clients arriving in both islands while they are apart.
  const s: Scenario = {
    ...DEFAULT_SCENARIO, seed: 2, nodes: 50, minutes: 30, prefixLen: 22,
    loss: 0.05, duplicate: 0.03, latencyMax: 150, churn: 1, lateFraction: 0.2, clientsPerNodeHour: 12,
    partitionAt: 300, partitionFor: 600, partitionFraction: 0.4,
  };
  const f = runScenario(s, createCore).figures;
  t.diagnostic(brief(f));
  assert.ok(f.partitionConflicts > 0, 'the islands did collide');
  assertHealthy(f);
});

test('nodes started at the same virtual instant never own the same block', (t) => {
  // 30 nodes on 64 blocks, all starting at t=0: their random choices collide often.
  for (const learning of [1, 0]) {
    for (const seed of [1, 2, 3, 4]) {
      const s: Scenario = {
        ...DEFAULT_SCENARIO, seed, nodes: 30, minutes: 8, quiet: 120, learning,
        prefixLen: 23, blockSizePow: 3, spareLeases: 2, loss: 0, duplicate: 0,
        startSpread: 0, lateFraction: 0, churn: 0, clientsPerNodeHour: 0,
      };
      const f = runScenario(s, createCore).figures;
      t.diagnostic(`learning ${learning} seed ${seed}: ${brief(f)}`);
      assert.equal(f.doubleOwnedMoments, 0);
      assertHealthy(f);
      assert.equal(f.blocksOwned, 30);
    }
  }
});

/** Ten nodes, no background workload; the test drives clients itself. */
function quietMesh(seed: number): Simulator {
  const s: Scenario = {
    ...DEFAULT_SCENARIO, seed, nodes: 10, loss: 0.01, duplicate: 0.01, churn: 0, clientsPerNodeHour: 0, spareLeases: 3,
  };
  const sim = createSimulator(s, createCore, `node --import tsx --test test/sim/mesh.test.ts (scripted run, seed ${seed})`);
  for (let i = 0; i < s.nodes; i++) {
    const n = sim.addNode();
    sim.at(i * 1000, () => sim.startNode(n));
  }
  return sim;
}

function addClients(sim: Simulator, perNode: number): number[] {
  const out: number[] = [];
  for (const node of sim.nodes) for (let k = 0; k < perNode; k++) out.push(sim.addClient(node.index));
  return out;
}

function heldIp(sim: Simulator, client: number): number | undefined {
  return sim.clientAt(client).model.lease?.ip;
}

test('a node restarted from its snapshot keeps its blocks, and its clients keep their addresses', () => {
  const sim = quietMesh(7);
  sim.runUntil(120000);
  const clients = addClients(sim, 3);
  sim.runUntil(300000);
  const victim = 4;
  const before = [...sim.ownership.blocksOf(victim)].sort();
  const mine = clients.filter((c) => sim.clientAt(c).node === victim);
  const ips = mine.map((c) => heldIp(sim, c));
  assert.ok(before.length > 0 && ips.every((ip) => ip !== undefined), 'set up: node owns blocks, clients bound');
  sim.stopNode(victim);
  sim.runUntil(320000);
  sim.startNode(victim, true);
  // At once, before any message: the restored core owns its blocks again.
  assert.deepEqual([...sim.ownership.blocksOf(victim)].sort(), before);
  sim.runUntil(1200000);
  // The blocks its clients live in are kept; a spare block the arrivals asked for may be given back as needless.
  const inUse = [...new Set(ips.map((ip) => sim.blockOf(ip ?? 0)))].sort();
  assert.ok(inUse.length > 0 && inUse.every((b) => b !== undefined && before.includes(b)));
  assert.deepEqual([...sim.ownership.blocksOf(victim)].filter((b) => inUse.includes(b)).sort(), inUse, 'blocks kept');
  for (const [i, c] of mine.entries()) {
    assert.equal(heldIp(sim, c), ips[i], `client ${c} kept its address`);
    assert.ok((sim.clientAt(c).model.lease?.expiresAt ?? 0) > 1200000, `client ${c} renewed`);
  }
  assert.equal(sim.addresses.duplicates.length, 0);
  assert.equal(findDisagreements(sim, 61000).count, 0);
});

test('roaming clients keep their address: renewals are forwarded to the owner', () => {
  const sim = quietMesh(9);
  sim.runUntil(120000);
  const clients = addClients(sim, 2);
  sim.runUntil(200000);
  const ips = clients.map((c) => heldIp(sim, c));
  const owners = ips.map((ip) => sim.ownership.ownersOf(sim.blockOf(ip ?? 0) ?? -1)[0]);
  assert.ok(ips.every((ip) => ip !== undefined), 'set up: all clients bound');
  const unicastBefore = sim.counters.ucastPackets;
  clients.forEach((c, i) => {
    const to = (sim.clientAt(c).node + 1 + (i % 9)) % sim.nodes.length;
    // Half re-check their lease on arrival (INIT-REBOOT), half just renew at T1 later.
    sim.roamClient(c, to, i % 2 === 0);
  });
  sim.runUntil(1500000);
  for (const [i, c] of clients.entries()) {
    const client = sim.clientAt(c);
    assert.notEqual(client.node, owners[i], 'the client sits at a node that does not own its address');
    assert.equal(heldIp(sim, c), ips[i], `client ${c} kept its address`);
    assert.ok((client.model.lease?.expiresAt ?? 0) > 1500000, `client ${c} renewed at its new node`);
  }
  assert.ok(sim.counters.ucastPackets - unicastBefore >= clients.length, 'renewals went node to node');
  assert.equal(sim.addresses.duplicates.length, 0);
});
