import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Core } from '../../../src/core/types';
import { advance, BIG_ID, dhcp, events, ip, OWNED_AT, ownedCore, PEER_ADDR, replies, SERVER_ID, updateClaim } from './fixtures';

// Leases expire through one deadline per block (the earliest expiry in it); these
// walk the core from deadline to deadline, as the daemon's one timer does, and check
// that every lease still ends at its own moment.

const DISCOVER = 1, REQUEST = 3;
const T = { kind: 'timer' } as const;
/** ownedCore(5) owns block 5: 10.0.0.40 .. 10.0.0.47; leases last 300 s. */
const FIRST = ip('10.0.0.40');
const NOW = 30_000;
const LEASE_MS = 300_000;

function offer(core: Core, client: number, at: number): number {
  const r = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client, xid: client }) }, at))[0];
  assert.ok(r !== undefined, `an offer for client ${client}`);
  return r.msg.yiaddr;
}

function lease(core: Core, client: number, at: number): number {
  const yiaddr = offer(core, client, at);
  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client, xid: client, serverId: SERVER_ID, requested: yiaddr }) }, at);
  assert.deepEqual(events(out), ['leased']);
  return yiaddr;
}

/** Steps from deadline to deadline until `end`; returns [moment, address] for every lease that vanished. */
function walk(core: Core, end: number): [number, number][] {
  const gone: [number, number][] = [];
  let held = new Set(core.view().leases().map((l) => l.ip));
  for (let t = core.nextDeadline(); t !== undefined && t <= end; t = core.nextDeadline()) {
    core.handle(T, t);
    const now = new Set(core.view().leases().map((l) => l.ip));
    for (const a of held) if (!now.has(a)) gone.push([t, a]);
    held = now;
  }
  return gone;
}

test('a lease ends at its exact expiry: still held 1 ms before, the deadline armed at that moment', () => {
  const core = ownedCore(5);
  const a = lease(core, 1, NOW);
  core.handle(T, NOW + LEASE_MS - 1);
  assert.deepEqual(core.view().leases().map((l) => l.ip), [a]);
  assert.deepEqual(walk(core, NOW + LEASE_MS + 60_000), [[NOW + LEASE_MS, a]]);
});

test('leases of one block with different expiries each end at their own moment', () => {
  const core = ownedCore(5);
  const a = lease(core, 1, NOW);
  const b = lease(core, 2, NOW + 10_000);
  const c = lease(core, 3, NOW + 25_000);
  assert.deepEqual([a, b, c], [FIRST, FIRST + 1, FIRST + 2]);
  // The block's deadline is the earliest expiry; after each it moves to the next.
  assert.deepEqual(walk(core, NOW + 400_000), [[NOW + LEASE_MS, a], [NOW + 10_000 + LEASE_MS, b], [NOW + 25_000 + LEASE_MS, c]]);
});

test('a renewed lease outlives its old expiry; an offer turned lease outlives the offer', () => {
  const core = ownedCore(5);
  const a = lease(core, 1, NOW);
  // Client 2 is offered (12 s hold) and takes it 11 s later.
  const b = offer(core, 2, NOW + 1000);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, xid: 2, serverId: SERVER_ID, requested: b }) }, NOW + 12_000);
  const renewed = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, xid: 9, ciaddr: a }) }, NOW + 100_000);
  assert.deepEqual(events(renewed), ['leased']);
  assert.deepEqual(walk(core, NOW + 500_000), [[NOW + 12_000 + LEASE_MS, b], [NOW + 100_000 + LEASE_MS, a]]);
});

test('a lease released early: the others keep their moments and the early deadline frees nothing', () => {
  const core = ownedCore(5);
  const a = lease(core, 1, NOW);
  const b = lease(core, 2, NOW + 5_000);
  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: 7, client: 1, ciaddr: a }) }, NOW + 1000);
  assert.deepEqual(events(out), ['released']);
  assert.deepEqual(walk(core, NOW + 400_000), [[NOW + 5_000 + LEASE_MS, b]]);
});

test('a block lost while leases run: its leases go at once, and its old deadline touches nothing later', () => {
  const core = ownedCore(5);
  lease(core, 1, NOW);
  lease(core, 2, NOW + 1000);
  const lost = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [5], 600) }, NOW + 2000);
  assert.ok(events(lost).includes('blockLost'));
  assert.deepEqual(core.view().leases(), []);
  // The client comes back: its old address is not ours any more, so it gets one in our new block.
  advance(core, NOW + 25_000);
  const fresh = lease(core, 1, NOW + 26_000);
  assert.notEqual(Math.floor((fresh - ip('10.0.0.0')) / 8), 5);
  // Past the lost leases' old expiry only the new lease is held, until its own end.
  assert.deepEqual(walk(core, NOW + 1000 + LEASE_MS + 1), []);
  assert.deepEqual(core.view().leases().map((l) => l.ip), [fresh]);
  assert.deepEqual(walk(core, NOW + 26_000 + LEASE_MS), [[NOW + 26_000 + LEASE_MS, fresh]]);
});

test('a late step frees every due lease of a block; its idle time counts from the latest of them', () => {
  const core = ownedCore(5);
  // Seven offers leave one free lease in block 5; with the seven arrivals two more blocks are claimed.
  for (let c = 1; c <= 7; c++) offer(core, c, 23_000 + c * 100);
  // Client 1 (the block's first slot) is offered again: its offer now ends last, at 35.9 s.
  offer(core, 1, 23_900);
  const other = core.view().blocks().find((b) => b.state === 'claiming')?.index;
  assert.ok(other !== undefined && other !== 5);
  // 38 s is late for every offer; no step ran at their expiries.
  core.handle(T, 38_000);
  assert.deepEqual(core.view().leases(), []);
  const given: [number, number][] = [];
  for (let t = core.nextDeadline(); t !== undefined && t < 1_000_000; t = core.nextDeadline()) {
    for (const e of core.handle(T, t)) if (e.kind === 'event' && e.event.kind === 'blockGivenBack') given.push([e.event.index, t]);
  }
  assert.deepEqual(given.find(([i]) => i === 5), [5, 35_900 + 300_000]);
});

test('the block deadline follows its earliest lease: no wake-up at an offer taken as a lease or a released lease', () => {
  const core = ownedCore(5);
  const b = offer(core, 2, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, xid: 2, serverId: SERVER_ID, requested: b }) }, NOW + 1000);
  const a = lease(core, 1, NOW + 2000);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: 7, client: 2, ciaddr: b }) }, NOW + 3000);
  const visited: number[] = [];
  for (let t = core.nextDeadline(); t !== undefined && t <= NOW + 2000 + LEASE_MS; t = core.nextDeadline()) {
    visited.push(t);
    core.handle(T, t);
  }
  // Refreshes every 15 s (the one due at OWNED_AT + 15 s ran late, with the REQUEST at NOW + 1000), and the
  // one lease end; not the offer's end (NOW + 12 s) nor b's lease end.
  assert.ok(OWNED_AT + 15_000 < NOW + 1000);
  assert.deepEqual(visited.filter((t) => (t - (NOW + 1000)) % 15_000 !== 0), [NOW + 2000 + LEASE_MS]);
  assert.deepEqual(core.view().leases(), []);
  assert.ok(a === FIRST + 1 && b === FIRST);
});
