// ClientIndex against a Map model: random assignments, declines and dropped
// blocks in the order leases.ts makes them; every MAC must find what the Map says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientIndex } from '../../../src/core/client-index';
import { allocOwnBlock, isKnown, LEASED, writeSlot } from '../../../src/core/lease-slots';
import type { OwnBlock } from '../../../src/core/state';

const SEED = 20261125;
const BLOCK_SIZE = 8;
const BLOCKS = 24;

type Op =
  | { kind: 'assign'; offset: number; mac: number }
  | { kind: 'decline'; offset: number; mac: number }
  | { kind: 'drop'; block: number };

/** MACs 0..199: half differ only in the last byte, half are spread over all six. */
function macBytes(id: number): Uint8Array {
  const c = new Uint8Array(16);
  if (id % 2 === 0) c.set([2, 0, 0, 0, 0, id]);
  else c.set([(id * 37) & 255, (id * 91) & 255, id & 255, (id * 13) & 255, 1, (id * 7) & 255]);
  return c;
}

function macOfSlot(own: OwnBlock, k: number): number | undefined {
  if (!isKnown(own, k)) return undefined;
  for (let id = 0; id < 200; id++) if (macBytes(id).subarray(0, 6).every((x, i) => x === own.chaddr[k * 16 + i])) return id;
  return undefined;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('assign' as const), offset: fc.nat(BLOCKS * BLOCK_SIZE - 1), mac: fc.nat(199) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decline' as const), offset: fc.nat(BLOCKS * BLOCK_SIZE - 1), mac: fc.nat(199) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), block: fc.nat(BLOCKS - 1) }) },
);

test('find agrees with a Map of MAC -> offset through assignments, declines and dropped blocks', () => {
  console.log(`# client-index seed ${SEED}`);
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 400 }), (ops) => {
      const owned = new Map<number, OwnBlock>();
      const index = new ClientIndex(BLOCK_SIZE, (b) => owned.get(b));
      const model = new Map<number, number>();
      const slot = (offset: number): { own: OwnBlock; k: number } => {
        const b = Math.floor(offset / BLOCK_SIZE);
        let own = owned.get(b);
        if (own === undefined) owned.set(b, (own = allocOwnBlock(BLOCK_SIZE, 0)));
        return { own, k: offset % BLOCK_SIZE };
      };
      for (const op of ops) {
        if (op.kind === 'drop') {
          const own = owned.get(op.block);
          if (own === undefined) continue;
          for (let k = 0; k < BLOCK_SIZE; k++) {
            const mac = macOfSlot(own, k);
            const offset = op.block * BLOCK_SIZE + k;
            index.remove(offset);
            if (mac !== undefined && model.get(mac) === offset) model.delete(mac);
          }
          owned.delete(op.block);
          continue;
        }
        const { own, k } = slot(op.offset);
        // As setLease: the slot's old client loses its entry before the slot changes hands.
        const old = macOfSlot(own, k);
        if (old !== undefined && old !== op.mac) {
          index.remove(op.offset);
          if (model.get(old) === op.offset) model.delete(old);
        }
        writeSlot(own, k, LEASED, macBytes(op.mac), 0);
        if (op.kind === 'assign') {
          index.set(op.offset);
          model.set(op.mac, op.offset);
        } else {
          index.remove(op.offset);
          if (model.get(op.mac) === op.offset) model.delete(op.mac);
        }
        assert.equal(index.size, model.size);
      }
      for (let id = 0; id < 200; id++) assert.equal(index.find(macBytes(id)), model.get(id), `MAC ${id}`);
    }),
    { seed: SEED, numRuns: 2_000 },
  );
});

test('the table grows past its first 64 cells and shrinks back when emptied', () => {
  const owned = new Map<number, OwnBlock>();
  const index = new ClientIndex(128, (b) => owned.get(b));
  for (let b = 0; b < 80; b++) owned.set(b, allocOwnBlock(128, 0));
  for (let n = 0; n < 10_000; n++) {
    const own = owned.get(Math.floor(n / 128))!;
    writeSlot(own, n % 128, LEASED, Uint8Array.of(2, 0x62, 0, 0, n >> 8, n & 255), 0);
    index.set(n);
  }
  assert.equal(index.size, 10_000);
  for (const n of [0, 1, 4095, 9999]) assert.equal(index.find(Uint8Array.of(2, 0x62, 0, 0, n >> 8, n & 255)), n);
  assert.equal(index.find(Uint8Array.of(2, 0x62, 0, 1, 0, 0)), undefined);
  for (let n = 0; n < 10_000; n++) index.remove(n);
  assert.equal(index.size, 0);
  assert.equal(index.find(Uint8Array.of(2, 0x62, 0, 0, 0, 5)), undefined);
});
