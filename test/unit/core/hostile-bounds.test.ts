// Memory bounds wherever a client or peer can add entries to the core: pending
// forwarded requests (count and age), offers, declined addresses, per-source
// byte-order memory, the block table, the peers it names and the expiry heap. Many inputs each;
// the bound must hold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PENDING, PENDING_TIMEOUT_MS } from '../../../src/core/forward';
import { swapBytes32 } from '../../../src/wire/bytes';
import { MAX_DECLINED, MAX_OFFERS } from '../../../src/core/leases';
import { createCore } from '../../../src/core/node';
import { handleInquire, handleUpdateClaim } from '../../../src/core/consensus';
import { MIN_PEERS } from '../../../src/core/foreign-table';
import { sweepExpired } from '../../../src/core/blocks';
import { claimLatencyMs } from '../../../src/core/claim-timing';
import { makeGeometry } from '../../../src/core/ipv4';
import { createState } from '../../../src/core/state';
import { makeView } from '../../../src/core/view';
import type { Core, Effect } from '../../../src/core/types';
import { DdhcpCommand, type DdhcpMessage } from '../../../src/wire/ddhcp-message';
import {
  BIG_ID, dhcp, events, ip, leaseMsg, makeCfg, mac, ownedCore, PEER_ADDR, replies, seededRng, SERVER_ID, SMALL_ID, unicasts, updateClaim,
} from './fixtures';

const DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5;

function count(out: readonly Effect[], name: string): number {
  return events(out).filter((e) => e === name).length;
}

const BLOCK_SIZE = 128;

/** A /16 of blocks of 128 (512 blocks), claims settled in 3 s: the network is never the limit here. */
function bigCore(): Core {
  const core = createCore(makeCfg({ prefixLen: 16, blockSizePow: 7, tentativeTimeoutSec: 2, spareLeases: 8 }), seededRng(9), 0);
  for (let t = 0; t <= 30_000; t += 500) core.handle({ kind: 'timer' }, t);
  assert.ok(core.view().counts().blocksOurs > 0, 'set up: the core owns blocks');
  return core;
}

/** DISCOVER until offered, letting claim rounds run meanwhile. */
function offerTo(core: Core, client: number, at: { now: number }): number {
  for (let tries = 0; tries < 100; tries++) {
    const r = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client, xid: client }) }, at.now))[0];
    if (r !== undefined) return r.msg.yiaddr;
    at.now += 500;
    core.handle({ kind: 'timer' }, at.now);
  }
  throw new Error(`no offer for client ${client}`);
}

test('pending forwards: at most MAX_PENDING, each gone after PENDING_TIMEOUT_MS', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [2], 3600) }, 29_000);
  let forwarded = 0;
  let full = 0;
  for (let i = 0; i < 10_000; i++) {
    const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: i, xid: i, ciaddr: ip('10.0.0.17') }) }, 30_000);
    forwarded += unicasts(out).length;
    full += count(out, 'dropped:pendingTableFull');
  }
  assert.equal(forwarded, MAX_PENDING);
  assert.equal(full, 10_000 - MAX_PENDING);
  // After the age limit every entry is gone: room for the next MAX_PENDING, and no more.
  core.handle({ kind: 'timer' }, 30_000 + PENDING_TIMEOUT_MS);
  let again = 0;
  for (let i = 0; i < 1000; i++) {
    again += unicasts(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 20_000 + i, xid: i, ciaddr: ip('10.0.0.18') }) }, 30_000 + PENDING_TIMEOUT_MS)).length;
  }
  assert.equal(again, MAX_PENDING);
});

