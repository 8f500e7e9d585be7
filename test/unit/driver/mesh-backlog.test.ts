import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshBacklog } from '../../../src/driver/mesh-backlog';

const packet = (n: number): Uint8Array => Uint8Array.of(n);

test('mesh backlog: holds packets in order and hands out only those younger than the age limit', () => {
  const b = new MeshBacklog(4000);
  assert.equal(b.hold(packet(1), 0), 0);
  assert.equal(b.hold(packet(2), 3000), 0);
  assert.equal(b.size, 2);
  const { fresh, stale } = b.take(5000);
  assert.deepEqual(fresh.map((p) => p[0]), [2]);
  assert.equal(stale, 1);
  assert.equal(b.size, 0, 'taking empties it');
  assert.deepEqual(b.take(5000), { fresh: [], stale: 0 });
});

test('mesh backlog: bounded; the oldest packet is pushed out and reported', () => {
  const b = new MeshBacklog(4000, 3);
  let pushedOut = 0;
  for (let i = 0; i < 10_000; i++) pushedOut += b.hold(packet(i & 255), 0);
  assert.equal(b.size, 3);
  assert.equal(pushedOut, 10_000 - 3);
  assert.deepEqual(b.take(0).fresh.map((p) => p[0]), [(9997 & 255), (9998 & 255), (9999 & 255)]);
  b.hold(packet(1), 0);
  assert.equal(b.clear(), 1);
  assert.equal(b.size, 0);
});
