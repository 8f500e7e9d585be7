import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, formatMac } from '../../../src/wire/bytes';
import {
  allocOwnBlock, clearSlot, DECLINED, FREE, isKnown, LEASED, OFFERED, slotChaddrHex, slotCode, slotHasMac, slotMac, slotState, writeSlot,
} from '../../../src/core/lease-slots';

const SEED = 20261125;

test('slotHasMac compares the 6 MAC bytes of a known slot and ignores the other 10', () => {
  console.log(`# lease-slots seed ${SEED}`);
  const own = allocOwnBlock(2, 0);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (a, b, sameMac) => {
      if (sameMac) b.set(a.subarray(0, 6));
      writeSlot(own, 1, LEASED, a, 0);
      assert.equal(slotHasMac(own, 1, b), a.subarray(0, 6).every((x, i) => x === b[i]));
      assert.ok(slotHasMac(own, 1, a));
    }),
    { seed: SEED, numRuns: 20_000 },
  );
  writeSlot(own, 0, LEASED, Uint8Array.of(1, 2), 0);
  assert.ok(slotHasMac(own, 0, Uint8Array.of(1, 2, 0, 0, 0, 0, 9)), 'missing bytes read as zero');
});

test('a slot keeps its client after it is freed; state, expiry and chaddr read back as written', () => {
  const own = allocOwnBlock(4, 0);
  assert.deepEqual([0, 1, 2, 3].map((k) => [slotCode(own, k), isKnown(own, k)]), [[FREE, false], [FREE, false], [FREE, false], [FREE, false]]);
  const chaddr = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  writeSlot(own, 2, LEASED, chaddr, 1234.5);
  assert.deepEqual([slotState(own, 2), own.expiresAt[2], isKnown(own, 2)], ['leased', 1234.5, true]);
  assert.equal(slotChaddrHex(own, 2), bytesToHex(chaddr));
  assert.equal(slotMac(own, 2), formatMac(chaddr));
  assert.ok(slotHasMac(own, 2, chaddr));
  assert.ok(!slotHasMac(own, 1, new Uint8Array(16)), 'a never used slot has no client, not the zero MAC');
  clearSlot(own, 2);
  assert.deepEqual([slotState(own, 2), isKnown(own, 2), slotHasMac(own, 2, chaddr)], ['free', true, true]);
  // A shorter chaddr overwrites all 16 bytes: no bytes of the previous client remain.
  writeSlot(own, 2, OFFERED, Uint8Array.of(2, 0, 0, 0, 0, 9), 1);
  assert.equal(slotChaddrHex(own, 2), `020000000009${'0'.repeat(20)}`);
  writeSlot(own, 3, DECLINED, chaddr, 7);
  assert.deepEqual([slotState(own, 3), slotState(own, 2), slotMac(own, 2)], ['declined', 'offered', '02:00:00:00:00:09']);
});

test('hex and MAC of a slot match the generic formatters for any bytes', () => {
  const own = allocOwnBlock(2, 0);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (c) => {
      writeSlot(own, 1, LEASED, c, 0);
      assert.equal(slotChaddrHex(own, 1), bytesToHex(c));
      assert.equal(slotMac(own, 1), formatMac(c));
    }),
    { seed: SEED, numRuns: 20_000 },
  );
});