test('offers: a DISCOVER flood from random MACs holds at most MAX_OFFERS addresses, and claims blocks only for those and one latency of demand', () => {
  const core = bigCore();
  let refused = 0;
  let maxOffered = 0;
  let now = 30_000;
  // 1000 DISCOVERs a second for 150 s: demand far beyond what claim rounds can supply.
  for (let i = 0; i < 150_000; i++) {
    now += 1;
    const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: i % 65_536, xid: i }) }, now);
    refused += count(out, 'dropped:offerTableFull');
    if (i % 1000 === 0) maxOffered = Math.max(maxOffered, core.view().counts().leasesOffered);
  }
  for (let t = now; t <= now + 30_000; t += 500) core.handle({ kind: 'timer' }, t);
  assert.ok(maxOffered <= MAX_OFFERS, `${maxOffered} offers held at once`);
  assert.ok(refused > 0, 'the cap was reached');
  // Blocks follow the offers it holds plus the demand of one claim latency (1000 new MACs a second, 25 % headroom).
  const demand = Math.ceil(1.25 * 1000 * (claimLatencyMs(makeCfg({ tentativeTimeoutSec: 2 })) / 1000));
  const ceiling = Math.ceil((MAX_OFFERS + demand + 8) / BLOCK_SIZE) + 2;
  assert.ok(core.view().counts().blocksOurs <= ceiling, `${core.view().counts().blocksOurs} blocks owned (bound ${ceiling})`);
  // Offers lapse: afterwards a client is served again at once.
  assert.equal(replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 60_000, xid: 1 }) }, now + 30_000)).length, 1);
  assert.equal(core.view().counts().leasesOffered, 1);
});

test('offers: a client that already holds an offer or lease is answered even when the offer table is full', () => {
  const core = bigCore();
  const at = { now: 30_000 };
  const mine = offerTo(core, 1, at);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, xid: 2, requested: mine, serverId: SERVER_ID }) }, at.now);
  // Flood until the table is full; client 2 gets its offer just before it is.
  let offeredTo2: number | undefined;
  let refused = 0;
  for (let i = 0; i < 300_000 && refused === 0; i++) {
    at.now += 1;
    refused += count(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 100 + (i % 60_000), xid: i }) }, at.now), 'dropped:offerTableFull');
    if (offeredTo2 === undefined && i % 100 === 0 && core.view().counts().leasesOffered >= MAX_OFFERS - 200) offeredTo2 = offerTo(core, 2, at);
  }
  assert.ok(refused > 0 && offeredTo2 !== undefined, 'the offer table is full');
  for (const [client, ip] of [[1, mine], [2, offeredTo2]] as const) {
    const again = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client, xid: 3 }) }, at.now))[0];
    assert.deepEqual([again?.msg.yiaddr, again?.msg.options.find((o) => o.code === 53)?.data[0]], [ip, OFFER], `client ${client}`);
  }
});

test('declined addresses: at most MAX_DECLINED; the oldest is given back first', () => {
  const core = bigCore();
  const declined: number[] = [];
  const at = { now: 30_000 };
  for (let i = 0; i < MAX_DECLINED + 300; i++) {
    const y = offerTo(core, i, at);
    const now = at.now;
    const ack = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: i, xid: i, requested: y, serverId: SERVER_ID }) }, now))[0];
    assert.equal(ack?.msg.options.find((o) => o.code === 53)?.data[0], ACK);
    const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: DECLINE, client: i, xid: i, requested: y, serverId: SERVER_ID }) }, now);
    assert.deepEqual(events(out).filter((e) => e === 'declined'), ['declined']);
    declined.push(y);
    const held = core.view().leases().filter((l) => l.state === 'declined');
    assert.ok(held.length <= MAX_DECLINED, `${held.length} declined addresses held`);
  }
  const held = new Set(core.view().leases().filter((l) => l.state === 'declined').map((l) => l.ip));
  assert.equal(held.size, MAX_DECLINED);
  // The most recent declines are the ones kept.
  assert.deepEqual(held, new Set(declined.slice(-MAX_DECLINED)));
});

test('per-source byte-order memory is bounded: old peers are forgotten first', () => {
  const core = ownedCore(5);
  // The owner of block 2 shows it writes lease addresses in network order ...
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [2], 3600) }, 29_000);
  const ours = ip('10.0.0.41');
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(DdhcpCommand.RenewLease, { addressRaw: ours, chaddr: mac(90) }) }, 29_100);
  const first = unicasts(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, xid: 1, ciaddr: ip('10.0.0.17') }) }, 30_000))[0];
  assert.ok(first !== undefined && 'lease' in first.msg);
  assert.equal(first.msg.lease.addressRaw, ip('10.0.0.17'), 'remembered: network order');
  // ... then 10 000 other sources each teach a form: the memory keeps a bounded number of them.
  for (let i = 0; i < 10_000; i++) {
    core.handle({ kind: 'ddhcp', from: `fe80::1:${i.toString(16)}`, msg: leaseMsg(DdhcpCommand.RenewLease, { addressRaw: swapBytes32(ours + 1), xid: i, chaddr: mac(91) }) }, 30_100);
  }
  const later = unicasts(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 8, xid: 2, ciaddr: ip('10.0.0.18') }) }, 30_200))[0];
  assert.ok(later !== undefined && 'lease' in later.msg);
  assert.equal(later.msg.lease.addressRaw, swapBytes32(ip('10.0.0.18')), 'forgotten: back to the default guess');
});

