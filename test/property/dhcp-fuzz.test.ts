// Fuzzes decodeDhcp with random bytes, random option areas behind a valid
// fixed part, and mutated real-looking packets: it never throws, and anything
// it accepts re-encodes to bytes that decode to an equal message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDhcp, encodeDhcp } from '../../src/wire/dhcp';
import { hexToBytes } from '../../src/wire/bytes';
import type { DhcpMessage } from '../../src/wire/dhcp-message';
import { cheapBytes, describeFuzz, fuzzParams, mutatedFrom } from './fuzz-support';

const ERROR_KINDS = ['tooShort', 'badMagicCookie', 'badOp', 'badHardwareLength', 'badOption'];

function fixed(op: number, hlen: number, sname: Uint8Array, file: Uint8Array): Uint8Array {
  const out = new Uint8Array(240);
  out.set([op, 1, hlen, 0, 0x39, 0x03, 0xf3, 0x26]);
  out.set([0x02, 0x6e, 0x6c, 0x01, 0x02, 0x00], 28);
  out.set(sname.subarray(0, 64), 44);
  out.set(file.subarray(0, 128), 108);
  out.set([99, 130, 83, 99], 236);
  return out;
}

const hex = (h: string): Uint8Array => hexToBytes(h) ?? new Uint8Array();
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const none = new Uint8Array(0);

const SEEDS: Uint8Array[] = [
  // udhcpc DISCOVER: 53, 61, 57, 60, 12, 55
  concat(fixed(1, 6, none, none), hex('350101' + '3d0701026e6c010200' + '39020240' + '3c0c756468637020312e33352e30' + '0c07636c69656e7431' + '37070103060c0f1c2a' + 'ff'), new Uint8Array(60)),
  // dhclient REQUEST in INIT-REBOOT with 50 and a split option 12
  concat(fixed(1, 6, none, none), hex('350103' + '32040a00ff09' + '0c03636c69' + '0c03656e74' + '370401031c06' + 'ff')),
  // overload 3 with options in file and sname
  concat(fixed(1, 6, hex('0c027374ff'), hex('0c02686f32040a00ff09ff')), hex('350103' + '340103' + 'ff')),
  // OFFER as we send it
  encodeDhcp({
    op: 2, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0x0a00ff09, siaddr: 0, giaddr: 0,
    chaddr: new Uint8Array(16), sname: new Uint8Array(64), file: new Uint8Array(128),
    options: [{ code: 53, data: Uint8Array.of(2) }, { code: 54, data: Uint8Array.of(10, 0, 0, 1) }, { code: 43, data: new Uint8Array(300) }],
  }),
];

/** Accepted input must survive encode then decode unchanged (the encoder may reorder bytes, not meaning). */
function checkDecode(bytes: Uint8Array): boolean {
  const r = decodeDhcp(bytes);
  if (!r.ok) return ERROR_KINDS.includes(r.error.kind);
  const again = decodeDhcp(encodeDhcp(r.value));
  assert.ok(again.ok, JSON.stringify(again));
  assert.deepEqual(again.value, r.value);
  return true;
}

/** xorshift32: the structured generator draws one seed from fast-check and builds the rest itself, for speed. */
function makeRandom(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** Option-ish bytes: mostly well-formed TLVs, with pads, ends, overload values 0-4 and over-long lengths. */
function buildOptionArea(rand: (n: number) => number): number[] {
  const out: number[] = [];
  const items = rand(30);
  for (let i = 0; i < items; i++) {
    const pick = rand(12);
    if (pick === 0) out.push(0);
    else if (pick === 1) out.push(255);
    else if (pick === 2) out.push(52, 1, rand(5));
    // A length byte that may run past the area: the truncation path.
    else if (pick === 3) out.push(1 + rand(254), rand(256));
    else {
      const len = rand(21);
      out.push(1 + rand(254), len);
      for (let j = 0; j < len; j++) out.push(rand(256));
    }
  }
  return out;
}

const structured = fc
  .tuple(fc.constantFrom(1, 2, 3), fc.integer({ min: 0, max: 18 }), fc.integer({ min: 1, max: 0x7fffffff }))
  .map(([op, hlen, seed]) => {
    const rand = makeRandom(seed);
    const sname = Uint8Array.from(buildOptionArea(rand));
    const file = Uint8Array.from(buildOptionArea(rand));
    return concat(fixed(op, hlen, sname, file), Uint8Array.from(buildOptionArea(rand)));
  });

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 255 });
const messageArb: fc.Arbitrary<DhcpMessage> = fc.record({
  op: fc.constantFrom(1, 2),
  htype: u8,
  hlen: fc.integer({ min: 0, max: 16 }),
  hops: u8,
  xid: u32,
  secs: u16,
  flags: u16,
  ciaddr: u32,
  yiaddr: u32,
  siaddr: u32,
  giaddr: u32,
  chaddr: cheapBytes(16, 16),
  sname: fc.oneof(fc.constant(new Uint8Array(64)), cheapBytes(64, 64)),
  file: fc.oneof(fc.constant(new Uint8Array(128)), cheapBytes(128, 128)),
  options: fc
    .uniqueArray(fc.record({ code: fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52), data: fc.oneof(cheapBytes(0, 40), cheapBytes(0, 600)) }), {
      selector: (o) => o.code,
      maxLength: 12,
    }),
});

test('decodeDhcp: random bytes never throw', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(fc.property(cheapBytes(0, 600), checkDecode), fuzzParams());
});

test('decodeDhcp: valid fixed part with random option areas and overload', (t) => {
  t.diagnostic(describeFuzz());
  let accepted = 0;
  let rich = 0;
  fc.assert(
    fc.property(structured, (bytes) => {
      const r = decodeDhcp(bytes);
      if (r.ok) accepted++;
      if (r.ok && r.value.options.length >= 3) rich++;
      return checkDecode(bytes);
    }),
    fuzzParams(),
  );
  // Both paths must be well exercised, or the round trip above tests little.
  assert.ok(accepted > 5000 && rich > 1000, `accepted ${accepted}, with 3+ options ${rich}`);
});

test('decodeDhcp: mutated real-looking packets', (t) => {
  t.diagnostic(describeFuzz());
  for (const s of SEEDS) assert.ok(decodeDhcp(s).ok);
  fc.assert(fc.property(mutatedFrom(SEEDS, 6), checkDecode), fuzzParams());
});

test('encodeDhcp then decodeDhcp gives back any message without overload', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(
    fc.property(messageArb, (msg) => {
      const bytes = encodeDhcp(msg);
      assert.ok(bytes.length >= 300);
      const r = decodeDhcp(bytes);
      assert.ok(r.ok);
      assert.deepEqual(r.value, msg);
    }),
    fuzzParams(),
  );
});
