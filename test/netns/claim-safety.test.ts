// The safety of the block protocol with real daemons and crowds of real udhcpc
// clients: no block is ours at two nodes that can hear each other, and no
// address is held by two clients at once. Cold starts in the same second with
// learning on and off under 5 % and 20 % loss of the mesh traffic, a daemon
// restarted with its state directory wiped, and a partition that heals. Every
// daemon's block table and every client's address are sampled several times a
// second throughout. These tests check safety, not speed: waits are generous.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { blockRows, nodeIdOf } from './ctl-text';
import { Lab, sleep, waitFor, type DaemonHandle } from './lab';
import { meshLoss, partition, type Loss } from './nft';
import { readBlocks, SafetyMonitor, type WatchedClient } from './safety';

/** Claim rounds 1 s apart, refresh every 2 s, claims and learning last 8 s. */
const TIMERS = ['-t', '2', '-B', '8'];
const REFRESH_MS = 2_000;
const BLOCK_TIMEOUT_MS = 8_000;
const SAMPLE_MS = 250;

function log(line: string): void {
  process.stdout.write(`# ${line}\n`);
}

/** Namespaces for `count` clients on `node`; udhcpc starts later, for all at once. */
function plugCrowd(lab: Lab, node: number, count: number): { ns: string; node: number }[] {
  return Array.from({ length: count }, () => ({ ns: lab.addClient(node).ns, node }));
}

function startClients(lab: Lab, plugs: readonly { ns: string; node: number }[]): WatchedClient[] {
  return plugs.map((p) => ({ client: DhcpClient.udhcpc(lab, p.ns), node: p.node }));
}

function allBound(clients: readonly WatchedClient[]): boolean {
  return clients.every((c) => c.client.current() !== undefined);
}

function assertSafe(m: SafetyMonitor): void {
  assert.deepEqual(m.blockViolations.slice(0, 20), [], `${m.blockViolations.length} double ownerships`);
  assert.deepEqual(m.addressViolations.slice(0, 20), [], `${m.addressViolations.length} shared addresses`);
}

interface ColdStart {
  readonly learning: boolean;
  readonly percent: number;
  readonly where: { input: boolean; output: boolean };
}

/** A cold-start lab with its namespaces, clients' plugs and loss rules in place, nothing running yet. */
interface ColdLab {
  readonly s: ColdStart;
  readonly lab: Lab;
  readonly nodes: readonly number[];
  readonly plugs: readonly { ns: string; node: number }[];
  readonly loss: Loss;
}

/**
 * Four nodes in a 16-block network (62 addresses for 48 clients and the spare leases:
 * the last blocks are fought over), 12 client namespaces each, loss on every bat0.
 * Namespaces are made with synchronous commands, so every lab is made before any
 * daemon runs: otherwise making one lab would stall the sampling of another.
 */
function prepareColdStart(s: ColdStart, labs: Lab[]): ColdLab {
  const lab = new Lab();
  labs.push(lab);
  const nodes = [0, 1, 2, 3];
  for (const i of nodes) lab.addNode(i);
  const plugs = nodes.flatMap((i) => plugCrowd(lab, i, 12));
  return { s, lab, nodes, plugs, loss: meshLoss(lab, nodes, s.percent, s.where) };
}

/**
 * The four daemons started in the same second, the 48 udhcpc at once. A node that claimed
 * more than its clients took gives the empty blocks back after 6 s (-n), and the nodes
 * still short of addresses contend for them once their claims have run out at the peers.
 * Sampled until every client has a lease and for one block timeout more.
 */
async function coldStart(p: ColdLab): Promise<string> {
  const { s, lab, nodes, loss } = p;
  const daemons = nodes.map((i) => lab.startDaemon(i, [...TIMERS, '-N', '10.0.128.0/26', '-s', '2', '-n', '6', ...(s.learning ? [] : ['-L'])]));
  const clients = startClients(lab, p.plugs);
  const monitor = new SafetyMonitor({ daemons: () => daemons, clients: () => clients });
  monitor.start(SAMPLE_MS);
  const t0 = Date.now();
  try {
    await waitFor('every client to get a lease', () => allBound(clients), 100_000, 200);
    const boundAfter = Date.now() - t0;
    await sleep(BLOCK_TIMEOUT_MS);
    await monitor.stop();
    const dropped = loss.dropped();
    assert.ok(dropped > 0, 'nftables dropped no mesh packet');
    assertSafe(monitor);
    assert.equal(monitor.nodeIds.size, nodes.length);
    const final = clients.map((c) => c.client.current());
    assert.equal(new Set(final).size, clients.length, `duplicate addresses at the end: ${final.join(' ')}`);
    const lost = daemons.reduce((n, d) => n + (d.log.match(/block \d+ lost to node/g)?.length ?? 0), 0);
    const givenBack = daemons.reduce((n, d) => n + (d.log.match(/block \d+ given back/g)?.length ?? 0), 0);
    return `learning ${s.learning ? 'on' : 'off'}, ${s.percent} % loss on ${s.where.input ? 'input' : ''}${s.where.input && s.where.output ? '+' : ''}` +
      `${s.where.output ? 'output' : ''}: ${clients.length} clients bound after ${boundAfter} ms, ${dropped} mesh packets dropped, ` +
      `${lost} owned blocks lost in a tie-break, ${givenBack} given back; ${monitor.summary()}`;
  } finally {
    await monitor.stop();
  }
}

