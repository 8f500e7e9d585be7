// Restarts in a real mesh: a daemon killed with SIGKILL comes back from its state
// file and keeps serving its clients' addresses at once (no learning phase for
// its own blocks), and a daemon that was down longer than its claims lasted
// comes back without the blocks another node took meanwhile.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { blockOf, blockRows, nodeIdOf, ownBlocks, statistic, waitSettled } from './ctl-text';
import { Lab, REPO, sh, sleep, waitFor, type DaemonHandle } from './lab';

/**
 * Short claims (refresh every 4 s). The first start skips learning to save time; the restart
 * runs with it (no -L), so a restart that waited for learning would answer only after 16 s.
 */
const TIMERS = ['-B', '16', '-t', '2'];
const BLOCK_TIMEOUT_MS = 16_000;

interface StateFileView {
  readonly savedAtWallMs: number;
  readonly bootId?: string;
  readonly blocks: readonly { readonly index: number; readonly expiresAtWallMs: number }[];
  readonly leases: readonly { readonly ip: number; readonly state: string }[];
}

function readStateFile(h: DaemonHandle): StateFileView {
  return JSON.parse(readFileSync(path.join(h.stateDir, 'state.json'), 'utf8')) as StateFileView;
}

function tryOwnBlocks(lab: Lab, h: DaemonHandle): Set<number> | undefined {
  try {
    return ownBlocks(lab, h);
  } catch {
    return undefined;
  }
}

/** No block is ours at two daemons. */
function assertSingleOwners(lab: Lab, daemons: readonly DaemonHandle[]): void {
  const seen = new Map<number, number>();
  for (const d of daemons) {
    for (const b of ownBlocks(lab, d)) {
      assert.equal(seen.get(b), undefined, `block ${b} is owned by nodes ${seen.get(b)} and ${d.node}`);
      seen.set(b, d.node);
    }
  }
}

async function killHard(h: DaemonHandle): Promise<void> {
  h.proc.kill('SIGKILL');
  await waitFor(`node ${h.node} to die`, () => h.proc.signalCode !== null || h.proc.exitCode !== null, 5_000, 20);
}

