// Fuzzing the ubus codecs with a fixed seed (FUZZ_SEED, FUZZ_RUNS): random and
// mutated messages (the 26 scenarios' bytes) never make the decoder or the
// frame reader throw, and whatever decodes re-decodes to the same value after
// encoding; generated messages survive encode → decode unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBlobmsgFields, encodeBlobmsgFields, MAX_BLOBMSG_DEPTH, type BlobmsgField, type BlobmsgValue } from '../../src/wire/ubus/blobmsg';
import { UbusFrameReader } from '../../src/wire/ubus/frame';
import { decodeUbusMessage, encodeUbusMessage, UBUS_MAX_MSGLEN, type UbusAttr, type UbusMessage } from '../../src/wire/ubus/message';
import { loadScenario, scenarioNames } from '../unit/ubus/scenarios';
import { cheapBytes, describeFuzz, fuzzParams, FUZZ_RUNS, mutatedFrom } from './fuzz-support';

const SEEDS = scenarioNames().flatMap((n) => loadScenario(n).map((m) => m.bytes));

/** What decoded must survive encoding: the same value when decoded again. */
function checkStable(bytes: Uint8Array): void {
  const d = decodeUbusMessage(bytes);
  if (!d.ok) {
    assert.equal(typeof d.error.kind, 'string');
    return;
  }
  const again = encodeUbusMessage(d.value);
  assert.ok(again.ok);
  const d2 = decodeUbusMessage(again.value);
  assert.ok(d2.ok);
  assert.deepEqual(d2.value, d.value);
}

function withLength(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length >= 12) new DataView(out.buffer).setUint32(8, (out[8]! << 24 | (out.length - 8)) >>> 0);
  return out;
}

test(`ubus fuzz: random framed messages never throw (${describeFuzz()})`, () => {
  const arb = fc.tuple(fc.integer({ min: 0, max: 13 }), fc.nat(0xffff), fc.nat(), cheapBytes(0, 400), fc.boolean())
    .map(([type, seq, peer, body, framed]) => {
      const out = new Uint8Array(12 + body.length);
      const v = new DataView(out.buffer);
      v.setUint8(1, type);
      v.setUint16(2, seq);
      v.setUint32(4, peer);
      v.setUint32(8, framed ? 4 + body.length : body.length);
      out.set(body, 12);
      return out;
    });
  fc.assert(fc.property(arb, (bytes) => checkStable(bytes)), fuzzParams());
});

test(`ubus fuzz: mutated recorded messages never throw and stay stable (${describeFuzz()})`, () => {
  const arb = fc.tuple(mutatedFrom(SEEDS, 4), fc.boolean()).map(([b, fix]) => (fix ? withLength(b) : b));
  fc.assert(fc.property(arb, (bytes) => checkStable(bytes)), fuzzParams());
});

test(`ubus fuzz: mutated blobmsg bodies decode or fail with a typed error (${describeFuzz()})`, () => {
  const bodies = SEEDS.map((b) => b.subarray(12));
  fc.assert(fc.property(mutatedFrom(bodies, 6), (bytes) => {
    const r = decodeBlobmsgFields(bytes);
    if (r.ok) assert.deepEqual(decodeBlobmsgFields(encodeBlobmsgFields(r.value)), r);
    else assert.equal(typeof r.error.kind, 'string');
  }), fuzzParams());
});