describe('cold starts in the same second under loss: no block owned twice, no address held twice', { timeout: 200_000 }, () => {
  const labs: Lab[] = [];
  after(async () => {
    for (const lab of labs) await lab.close();
  });

  test('learning on and off, 5 % and 20 % loss of the mesh traffic, 48 clients each, four labs at once', async () => {
    const both = { input: true, output: true };
    const input = { input: true, output: false };
    const prepared = [
      { learning: true, percent: 5, where: both },
      { learning: false, percent: 5, where: both },
      { learning: true, percent: 20, where: input },
      { learning: false, percent: 20, where: input },
    ].map((s) => prepareColdStart(s, labs));
    // Four small labs side by side: each is idle most of the time, waiting on claim rounds.
    const results = await Promise.allSettled(prepared.map((p) => coldStart(p)));
    for (const r of results) if (r.status === 'fulfilled') log(r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw failed[0]?.reason;
  });
});

describe('a daemon restarted with its state wiped, while the others keep serving', { timeout: 120_000 }, () => {
  const lab = new Lab();
  after(async () => {
    await lab.close();
  });

  test('its clients renew (NAKed, then new leases), the other clients keep theirs, no block owned twice', async () => {
    const nodes = [0, 1, 2];
    // 16 blocks: the wiped daemon, which knows none of them, often inquires a block a peer owns
    // (and the owner must answer), or one of its former self's, still claimed at the peers.
    const args = [...TIMERS, '-N', '10.0.128.0/26', '-s', '2', '-L'];
    for (const i of nodes) lab.addNode(i);
    const plugs = nodes.flatMap((i) => plugCrowd(lab, i, 10));
    const daemons: DaemonHandle[] = nodes.map((i) => lab.startDaemon(i, args));
    const clients = startClients(lab, plugs);
    const monitor = new SafetyMonitor({ daemons: () => daemons, clients: () => clients });
    monitor.start(SAMPLE_MS);
    try {
      await waitFor('every client to get a lease', () => allBound(clients), 60_000, 200);
      const old = daemons[1] as DaemonHandle;
      const oldId = (await readBlocks(old))?.nodeId;
      assert.ok(oldId !== undefined);
      const others = clients.filter((c) => c.node !== 1);
      const kept = new Map(others.map((c) => [c, c.client.current()]));

      old.proc.kill('SIGKILL');
      await waitFor('node 1 to die', () => old.proc.signalCode !== null || old.proc.exitCode !== null, 5_000, 20);
      rmSync(old.stateDir, { recursive: true, force: true });
      const fresh = lab.restartDaemon(old, args);
      daemons[1] = fresh;
      await waitFor('the wiped daemon to serve DHCP', () => /serving DHCP on br-client/.test(fresh.log), 15_000, 50);
      const newId = (await readBlocks(fresh))?.nodeId;
      assert.ok(newId !== undefined, 'the wiped daemon does not answer on its control socket');
      assert.notEqual(newId, oldId, 'the wiped daemon kept its node id');

      const mine = clients.filter((c) => c.node === 1);
      const renewals = await Promise.all(mine.map((c) => c.client.renew(20_000)));
      await waitFor("the wiped daemon's clients to have leases again", () => allBound(mine), 60_000, 200);
      const otherRenewals = await Promise.all(others.map((c) => c.client.renew(20_000)));
      for (const [i, ev] of otherRenewals.entries()) {
        const c = others[i] as WatchedClient;
        assert.equal(ev.state, 'renew', `${c.client.ns} on node ${c.node} got ${ev.state}`);
        assert.equal(ev.ip, kept.get(c), `${c.client.ns} on node ${c.node} changed its address`);
      }
      // Two refresh intervals and the old id's claims running out at the peers.
      await sleep(BLOCK_TIMEOUT_MS);
      await monitor.stop();
      assertSafe(monitor);
      const final = clients.map((c) => c.client.current());
      assert.equal(new Set(final).size, clients.length, `duplicate addresses at the end: ${final.join(' ')}`);
      const answers = new Map<string, number>();
      for (const e of renewals) answers.set(e.state, (answers.get(e.state) ?? 0) + 1);
      log(`restart without state: ${clients.length} clients, the wiped node's ${mine.length} renewals answered ${JSON.stringify(Object.fromEntries(answers))}, ` +
        `${others.length} renewals elsewhere kept their address; ${monitor.summary()}`);
    } finally {
      await monitor.stop();
    }
  });
});

describe('a partition that heals: the tie-break leaves one owner per block, renewals leave one holder per address', { timeout: 150_000 }, () => {
  const lab = new Lab();
  after(async () => {
    await lab.close();
  });

  test('both sides claim beyond what the network holds while apart; after the heal every block is ours once', async () => {
    const nodes = [0, 1, 2];
    const side = (n: number): number => (n === 2 ? 1 : 0);
    // 8 blocks of 4 (30 usable addresses). While apart, side {0, 1} serves 18 clients (at least
    // 3 blocks each) and side {2} 14 (at least 4 blocks): 10 blocks, so both sides own some.
    const args = [...TIMERS, '-N', '10.0.128.0/27', '-s', '2', '-L'];
    for (const i of nodes) lab.addNode(i);
    const daemons = nodes.map((i) => lab.startDaemon(i, args));
    const clients = startClients(lab, nodes.flatMap((i) => plugCrowd(lab, i, 2)));
    let apart = false;
    let tolerateShared = false;
    const monitor = new SafetyMonitor({
      daemons: () => daemons,
      clients: () => clients,
      connected: (a, b) => !apart || side(a) === side(b),
      mustDiffer: (a, b) => !tolerateShared || side(a.node) === side(b.node),
    });
    monitor.start(SAMPLE_MS);
    try {
      await waitFor('the first clients to get leases', () => allBound(clients), 60_000, 200);
      apart = true;
      tolerateShared = true;
      const cut = partition(lab, [0, 1], [2]);
      // Each side lets the other's claims run out.
      const [d0, d1, d2] = daemons as [DaemonHandle, DaemonHandle, DaemonHandle];
      const [id0, id1] = [nodeIdOf(lab, d0), nodeIdOf(lab, d1)];
      await waitFor("each side to forget the other's blocks", () =>
        blockRows(lab, d2).every((r) => r.state === 4) &&
        blockRows(lab, d0).every((r) => r.state === 4 || r.owner === id1) &&
        blockRows(lab, d1).every((r) => r.state === 4 || r.owner === id0), BLOCK_TIMEOUT_MS * 4, 250);
      const more = startClients(lab, [...plugCrowd(lab, 0, 7), ...plugCrowd(lab, 1, 7), ...plugCrowd(lab, 2, 12)]);
      clients.push(...more);
      await waitFor('every client to get a lease on its side', () => allBound(clients), 90_000, 200);
      const tables = await Promise.all(daemons.map((d) => readBlocks(d)));
      const sideA = new Set([...(tables[0]?.ours ?? []), ...(tables[1]?.ours ?? [])]);
      const both = [...(tables[2]?.ours ?? [])].filter((b) => sideA.has(b));
      assert.ok(both.length > 0, 'no block is ours on both sides before the heal');
      assert.ok(cut.dropped() > 0, 'the partition dropped nothing');

      cut.heal();
      const healedAt = Date.now();
      // A few refresh intervals for the tie-break (each side re-announces every B/4); until then
      // the two sides still count as apart.
      await sleep(4 * REFRESH_MS);
      apart = false;
      // Every client renews: a loser's client is NAKed by the winner or keeps a free address there.
      const holding = clients.filter((c) => c.client.current() !== undefined);
      const renewals = await Promise.allSettled(holding.map((c) => c.client.renew(20_000)));
      const unanswered = renewals.filter((r) => r.status === 'rejected').length;
      assert.equal(unanswered, 0, `${unanswered} renewals after the heal went unanswered`);
      tolerateShared = false;
      await sleep(2 * REFRESH_MS);
      await monitor.stop();
      assertSafe(monitor);
      const final = clients.map((c) => c.client.current()).filter((ip) => ip !== undefined);
      assert.equal(new Set(final).size, final.length, `duplicate addresses at the end: ${final.join(' ')}`);
      const lost = daemons.reduce((n, d) => n + (d.log.match(/block \d+ lost to node/g)?.length ?? 0), 0);
      const naks = renewals.filter((r) => r.status === 'fulfilled' && r.value.state === 'nak').length;
      const lastBoth = monitor.lastUnconnectedOverlapAt === undefined ? 'never' : `${monitor.lastUnconnectedOverlapAt - healedAt} ms`;
      log(`partition: ${clients.length} clients (${final.length} with a lease at the end), ${both.length} blocks ours on both sides ` +
        `before the heal (last seen ${lastBoth} after it), ${lost} lost in the tie-break, ${naks} of ${holding.length} renewals after it NAKed; ${monitor.summary()}`);
    } finally {
      await monitor.stop();
    }
  });
});