describe('kill -9 with 9 leases, restart within seconds', { timeout: 150_000 }, () => {
  const lab = new Lab();
  const daemons: DaemonHandle[] = [];
  const clients: { client: DhcpClient; node: number }[] = [];

  before(async () => {
    for (let i = 0; i < 3; i++) lab.addNode(i);
    for (let i = 0; i < 3; i++) daemons.push(lab.startDaemon(i, [...TIMERS, '-L']));
    for (let j = 0; j < 9; j++) clients.push({ client: DhcpClient.udhcpc(lab, lab.addClient(0).ns), node: 0 });
    for (const node of [1, 2]) clients.push({ client: DhcpClient.udhcpc(lab, lab.addClient(node).ns), node });
    await Promise.all(clients.map((c) => c.client.waitBound(60_000)));
  });

  after(async () => {
    await lab.close();
  });

  test('the restarted daemon serves its restored leases at once; no other node took its blocks', async () => {
    const [d0, d1, d2] = daemons as [DaemonHandle, DaemonHandle, DaemonHandle];
    const mine = clients.filter((c) => c.node === 0);
    const addresses = new Map(mine.map((c) => [c.client, c.client.current() as string]));
    // The crowd of nine may still have a block on the way (claims follow arrivals for one claim
    // latency, 2.6 s at -t 2): let it settle.
    await waitSettled(lab, d0);
    const blocksBefore = ownBlocks(lab, d0);
    const id0 = nodeIdOf(lab, d0);
    for (const ip of addresses.values()) assert.ok(blocksBefore.has(blockOf(ip)), `${ip} not in a block of node 0`);
    // The state file is written at most once a second: give it the last lease.
    await sleep(1500);
    await killHard(d0);
    const saved = readStateFile(d0);
    assert.deepEqual(new Set(saved.blocks.map((b) => b.index)), blocksBefore);
    assert.equal(saved.leases.filter((l) => l.state === 'leased').length, 9);
    // Stamped with this boot, so the downtime is measured on the monotonic clock; private to root.
    assert.equal(saved.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    assert.equal(statSync(path.join(d0.stateDir, 'state.json')).mode & 0o777, 0o600);
    assert.equal(statSync(d0.stateDir).mode & 0o777, 0o700);
    await sleep(1000);

    const restartedAt = Date.now();
    const r0 = lab.restartDaemon(d0, TIMERS);
    daemons[0] = r0;
    const owned = await waitFor('the restarted daemon to own its blocks', () => {
      const b = tryOwnBlocks(lab, r0);
      return b !== undefined && [...blocksBefore].every((x) => b.has(x)) ? b : undefined;
    }, 5_000, 50);
    const ownedAfterMs = Date.now() - restartedAt;
    assert.equal(nodeIdOf(lab, r0), id0, 'the node id survives the restart');
    assert.deepEqual(owned, blocksBefore);
    await waitFor('the first UPDATECLAIM', () => statistic(lab, r0, 'mcast.send_updateclaim') > 0, 6_000, 50);
    const announcedAfterMs = Date.now() - restartedAt;
    assert.equal(statistic(lab, r0, 'drop.mcast.serverInterfaceNotReady'), 0);

    const renewals = await Promise.all(mine.map((c) => c.client.renew(10_000)));
    const renewedAfterMs = Date.now() - restartedAt;
    process.stdout.write(`# restart: blocks ours after ${ownedAfterMs} ms, announced after ${announcedAfterMs} ms, 9 renewals done after ${renewedAfterMs} ms\n`);
    for (const [i, ev] of renewals.entries()) {
      const c = mine[i] as { client: DhcpClient };
      assert.equal(ev.state, 'renew', `client ${i} got ${ev.state}`);
      assert.equal(ev.ip, addresses.get(c.client), `client ${i} changed its address`);
    }
    assert.ok(renewedAfterMs < BLOCK_TIMEOUT_MS, 'renewals were answered before a learning phase could have ended');
    assert.doesNotMatch(r0.log, /learning phase ended/, 'the learning phase was still running while the restored blocks were served');
    assert.match(r0.log, new RegExp(`restored ${blocksBefore.size} blocks and 9 leases`));
    // At once, not at the first refresh (B/4 = 4 s after start): the core announced before the mesh
    // sockets were open, and that announcement went out the moment they were.
    assert.match(r0.log, /sent \d+ multicast packet\(s\) held until the mesh sockets were ready/);

    // The other nodes kept node 0's blocks as claimed by node 0 throughout.
    for (const other of [d1, d2]) {
      const rows = blockRows(lab, other);
      for (const index of blocksBefore) {
        const row = rows.find((r) => r.index === index);
        assert.ok(row !== undefined && row.state === 2 && row.owner === id0, `node ${other.node} sees block ${index} as ${JSON.stringify(row)}`);
      }
    }
    assertSingleOwners(lab, daemons);
    const all = clients.map((c) => c.client.current());
    assert.equal(new Set(all).size, all.length, `duplicate address in the mesh: ${all.join(' ')}`);
    for (const c of clients) assert.equal(c.client.configured(), c.client.current());
  });
});

describe('a reboot longer than the claims: the node wins its blocks back and its clients keep their addresses', { timeout: 150_000 }, () => {
  const lab = new Lab();
  const daemons: DaemonHandle[] = [];
  const mine: DhcpClient[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) lab.addNode(i);
    for (let i = 0; i < 2; i++) daemons.push(lab.startDaemon(i, [...TIMERS, '-L']));
    for (let j = 0; j < 3; j++) mine.push(DhcpClient.udhcpc(lab, lab.addClient(0).ns));
    await Promise.all(mine.map((c) => c.waitBound(60_000)));
  });

  after(async () => {
    await lab.close();
  });

  test('inquired again at once, won within the learning phase, leases back', async () => {
    const [d0, d1] = daemons as [DaemonHandle, DaemonHandle];
    const addresses = mine.map((c) => c.current() as string);
    await waitSettled(lab, d0);
    // The blocks its clients live in; a spare block the arrivals asked for is not worth winning back.
    const blocksBefore = new Set(addresses.map((ip) => blockOf(ip)));
    for (const b of blocksBefore) assert.ok(ownBlocks(lab, d0).has(b), `block ${b} of a client is node 0's`);
    await sleep(1500);
    await killHard(d0);
    const saved = readStateFile(d0);
    assert.equal(saved.leases.filter((l) => l.state === 'leased').length, 3);
    // Down until every saved claim has run out, as a router reboot does at the default -B 60.
    const ranOutAt = Math.max(...saved.blocks.map((b) => b.expiresAtWallMs));
    await sleep(ranOutAt - Date.now() + 1500);
    assert.deepEqual(blockRows(lab, d1).filter((r) => blocksBefore.has(r.index)), [], 'node 1 let node 0\'s claims run out');

    const restartedAt = Date.now();
    const r0 = lab.restartDaemon(d0, TIMERS);
    daemons[0] = r0;
    await waitFor('the restarted daemon to own its old blocks again', () => {
      const b = tryOwnBlocks(lab, r0);
      return b !== undefined && [...blocksBefore].every((x) => b.has(x)) ? b : undefined;
    }, BLOCK_TIMEOUT_MS, 100);
    const ownedAfterMs = Date.now() - restartedAt;
    const renewals = await Promise.all(mine.map((c) => c.renew(10_000)));
    const renewedAfterMs = Date.now() - restartedAt;
    process.stdout.write(`# reboot past the claims: blocks won back after ${ownedAfterMs} ms, 3 renewals done after ${renewedAfterMs} ms\n`);
    for (const [i, ev] of renewals.entries()) {
      assert.equal(ev.state, 'renew', `client ${i} got ${ev.state}`);
      assert.equal(ev.ip, addresses[i], `client ${i} changed its address`);
    }
    assert.ok(renewedAfterMs < BLOCK_TIMEOUT_MS, 'served before a learning phase could have ended');
    assert.doesNotMatch(r0.log, /learning phase ended/);
    assert.match(r0.log, new RegExp(`restored 0 blocks and 3 leases from the state file; ${saved.blocks.length} block\\(s\\) whose claims ran out`));
    assertSingleOwners(lab, daemons);
  });
});

