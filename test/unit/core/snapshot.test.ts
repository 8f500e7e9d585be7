import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../../src/core/node';
import { LEASE_STATES, type PersistedState } from '../../../src/core/types';
import {
  BIG_ID, claimedIndexes, dhcp, events, ip, makeCfg, msgType, multicasts, OWNED_AT, ownedCore, PEER_ADDR, replies,
  seededRng, SERVER_ID, updateClaim,
} from './fixtures';

const DISCOVER = 1, REQUEST = 3, DECLINE = 4, OFFER = 2;
const NOW = 30_000;
const FIRST = ip('10.0.0.40');

function busyCore() {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: FIRST }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2 }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 3 }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DECLINE, client: 3, requested: FIRST + 2 }) }, NOW);
  return core;
}

test('snapshot: our blocks and leased/declined leases with remaining time; offers are not kept', () => {
  const snap = busyCore().snapshot(NOW + 1000);
  assert.deepEqual(snap.blocks, [{ index: 5, remainingMs: OWNED_AT + 60_000 - NOW - 1000 }]);
  assert.deepEqual(
    snap.leases.map((l) => [l.ip, l.state, l.remainingMs, l.chaddr]),
    [
      [FIRST, 'leased', 299_000, '02000000000100000000000000000000'],
      [FIRST + 2, 'declined', 599_000, '02000000000300000000000000000000'],
    ],
  );
  assert.deepEqual([snap.version, snap.nodeId, snap.prefix, snap.prefixLen, snap.blockSize], [1, makeCfg().nodeId, ip('10.0.0.0'), 24, 8]);
});

test('the compact snapshot holds the same blocks and leases, row by row, as the plain one', () => {
  const core = busyCore();
  // Block 5 is ours with FIRST leased and FIRST + 2 declined; another lease makes three rows.
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 9, requested: FIRST + 7 }) }, NOW + 500);
  const plain = core.snapshot(NOW + 1000);
  const compact = core.snapshotCompact(NOW + 1000);
  const { leases: _, ...head } = plain;
  assert.deepEqual(compact.head, head);
  const t = compact.leases;
  const rows = Array.from({ length: t.count }, (_, i) => ({
    ip: t.ip[i],
    chaddr: Buffer.from(t.chaddr.subarray(16 * i, 16 * i + 16)).toString('hex'),
    state: LEASE_STATES[t.state[i] ?? 9],
    remainingMs: t.remainingMs[i],
  }));
  assert.deepEqual(rows, plain.leases);
  assert.deepEqual(rows.map((r) => [r.ip, r.state]), [[FIRST, 'leased'], [FIRST + 2, 'declined'], [FIRST + 7, 'leased']]);
});

test('restore: blocks are ours at once, announced by the first handle, served during learning', () => {
  const snap = JSON.parse(JSON.stringify(busyCore().snapshot(NOW))) as PersistedState;
  const core = createCore(makeCfg({ learning: true }), seededRng(4), 5_000, snap);
  assert.equal(core.nextDeadline(), 5_000);
  const b = core.view().blocks()[0]!;
  assert.deepEqual([b.index, b.state, b.claimCount], [5, 'ours', 3]);
  assert.deepEqual(
    core.view().leases().map((l) => [l.ip, l.mac, l.state, l.expiresAt]),
    [
      [FIRST, '02:00:00:00:00:01', 'leased', 5_000 + 300_000],
      [FIRST + 2, '02:00:00:00:00:03', 'declined', 5_000 + 600_000],
    ],
  );
  const first = core.handle({ kind: 'timer' }, 5_000);
  assert.deepEqual(multicasts(first).map(claimedIndexes), [[5]]);
  assert.equal(core.view().learningUntil, 65_000, 'new claims still wait for the learning phase');
  const offer = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 4 }) }, 6_000))[0];
  assert.deepEqual([offer && msgType(offer.msg), offer?.msg.yiaddr], [OFFER, FIRST + 1]);
  const renew = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, ciaddr: FIRST }) }, 7_000))[0];
  assert.equal(renew && msgType(renew.msg), 5);
});

test('restore: a restored block claimed by a larger id meanwhile follows the conflict rules', () => {
  const snap = busyCore().snapshot(NOW);
  const core = createCore(makeCfg({ learning: true }), seededRng(4), 0, snap);
  core.handle({ kind: 'timer' }, 0);
  const out = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [5]) }, 100);
  assert.ok(events(out).includes('blockLost'));
  assert.deepEqual(core.view().leases(), []);
});

test('restore ignores a snapshot of another node or mesh, and spent or bogus entries', () => {
  const snap = busyCore().snapshot(NOW);
  const variants: [string, PersistedState][] = [
    ['other node', { ...snap, nodeId: BIG_ID }],
    ['other prefix', { ...snap, prefix: ip('10.1.0.0') }],
    ['other prefix length', { ...snap, prefixLen: 23 }],
    ['other block size', { ...snap, blockSize: 4 }],
    ['spent block', { ...snap, blocks: [{ index: 5, remainingMs: 0 }] }],
    ['block out of range', { ...snap, blocks: [{ index: 32, remainingMs: 5000 }] }],
  ];
  for (const [name, s] of variants) {
    const core = createCore(makeCfg(), seededRng(4), 0, s);
    assert.deepEqual([core.view().counts().blocksOurs, core.view().leases().length], [0, 0], name);
  }
  // Leases outside restored blocks are not kept.
  const lonely = { ...snap, leases: [...snap.leases, { ip: ip('10.0.0.100'), chaddr: '02', state: 'leased' as const, remainingMs: 9 }] };
  assert.equal(createCore(makeCfg(), seededRng(4), 0, lonely).view().leases().length, 2);
});

test('nextDeadline: earliest of refresh, offer expiry, lease expiry; early timers are harmless', () => {
  const core = ownedCore(5);
  assert.equal(core.nextDeadline(), OWNED_AT + 15_000);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 1 }) }, NOW);
  assert.equal(core.nextDeadline(), OWNED_AT + 15_000);
  assert.equal(multicasts(core.handle({ kind: 'timer' }, OWNED_AT + 15_000)).length, 1);
  assert.equal(core.nextDeadline(), NOW + 12_000);
  assert.deepEqual(core.handle({ kind: 'timer' }, NOW + 11_999), []);
  // The offer lapses before the next DISCOVER is handled, so a second client gets the same address.
  const r = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2 }) }, NOW + 12_000))[0];
  assert.equal(r?.msg.yiaddr, FIRST);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, serverId: SERVER_ID, requested: FIRST }) }, NOW + 12_000);
  let at = core.nextDeadline();
  assert.equal(at, OWNED_AT + 30_000);
  // Walking deadline to deadline reaches the lease expiry exactly.
  while (at !== undefined && at < NOW + 12_000 + 300_000) {
    core.handle({ kind: 'timer' }, at);
    at = core.nextDeadline();
  }
  assert.ok(at !== undefined);
  assert.equal(core.view().leases().length, 1);
  core.handle({ kind: 'timer' }, NOW + 12_000 + 300_000);
  assert.equal(core.view().leases().length, 0);
});

test('a late step runs everything that fell due: expiry and refresh each happen once', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [9], 60) }, NOW);
  const out = core.handle({ kind: 'timer' }, NOW + 200_000);
  assert.equal(multicasts(out).length, 1, 'one refresh, not one per missed period');
  assert.equal(core.view().blocks().some((b) => b.index === 9), false);
  assert.equal(core.nextDeadline(), NOW + 200_000 + 15_000);
});
