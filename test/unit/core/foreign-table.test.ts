// The typed foreign-claim table: lookups, updates and backward-shift deletes
// under collisions and wrap-around, growth, and the bound on peer numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForeignTable, MIN_PEERS, NONE } from '../../../src/core/foreign-table';
import { seededRng } from './fixtures';

/** The home slot the table computes for an index at a capacity (mirrors its Fibonacci hash). */
function homeOf(index: number, capacity: number): number {
  return Math.imul(index, 0x9e3779b1) >>> (32 - Math.log2(capacity));
}

/** Indexes whose home slot is `slot` at capacity 16, the table's starting size. */
function collidingAt(slot: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) if (homeOf(i, 16) === slot) out.push(i);
  return out;
}

function entries(t: ForeignTable): Map<number, { claimed: boolean; owner: string; address: string; timeoutAt: number }> {
  const out = new Map<number, { claimed: boolean; owner: string; address: string; timeoutAt: number }>();
  for (let s = 0; s < t.capacity; s++) {
    if (!t.isUsed(s)) continue;
    out.set(t.indexAt(s), { claimed: t.isClaimed(s), owner: t.ownerAt(s), address: t.addressAt(s), timeoutAt: t.timeoutAt(s) });
  }
  return out;
}

test('insert, find, update and delete with every key in one probe run that wraps around the end', () => {
  const t = new ForeignTable();
  const keys = collidingAt(15, 5);
  const peer = t.peer('0000000000000001', 'fe80::1');
  keys.forEach((k, i) => t.insert(k, i % 2 === 0, peer, 1000 + i));
  assert.equal(t.capacity, 16, 'five entries need no growth');
  // They share home slot 15: the run is 15, 0, 1, 2, 3.
  assert.deepEqual(keys.map((k) => t.find(k)), [15, 0, 1, 2, 3]);
  t.update(t.find(keys[2] as number), true, peer, 5000);
  assert.equal(t.timeoutAt(t.find(keys[2] as number)), 5000);
  assert.equal(t.isClaimed(t.find(keys[2] as number)), true);
  // Deleting the first of the run shifts the others back by one, across the wrap.
  t.deleteSlot(t.find(keys[0] as number));
  assert.equal(t.find(keys[0] as number), NONE);
  assert.deepEqual(keys.slice(1).map((k) => t.find(k)), [15, 0, 1, 2]);
  assert.equal(t.isUsed(3), false);
  assert.equal(t.size, 4);
});

test('a delete leaves an entry in place when the hole is not on its probe path', () => {
  const t = new ForeignTable();
  const [a, b] = collidingAt(4, 2) as [number, number];
  const [c] = collidingAt(5, 1) as [number];
  const [d] = collidingAt(6, 1) as [number];
  const peer = t.peer('0000000000000001', 'fe80::1');
  // a at 4, b at 5 (displaced), c at 6 (displaced), d at 7 (displaced).
  for (const k of [a, b, c, d]) t.insert(k, true, peer, 1);
  assert.deepEqual([a, b, c, d].map((k) => t.find(k)), [4, 5, 6, 7]);
  t.deleteSlot(t.find(b));
  // c moves back to its home 5, d to its home 6; a stays.
  assert.deepEqual([a, c, d].map((k) => t.find(k)), [4, 5, 6]);
  t.deleteSlot(t.find(a));
  // Nothing after a's slot may move into it: each is at its home.
  assert.deepEqual([c, d].map((k) => t.find(k)), [5, 6]);
  assert.equal(t.isUsed(4), false);
});

test('random inserts, updates and deletes agree with a Map, through growth (seeded)', () => {
  for (const seed of [1, 2, 3, 4]) {
    const rng = seededRng(seed);
    const t = new ForeignTable();
    const model = new Map<number, { claimed: boolean; owner: string; address: string; timeoutAt: number }>();
    // Few distinct keys in a small range: long runs, many collisions, deletes in the middle of runs.
    const range = seed % 2 === 0 ? 64 : 5000;
    for (let i = 0; i < 20_000; i++) {
      const key = rng.nextU32() % range;
      const op = rng.nextU32() % 3;
      const owner = (rng.nextU32() % 8).toString(16).padStart(16, '0');
      const address = `fe80::${rng.nextU32() % 4}`;
      const timeoutAt = rng.nextU32() % 100_000;
      const claimed = rng.nextU32() % 2 === 0;
      const slot = t.find(key);
      assert.equal(slot >= 0, model.has(key), `seed ${seed} op ${i}: find ${key}`);
      if (op < 2) {
        const peer = t.peer(owner, address);
        if (slot >= 0) t.update(slot, claimed, peer, timeoutAt);
        else t.insert(key, claimed, peer, timeoutAt);
        model.set(key, { claimed, owner, address, timeoutAt });
      } else if (slot >= 0) {
        t.deleteSlot(slot);
        model.delete(key);
      }
      assert.equal(t.size, model.size);
      assert.ok(t.size * 8 <= t.capacity * 5, 'at most 5/8 full');
    }
    assert.deepEqual(entries(t), model, `seed ${seed}`);
    for (let k = 0; k < range; k++) assert.equal(t.find(k) >= 0, model.has(k));
  }
});