describe('a daemon down longer than its claims comes back without the block another node took', { timeout: 90_000 }, () => {
  const lab = new Lab();
  // Two blocks of four in the whole network, claims lasting 6 s: node 1 wants both, and may hold
  // them (the default cap is half the network).
  const net = ['-N', '10.0.128.0/29', '-B', '6', '-t', '2', '-L', '--max-leases', '8'];
  let d0: DaemonHandle;
  let d1: DaemonHandle;

  before(async () => {
    lab.addNode(0);
    lab.addNode(1);
    d0 = lab.startDaemon(0, [...net, '-s', '1']);
    await waitFor('node 0 to own a block', () => (tryOwnBlocks(lab, d0)?.size ?? 0) > 0, 20_000, 200);
    d1 = lab.startDaemon(1, [...net, '-s', '4']);
    await waitFor('node 1 to own the other block', () => (tryOwnBlocks(lab, d1)?.size ?? 0) === 1, 20_000, 200);
  });

  after(async () => {
    await lab.close();
  });

  test('a block whose claim ran out is inquired again at restore, stays with the node that took it, and no block is owned twice', async () => {
    const [x] = [...ownBlocks(lab, d0)];
    assert.ok(x !== undefined);
    const id1 = nodeIdOf(lab, d1);
    d0.proc.kill('SIGTERM');
    await waitFor('node 0 to stop', () => d0.proc.exitCode !== null, 5_000, 50);
    const saved = readStateFile(d0);
    assert.deepEqual(saved.blocks.map((b) => b.index), [x], 'the state file holds the block node 0 owned');
    await waitFor(`node 1 to take block ${x} once node 0's claim expired`, () => ownBlocks(lab, d1).has(x), 30_000, 250);
    assert.ok((saved.blocks[0]?.expiresAtWallMs ?? Infinity) < Date.now(), 'the saved claim has run out');

    const r0 = lab.restartDaemon(d0, [...net, '-s', '1']);
    await waitFor('the restarted daemon to answer', () => tryOwnBlocks(lab, r0), 10_000, 100);
    // Watch both tables for a while: node 0, which wants a block and has none, must never own x.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      assert.ok(!ownBlocks(lab, r0).has(x), `node 0 owns block ${x} again`);
      assertSingleOwners(lab, [r0, d1]);
      await sleep(100);
    }
    assert.equal(ownBlocks(lab, d1).size, 2, 'node 1 keeps both blocks');
    const row = blockRows(lab, r0).find((r) => r.index === x);
    assert.ok(row !== undefined && row.state === 2 && row.owner === id1, `node 0 sees block ${x} as ${JSON.stringify(row)}`);
    assert.match(r0.log, /restored 0 blocks and 0 leases from the state file; 1 block\(s\) whose claims ran out while down may be inquired again/);
  });
});