test('the block table holds at most one entry per block of the network, whatever peers claim', () => {
  const core = ownedCore(5);
  const rng = seededRng(77);
  let outOfRange = 0;
  for (let i = 0; i < 100_000; i++) {
    const index = rng.nextU32() % 64;
    const msg: DdhcpMessage = i % 2 === 0
      ? updateClaim(i % 3 === 0 ? BIG_ID : SMALL_ID, [index], 1 + (rng.nextU32() % 65535))
      : { ...updateClaim(SMALL_ID, []), command: DdhcpCommand.Inquire, blocks: [index, rng.nextU32()] };
    const out = core.handle({ kind: 'ddhcp', from: `fe80::${(i % 5000).toString(16)}`, msg }, 30_000 + i);
    outOfRange += count(out, 'dropped:blockOutOfRange');
  }
  const blocks = core.view().blocks();
  assert.ok(blocks.length <= 32, `${blocks.length} entries for 32 blocks`);
  assert.ok(blocks.every((b) => b.index < 32));
  assert.ok(outOfRange > 40_000, 'indexes 32..63 and random ones were dropped');
});


test('the foreign table numbers a bounded set of peers, however many ids and addresses claims come from', () => {
  const cfg = makeCfg();
  const st = createState(cfg, seededRng(3), makeGeometry(cfg.prefix, cfg.prefixLen, cfg.blockSizePow));
  const rng = seededRng(78);
  let most = 0;
  for (let i = 0; i < 100_000; i++) {
    const sender = (rng.nextU32() >>> 0).toString(16).padStart(16, '0');
    const from = `fe80::${i.toString(16)}`;
    const step = { now: 1000 + i, out: [] };
    if (i % 2 === 0) handleUpdateClaim(st, step, from, sender, [{ blockIndex: rng.nextU32() % 32, timeoutSec: 60, reserved: 0 }]);
    else handleInquire(st, step, from, sender, [rng.nextU32() % 32]);
    most = Math.max(most, st.foreign.peerCount);
  }
  // 32 blocks name at most 32 peers; the others are dropped once there are MIN_PEERS.
  assert.ok(most <= MIN_PEERS, `${most} peers numbered`);
  assert.ok(st.foreign.size <= 32);
  for (const b of makeView(st).blocks()) assert.match(b.ownerAddress ?? '', /^fe80::/);
});

test('expiry: a peer moving its claims\' timeouts back and forth cannot grow the expiry heap; the claims still lapse on time', () => {
  const cfg = makeCfg();
  const st = createState(cfg, seededRng(4), makeGeometry(cfg.prefix, cfg.prefixLen, cfg.blockSizePow));
  let most = 0;
  let now = 1000;
  for (let i = 0; i < 50_000; i++, now += 10) {
    // The longest timeout the wire carries, then a short one: each short one files the block earlier.
    handleUpdateClaim(st, { now, out: [] }, PEER_ADDR, SMALL_ID, [{ blockIndex: i % 8, timeoutSec: i % 2 === 0 ? 65535 : 30, reserved: 0 }]);
    most = Math.max(most, st.expiry.size);
  }
  assert.ok(most <= 2 * 8 + 1024 + 1, `${most} entries in the expiry heap for 8 claims`);
  // A last short claim for each: all 8 blocks lapse within 30 s and an expiry step.
  const all = Array.from({ length: 8 }, (_, blockIndex) => ({ blockIndex, timeoutSec: 30, reserved: 0 }));
  handleUpdateClaim(st, { now, out: [] }, PEER_ADDR, SMALL_ID, all);
  assert.equal(st.foreign.size, 8);
  sweepExpired(st, now + 29_999);
  assert.equal(st.foreign.size, 8, 'none lapses before its timeout');
  sweepExpired(st, now + 30_000 + 7_500);
  assert.equal(st.foreign.size, 0, `${st.foreign.size} claims left after their timeout`);
});