test('growth keeps every entry and its fields, and the expiry bucket', () => {
  const t = new ForeignTable();
  const peer = t.peer('00000000000000aa', 'fe80::aa');
  for (let i = 0; i < 1000; i++) {
    const slot = t.insert(i * 7, i % 3 === 0, peer, i);
    t.setBucket(slot, i + 1);
  }
  assert.ok(t.capacity >= 2048);
  for (let i = 0; i < 1000; i++) {
    const slot = t.find(i * 7);
    assert.ok(slot >= 0);
    assert.deepEqual([t.isClaimed(slot), t.timeoutAt(slot), t.bucketAt(slot), t.ownerAt(slot), t.addressAt(slot)], [i % 3 === 0, i, i + 1, '00000000000000aa', 'fe80::aa']);
  }
  // A new entry is filed in no bucket.
  assert.equal(t.bucketAt(t.insert(99_999, true, peer, 0)), NONE);
});

test('peers: one number per id and address; ids that are not 16 hex digits are told apart by their text', () => {
  const t = new ForeignTable();
  const a = t.peer('00000000000000aa', 'fe80::1');
  assert.equal(t.peer('00000000000000aa', 'fe80::1'), a);
  // Equal text in another string object is the same peer.
  assert.equal(t.peer(['00000000', '000000aa'].join(''), `fe80::${1}`), a);
  assert.notEqual(t.peer('00000000000000aa', 'fe80::2'), a, 'another address is another peer');
  assert.notEqual(t.peer('00000000000000ab', 'fe80::1'), a);
  const odd = ['peer-one', 'PEER-ONE', '00000000000000AA', '', 'x'.repeat(40)];
  const nums = odd.map((id) => t.peer(id, 'fe80::1'));
  assert.equal(new Set([a, ...nums]).size, odd.length + 1);
  assert.deepEqual(odd.map((id) => t.peer(id, 'fe80::1')), nums);
  const slot = t.insert(3, true, nums[1] as number, 10);
  assert.deepEqual([t.ownerAt(slot), t.addressAt(slot)], ['PEER-ONE', 'fe80::1']);
});

test('peer numbers stay bounded when one peer sends from ever new addresses; referenced peers survive', () => {
  const t = new ForeignTable();
  const keep = t.peer('0000000000000001', 'fe80::1');
  t.insert(1, true, keep, 100);
  let max = 0;
  for (let i = 0; i < 200_000; i++) {
    const p = t.peer('0000000000000002', `fe80::2:${i.toString(16)}`);
    // Block 2 always names the latest one; every earlier number is unreferenced.
    const slot = t.find(2);
    if (slot >= 0) t.update(slot, true, p, i);
    else t.insert(2, true, p, i);
    max = Math.max(max, t.peerCount);
  }
  assert.ok(max <= MIN_PEERS, `${max} peers numbered at once`);
  assert.deepEqual([t.ownerAt(t.find(1)), t.addressAt(t.find(1))], ['0000000000000001', 'fe80::1']);
  assert.deepEqual([t.ownerAt(t.find(2)), t.addressAt(t.find(2))], ['0000000000000002', `fe80::2:${(199_999).toString(16)}`]);
  // A number handed out after a compaction still finds the same peer.
  assert.equal(t.peer('0000000000000002', `fe80::2:${(199_999).toString(16)}`), t.peer('0000000000000002', `fe80::2:${(199_999).toString(16)}`));
});

test('isFrom: the slot names its owner id and address; refresh keeps them and changes state and timeout', () => {
  const t = new ForeignTable();
  const slot = t.insert(7, false, t.peer('00000000000000aa', 'fe80::1'), 10);
  assert.equal(t.isFrom(slot, '00000000000000aa', 'fe80::1'), true);
  assert.equal(t.isFrom(slot, ['00000000', '000000aa'].join(''), `fe80::${1}`), true, 'equal text, other objects');
  assert.equal(t.isFrom(slot, '00000000000000ab', 'fe80::1'), false);
  assert.equal(t.isFrom(slot, '00000000000000aa', 'fe80::2'), false);
  assert.equal(t.isFrom(slot, '00000000000000AA', 'fe80::1'), false, 'not the same text');
  t.refresh(slot, true, 20);
  assert.deepEqual([t.isClaimed(slot), t.timeoutAt(slot), t.ownerAt(slot), t.addressAt(slot)], [true, 20, '00000000000000aa', 'fe80::1']);
  t.refresh(slot, false, 30);
  assert.deepEqual([t.isClaimed(slot), t.timeoutAt(slot)], [false, 30]);
  const odd = t.insert(8, true, t.peer('peer-one', 'fe80::3'), 10);
  assert.equal(t.isFrom(odd, 'peer-one', 'fe80::3'), true);
  assert.equal(t.isFrom(odd, 'peer-two', 'fe80::3'), false);
  assert.equal(t.isFrom(odd, 'peer-one', 'fe80::1'), false);
});
