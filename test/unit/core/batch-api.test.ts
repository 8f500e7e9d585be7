// What the core offers a driver that hands over many inputs at once: heldIndexes
// (the blocks a node holds, the same array until that set changes), handleMany
// (the same as handle() for each input in turn), and the expiry heap under them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryHeap } from '../../../src/core/expiry-heap';
import { createCore } from '../../../src/core/node';
import type { Effect, Input } from '../../../src/core/types';
import { advance, BIG_ID, dhcp, FIRST_ROUND_AT, inquire, makeCfg, OWNED_AT, ownedCore, PEER_ADDR, seededRng, SMALL_ID, updateClaim } from './fixtures';

test('heldIndexes: claiming, then ours, then lost; the same array while nothing changes', () => {
  const core = createCore(makeCfg(), seededRng(1), 0);
  assert.deepEqual(core.heldIndexes(), []);
  advance(core, FIRST_ROUND_AT);
  const claiming = core.heldIndexes();
  assert.equal(claiming.length, 1, 'one block claimed for the spare leases');
  const index = claiming[0] as number;
  // A peer claims every other block of the 32: that changes nothing we hold, the very same
  // array; and a block we lose later cannot be replaced, so nothing else changes with it.
  const others = Array.from({ length: 32 }, (_, i) => i).filter((i) => i !== index);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, others) }, 1_000);
  assert.equal(core.heldIndexes(), claiming);
  advance(core, OWNED_AT);
  assert.equal(core.view().blocks().find((b) => b.index === index)?.state, 'ours');
  assert.deepEqual(core.heldIndexes(), [index]);
  // A larger id claims it: no longer ours, and nothing is free to claim instead.
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [index]) }, 30_000);
  assert.deepEqual(core.heldIndexes(), []);
});

test('handleMany gives the effects and state of handle() for each input in turn', () => {
  // Long enough to read the claim table first: 16 slots, so 1 input in 16 is enough.
  const inputs: Input[] = [];
  const at: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = OWNED_AT + 100 + i * 700;
    at.push(t);
    if (i % 10 === 3) inputs.push({ kind: 'ddhcp', from: PEER_ADDR, msg: inquire(SMALL_ID, [5]) });
    else if (i % 10 === 7) inputs.push({ kind: 'dhcp', msg: dhcp({ type: 1, client: i }) });
    else inputs.push({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [(i % 20) + 8]) });
  }
  const one = ownedCore(5);
  const many = ownedCore(5);
  const byOne: Effect[] = [];
  for (let i = 0; i < inputs.length; i++) byOne.push(...one.handle(inputs[i] as Input, at[i] as number));
  // Entries past `count` are not inputs of this batch (this one would take our block).
  const padded: Input[] = [...inputs, { kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [5]) }];
  const byMany = many.handleMany(padded, [...at, 0], inputs.length);
  assert.ok(byOne.length > 0, 'the inputs had effects to compare (answers, offers)');
  assert.deepEqual(byMany, byOne);
  assert.deepEqual(many.view().blocks(), one.view().blocks());
  assert.deepEqual(many.snapshot(60_000), one.snapshot(60_000));
  assert.equal(many.nextDeadline(), one.nextDeadline());
});

test('expiry heap: entries come out by step, whatever order they went in', () => {
  const heap = new ExpiryHeap();
  const rng = seededRng(5);
  const ref: [number, number][] = [];
  const out: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const step = rng.nextU32() % 300;
    heap.push(step, i);
    ref.push([step, i]);
    // Interleaved pops: each takes an entry of the smallest step left.
    if (i % 3 === 2) {
      const first = heap.first;
      const index = heap.pop();
      const at = ref.findIndex(([s, x]) => s === first && x === index);
      assert.ok(at >= 0, `popped (${first}, ${index}) was pushed`);
      assert.equal(first, Math.min(...ref.map(([s]) => s)));
      ref.splice(at, 1);
      out.push(first);
    }
  }
  while (heap.size > 0) {
    out.push(heap.first);
    heap.pop();
  }
  assert.equal(heap.first, Infinity);
  assert.equal(out.length, 5000);
});
