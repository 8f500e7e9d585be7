import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatMac, toHex } from '../../../src/core/ipv4';
import {
  allocOwnBlock, clearSlot, DECLINED, FREE, isKnown, LEASED, macKey, OFFERED, slotChaddrHex, slotCode, slotHasMac, slotMac, slotMacKey, slotState, writeSlot,
} from '../../../src/core/lease-slots';

const SEED = 20261125;

test('macKey is exact and one-to-one over the 6 MAC bytes, and ignores the other 10', () => {
  console.log(`# lease-slots seed ${SEED}`);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (a, b) => {
      const same = a.subarray(0, 6).every((x, i) => x === b[i]);
      assert.equal(macKey(a) === macKey(b), same);
      assert.ok(Number.isSafeInteger(macKey(a)) && macKey(a) >= 0 && macKey(a) < 2 ** 48);
    }),
    { seed: SEED, numRuns: 20_000 },
  );
  assert.equal(macKey(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), 2 ** 48 - 1);
  assert.equal(macKey(Uint8Array.of(1, 2)), 0x010200000000, 'missing bytes read as zero');
});

test('a slot keeps its client after it is freed; state, expiry and chaddr read back as written', () => {
  const own = allocOwnBlock(4, 0);
  assert.deepEqual([0, 1, 2, 3].map((k) => [slotCode(own, k), isKnown(own, k)]), [[FREE, false], [FREE, false], [FREE, false], [FREE, false]]);
  const chaddr = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  writeSlot(own, 2, LEASED, chaddr, 1234.5);
  assert.deepEqual([slotState(own, 2), own.expiresAt[2], isKnown(own, 2)], ['leased', 1234.5, true]);
  assert.equal(slotChaddrHex(own, 2), toHex(chaddr));
  assert.equal(slotMac(own, 2), formatMac(chaddr));
  assert.equal(slotMacKey(own, 2), macKey(chaddr));
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
      assert.equal(slotChaddrHex(own, 1), toHex(c));
      assert.equal(slotMac(own, 1), formatMac(c));
    }),
    { seed: SEED, numRuns: 20_000 },
  );
});
