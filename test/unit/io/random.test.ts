// The daemon's randomness, read from /dev/urandom instead of node:crypto (which
// costs ~0.45 MB of loaded modules): the byte counts asked for, and bytes that
// look random (all 256 values appear, no two draws alike).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCryptoRng, readRandomBytes } from '../../../src/io/clock';

test('readRandomBytes returns exactly the bytes asked for, different each time', () => {
  assert.equal(readRandomBytes(0).length, 0);
  assert.equal(readRandomBytes(8).length, 8);
  const a = readRandomBytes(4096);
  const b = readRandomBytes(4096);
  assert.equal(a.length, 4096);
  assert.notDeepEqual(a, b);
  assert.equal(new Set(a).size, 256, 'every byte value in 4 KB');
});

test('createCryptoRng refills its pool: 1000 draws span the u32 range and repeat nothing', () => {
  const rng = createCryptoRng();
  const seen = new Set<number>();
  let high = 0;
  for (let i = 0; i < 1000; i++) {
    const v = rng.nextU32();
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
    if (v >= 0x80000000) high++;
    seen.add(v);
  }
  assert.equal(seen.size, 1000);
  assert.ok(high > 400 && high < 600, `top bit set in ${high} of 1000 draws`);
});