const nameArb = fc.string({ maxLength: 12 });
const leafArb: fc.Arbitrary<BlobmsgValue> = fc.oneof(
  fc.constant({ type: 'unspec' } as const),
  fc.string({ maxLength: 20 }).map((value) => ({ type: 'string', value }) as const),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: 'int64', value }) as const),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((value) => ({ type: 'int32', value }) as const),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ type: 'int16', value }) as const),
  fc.integer({ min: 0, max: 255 }).map((value) => ({ type: 'int8', value }) as const),
  fc.double({ noNaN: true }).map((value) => ({ type: 'double', value }) as const),
);
const { fields: fieldsArb } = fc.letrec<{ fields: BlobmsgField[]; value: BlobmsgValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb,
    tie('fields').map((items) => ({ type: 'table', items }) as const),
    tie('fields').map((items) => ({ type: 'array', items }) as const)),
  fields: fc.array(fc.record({ name: nameArb, value: tie('value') }), { maxLength: 4 }),
}));
const u32 = fc.nat({ max: 0xffffffff });
const attrArb: fc.Arbitrary<UbusAttr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('status', 'objid', 'objtype', 'target'), value: u32 }) as fc.Arbitrary<UbusAttr>,
  fc.record({ kind: fc.constantFrom('objpath', 'method', 'user', 'group'), value: fc.string({ maxLength: 16 }) }) as fc.Arbitrary<UbusAttr>,
  fc.record({ kind: fc.constantFrom('active', 'noReply'), value: fc.integer({ min: 0, max: 255 }) }) as fc.Arbitrary<UbusAttr>,
  fc.record({ kind: fc.constant('data' as const), fields: fieldsArb }),
  fc.record({ kind: fc.constant('subscribers' as const), ids: fc.array(u32, { maxLength: 4 }) }),
);
const messageArb: fc.Arbitrary<UbusMessage> = fc.record({
  type: fc.integer({ min: 0, max: 10 }), seq: fc.nat(0xffff), peer: u32, attrs: fc.array(attrArb, { maxLength: 6 }),
});

test(`ubus fuzz: generated messages survive encode → decode unchanged (${describeFuzz(Math.ceil(FUZZ_RUNS / 5))})`, () => {
  fc.assert(fc.property(messageArb, (msg) => {
    const bytes = encodeUbusMessage(msg);
    assert.ok(bytes.ok);
    const d = decodeUbusMessage(bytes.value);
    assert.ok(d.ok);
    assert.deepEqual(d.value, msg);
    const again = encodeUbusMessage(d.value);
    assert.ok(again.ok);
    assert.deepEqual(again.value, bytes.value);
  }), fuzzParams(Math.ceil(FUZZ_RUNS / 5)));
});

test(`ubus fuzz: the frame reader takes any chunking of mutated streams without throwing (${describeFuzz(Math.ceil(FUZZ_RUNS / 10))})`, () => {
  const arb = fc.tuple(fc.array(mutatedFrom(SEEDS, 2), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }));
  fc.assert(fc.property(arb, ([msgs, cuts]) => {
    const stream = Uint8Array.from(msgs.flatMap((m) => [...m]));
    const reader = new UbusFrameReader();
    let taken = 0;
    for (let pos = 0, i = 0; pos < stream.length; i++) {
      const step = cuts[i % cuts.length]!;
      const r = reader.push(stream.subarray(pos, pos + step));
      pos += step;
      if (!r.ok) return;
      for (const f of r.value) {
        taken += f.length;
        checkStable(f);
      }
    }
    assert.equal(taken + reader.pending, stream.length);
  }), fuzzParams(Math.ceil(FUZZ_RUNS / 10)));
});

test('ubus fuzz: hostile shapes are bounded: 100 000-deep nesting, a 16 MiB length, a 1 MiB + 4 reply', () => {
  const depth = 100_000;
  const nested = new Uint8Array(depth * 8);
  const v = new DataView(nested.buffer);
  for (let i = 0; i < depth; i++) v.setUint32(i * 8, (0x81000000 | (nested.length - i * 8)) >>> 0); // ARRAY, unnamed
  const r = decodeBlobmsgFields(nested);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'tooDeep');
  assert.equal(MAX_BLOBMSG_DEPTH, 32);

  const msg = new Uint8Array(12 + nested.length + 4);
  new DataView(msg.buffer).setUint32(8, 4 + 4 + nested.length);
  new DataView(msg.buffer).setUint32(12, (0x07000000 | (4 + nested.length)) >>> 0);
  msg.set(nested, 16);
  const started = performance.now();
  const d = decodeUbusMessage(msg);
  assert.ok(d.ok && d.value.attrs[0]?.kind === 'raw', 'DATA that is not blobmsg stays raw');
  assert.ok(performance.now() - started < 1000);

  const huge = new UbusFrameReader().push(Uint8Array.of(0, 2, 0, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff));
  assert.deepEqual(huge, { ok: false, error: { kind: 'tooLarge', size: 8 + 0xffffff, limit: UBUS_MAX_MSGLEN } });

  const big = encodeUbusMessage({ type: 2, seq: 1, peer: 0, attrs: [{ kind: 'objpath', value: 'x'.repeat(UBUS_MAX_MSGLEN) }] });
  assert.ok(!big.ok);
  assert.equal(big.error.kind, 'tooLarge');
});
