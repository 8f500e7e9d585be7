// Any bytes into the control request decoder: a Result, never a throw; valid
// requests round-trip; the length the server waits for agrees with the decoder.
// Seed and run count from FUZZ_SEED / FUZZ_RUNS (default 100 000).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeControlRequest,
  encodeControlRequest,
  measureControlRequest,
  MAX_CONTROL_REQUEST_BYTES,
  type ControlRequest,
} from '../../src/ctl/codec';

const seed = Number(process.env['FUZZ_SEED'] ?? 0x5eed3);
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 100_000);
console.log(`control-fuzz: seed ${seed}, runs ${numRuns}`);

/** Mostly short requests that start with a real command byte, sometimes anything up to past the cap. */
const requestBytes = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 12 })).map(([c, rest]) => Uint8Array.of(c, ...rest)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1490, maxLength: 1520 }) },
);

const validRequest: fc.Arbitrary<ControlRequest> = fc.oneof(
  fc.constant<ControlRequest>({ kind: 'showBlocks' }),
  fc.constant<ControlRequest>({ kind: 'showOptions' }),
  fc.constant<ControlRequest>({ kind: 'statistics' }),
  fc.constant<ControlRequest>({ kind: 'statisticsReset' }),
  fc.integer({ min: 1, max: 254 }).map((code): ControlRequest => ({ kind: 'removeOption', code })),
  fc.integer({ min: 0, max: 255 }).map((level): ControlRequest => ({ kind: 'setLogLevel', level })),
  fc.tuple(fc.integer({ min: 1, max: 254 }), fc.uint8Array({ minLength: 1, maxLength: 255 }))
    .map(([code, payload]): ControlRequest => ({ kind: 'setOption', code, payload })),
);

test('decodeControlRequest never throws and only accepts requests of exactly their own length', () => {
  fc.assert(
    fc.property(requestBytes, (bytes) => {
      const r = decodeControlRequest(bytes);
      const need = measureControlRequest(bytes);
      if (r.ok) {
        assert.equal(need, bytes.length);
        assert.ok(bytes.length <= MAX_CONTROL_REQUEST_BYTES);
        assert.deepEqual(encodeControlRequest(r.value), bytes);
      } else if (bytes.length === 0) {
        assert.equal(r.error.kind, 'empty');
      }
    }),
    { seed, numRuns },
  );
});

test('decode(encode(x)) == x for every valid request', () => {
  fc.assert(
    fc.property(validRequest, (req) => {
      assert.deepEqual(decodeControlRequest(encodeControlRequest(req)), { ok: true, value: req });
    }),
    { seed, numRuns: Math.min(numRuns, 20_000) },
  );
});
