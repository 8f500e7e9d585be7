// Winning back, after a restart, the blocks whose claims ran out while the node
// was down: inquired at once (even in the learning phase), their leases back once
// won, nothing back when an owner answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../../src/core/node';
import type { Core, PersistedState } from '../../../src/core/types';
import {
  advance, BIG_ID, SMALL_ID, claimedIndexes, dhcp, events, inquiredIndexes, ip, makeCfg, msgType, multicasts, OUR_ID, PEER_ADDR, replies,
  fixedRng, seededRng, updateClaim,
} from './fixtures';

const REQUEST = 3, ACK = 5;
const CLIENT_IP = ip('10.0.0.42');

/** Block 5 ran out 20 s before the restart; the client on 10.0.0.42 has 200 s of lease left. */
function savedState(over: Partial<PersistedState> = {}): PersistedState {
  return {
    version: 1, nodeId: OUR_ID, prefix: ip('10.0.0.0'), prefixLen: 24, blockSize: 8,
    blocks: [{ index: 5, remainingMs: -20_000 }],
    leases: [{ ip: CLIENT_IP, chaddr: '02000000000100000000000000000000', state: 'leased', remainingMs: 200_000 }],
    ...over,
  };
}

function inquiriesAt(core: Core, at: number): number[] {
  return multicasts(core.handle({ kind: 'timer' }, at)).flatMap(inquiredIndexes);
}

/** While learning a claim round runs every T/8: 1875 ms. */
const LEARNING_ROUND_MS = 1875;

test('a run-out block with live leases is inquired at once and, unanswered, won back with its leases during learning', () => {
  const core = createCore(makeCfg({ learning: true }), seededRng(1), 0, savedState());
  // Eight INQUIREs while learning, T/8 apart, the first at once; ours T after it.
  for (let k = 0; k < 8; k++) assert.deepEqual(inquiriesAt(core, k * LEARNING_ROUND_MS), [5], `round ${k}`);
  assert.equal(core.view().counts().blocksOurs, 0);
  const won = core.handle({ kind: 'timer' }, 15_000);
  assert.ok(events(won).includes('blockOwned'));
  assert.deepEqual(multicasts(won).map(claimedIndexes), [[5]]);
  assert.notEqual(core.view().learningUntil, undefined, 'still learning');
  assert.deepEqual(core.view().leases().map((l) => [l.ip, l.state, l.expiresAt]), [[CLIENT_IP, 'leased', 200_000]]);
  // The client renewing (INIT-REBOOT) keeps its address.
  const r = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: CLIENT_IP }) }, 16_000));
  assert.deepEqual(r.map((x) => [msgType(x.msg), x.msg.yiaddr]), [[ACK, CLIENT_IP]]);
});

test('an owner answering the INQUIRE keeps the block; the saved leases are dropped', () => {
  for (const owner of [SMALL_ID, BIG_ID]) {
    const core = createCore(makeCfg({ learning: true }), seededRng(1), 0, savedState());
    assert.deepEqual(inquiriesAt(core, 0), [5]);
    core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(owner, [5]) }, 50);
    // Another block is claimed for the spare leases instead; 5 is never inquired again.
    const later = multicasts(advance(core, 22_500)).flatMap(inquiredIndexes);
    assert.ok(later.length > 0 && !later.includes(5), `${owner}: ${later.join(',')}`);
    const b5 = core.view().blocks().find((b) => b.index === 5);
    assert.deepEqual([b5?.state, b5?.owner], ['claimed', owner]);
    assert.deepEqual(core.view().leases(), [], owner);
  }
});

test('without live leases only as many run-out blocks as the spare leases need, the latest first', () => {
  const blocks = [{ index: 3, remainingMs: -90_000 }, { index: 7, remainingMs: -5_000 }, { index: 9, remainingMs: -30_000 }];
  const two = createCore(makeCfg({ learning: true, spareLeases: 2 }), seededRng(1), 0, savedState({ blocks, leases: [] }));
  assert.deepEqual(inquiriesAt(two, 0), [7]);
  const many = createCore(makeCfg({ learning: true, spareLeases: 12 }), seededRng(1), 0, savedState({ blocks, leases: [] }));
  assert.deepEqual(inquiriesAt(many, 0), [7, 9]);
  // A block still ours covers the spare leases: nothing to win back.
  const covered = createCore(makeCfg({ learning: true }), seededRng(1), 0, savedState({ blocks: [{ index: 2, remainingMs: 30_000 }, ...blocks], leases: [] }));
  assert.deepEqual(inquiriesAt(covered, 0), []);
  assert.equal(covered.view().counts().blocksOurs, 1);
});

test('a lease that ran out while the block was being won back is not restored', () => {
  const leases = [{ ip: CLIENT_IP, chaddr: '02000000000100000000000000000000', state: 'leased' as const, remainingMs: 10_000 }];
  const core = createCore(makeCfg({ learning: true }), seededRng(1), 0, savedState({ leases }));
  advance(core, 15_000);
  assert.equal(core.view().counts().blocksOurs, 1);
  assert.deepEqual(core.view().leases(), []);
});

test('leases saved for a block an owner answered for stay void when the block is claimed anew later', () => {
  // The peer's claim lapses; a crowd then needs more blocks, and the random pick (fixed here) is block 5 again.
  const core = createCore(makeCfg({ learning: true }), fixedRng(5), 0, savedState());
  assert.deepEqual(inquiriesAt(core, 0), [5]);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [5], 5) }, 50);
  advance(core, 30_000);
  assert.equal(core.view().blocks().find((b) => b.index === 5), undefined, 'the peer let it lapse');
  for (let c = 10; c < 20; c++) core.handle({ kind: 'dhcp', msg: dhcp({ type: 1, client: c, xid: c }) }, 30_000);
  assert.equal(core.view().blocks().find((b) => b.index === 5)?.state, 'claiming');
  advance(core, 30_000 + 16_000);
  assert.equal(core.view().blocks().find((b) => b.index === 5)?.state, 'ours');
  assert.deepEqual(core.view().leases().filter((l) => l.state === 'leased' || l.ip === CLIENT_IP), [], 'the lease saved before the peer took the block came back');
});
