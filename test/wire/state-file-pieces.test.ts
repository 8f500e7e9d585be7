// encodeStateFilePieces: the state file in slices of at most N leases (so the
// daemon can answer clients between them); joined, the slices are exactly
// encodeStateFile's text, for any slice size and any number of leases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStateFile, encodeStateFile, encodeStateFilePieces, type StateFile } from '../../src/persist/state-file';

function fileWith(leaseCount: number, blockCount: number): StateFile {
  const prefix = 0x0a008000;
  return {
    version: 1,
    savedAtWallMs: 1_700_000_000_000,
    nodeId: '0123456789abcdef',
    prefix,
    prefixLen: 17,
    blockSize: 128,
    blocks: Array.from({ length: blockCount }, (_, i) => ({ index: i, expiresAtWallMs: 1_700_000_060_000 + i })),
    leases: Array.from({ length: leaseCount }, (_, i) => ({
      ip: prefix + 1 + i,
      chaddr: `0262${i.toString(16).padStart(8, '0')}${'0'.repeat(20)}`,
      state: i % 7 === 0 ? ('declined' as const) : ('leased' as const),
      expiresAtWallMs: 1_700_000_300_000 + i,
    })),
  };
}

test('joined pieces equal the one-piece text for every slice size', () => {
  for (const leases of [0, 1, 2, 999, 1000, 1001, 2500]) {
    const file = fileWith(leases, leases === 0 ? 0 : 3);
    const whole = encodeStateFile(file);
    for (const per of [1, 7, 1000, 5000, Number.NaN, 0]) {
      assert.equal([...encodeStateFilePieces(file, per)].join(''), whole, `${leases} leases, ${per} per piece`);
    }
    assert.deepEqual(decodeStateFile(whole), { ok: true, value: file });
  }
});

test('no piece holds more than the asked number of leases', () => {
  const pieces = [...encodeStateFilePieces(fileWith(2500, 2), 1000)];
  // Head with the blocks, three slices of leases, the closing brackets.
  assert.equal(pieces.length, 5);
  const counts = pieces.map((p) => (p.match(/"chaddr"/g) ?? []).length);
  assert.deepEqual(counts, [0, 1000, 1000, 500, 0]);
});