describe('a missing, truncated, corrupt or foreign state file is logged in one line and ignored', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ddhcpd-statefile-'));
  const NODE_ID = '5a5a5a5a00000001';
  const MESH = { prefix: 0x0a008000, prefixLen: 17, blockSize: 4 };
  const valid = (over: Record<string, unknown> = {}): string => JSON.stringify({
    version: 1, savedAtWallMs: Date.now(), nodeId: NODE_ID, ...MESH,
    blocks: [{ index: 77, expiresAtWallMs: Date.now() + 60_000 }],
    leases: [{ ip: MESH.prefix + 77 * 4 + 1, chaddr: '02aabbccddee00000000000000000000', state: 'leased', expiresAtWallMs: Date.now() + 60_000 }],
    ...over,
  }, null, 2);
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    empty: '',
    truncated: valid().slice(0, 150),
    binary: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)).toString('latin1'),
    notAnObject: '[1, 2, 3]',
    otherVersion: valid({ version: 2 }),
    otherNetwork: valid({ prefix: 0x0a010000, prefixLen: 16 }),
    otherBlockSize: valid({ blockSize: 8 }),
    otherNode: valid({ nodeId: '5a5a5a5a00000002' }),
    blockOutOfRange: valid({ blocks: [{ index: 8192, expiresAtWallMs: Date.now() + 60_000 }] }),
    duplicateLease: valid({ leases: [1, 2].map(() => ({ ip: MESH.prefix + 309, chaddr: '02aabbccddee00000000000000000000', state: 'leased', expiresAtWallMs: Date.now() + 60_000 })) }),
    deepNesting: '['.repeat(200_000),
  };

  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts ddhcpd with no interfaces (it waits for them), reads its table, stops it. */
  async function startOnce(name: string, content: string | undefined): Promise<{ log: string; rows: string; code: number | null }> {
    const stateDir = path.join(dir, name);
    mkdirSync(stateDir);
    writeFileSync(path.join(stateDir, 'node-id'), `${NODE_ID}\n`);
    if (content !== undefined) writeFileSync(path.join(stateDir, 'state.json'), content);
    const ctl = path.join(dir, `${name}.ctl`);
    const proc = spawn(process.execPath, [path.join(REPO, 'dist', 'ddhcpd.js'), '-S', '-i', 'nosuchif0', '-N', '10.0.128.0/17', '-b', '2',
      '-C', ctl, '--state-dir', stateDir, '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const rows = await waitFor(`ddhcpd (${name}) to answer`, () => {
      try {
        return sh(process.execPath, [path.join(REPO, 'dist', 'ddhcpdctl.js'), '-C', ctl, '-b']);
      } catch {
        return undefined;
      }
    }, 20_000, 100);
    proc.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    return { log, rows, code };
  }

  test('each bad file: one line, a fresh start, no crash; a good file restores its block', async () => {
    const results = await Promise.all([...Object.entries(cases), ['good', valid()] as const].map(async ([name, content]) => [name, await startOnce(name, content)] as const));
    for (const [name, r] of results) {
      assert.equal(r.code, 0, `${name}: exit code ${r.code}\n${r.log}`);
      assert.doesNotMatch(r.log, /internal error|ERROR/, `${name}: ${r.log}`);
      const about = r.log.split('\n').filter((l) => /state file/.test(l));
      if (name === 'good') {
        assert.match(r.log, /restored 1 blocks and 1 leases/);
        assert.match(r.rows, /^77\t4\t/m, 'the good file restores block 77 as ours');
        continue;
      }
      assert.equal(about.length, 1, `${name}: one line about the state file, got:\n${r.log}`);
      assert.match(about[0] ?? '', name === 'missing' ? /no state file/ : /starting fresh/, name);
      assert.match(r.rows, /^blocks in use: 0$/m, `${name}: started fresh`);
      // The node id survives whatever the state file held.
      assert.match(r.rows, new RegExp(`^node id\\t${NODE_ID.toUpperCase()}$`, 'm'));
    }
  });
});
