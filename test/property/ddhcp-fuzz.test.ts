// Fuzzes decodeDdhcp with random bytes, random headers and mutated C vectors:
// it never throws, and whatever it accepts re-encodes to exactly the input
// (the DDHCP length is fully determined by command and count).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeDdhcp, encodeDdhcp } from '../../src/wire/ddhcp';
import { hexToBytes } from '../../src/wire/bytes';
import type { DdhcpMessage } from '../../src/wire/ddhcp-message';
import { describeFuzz, fuzzParams, mutatedFrom } from './fuzz-support';
import { DDHCP_VECTORS } from '../vectors/dirs';

const DIR = DDHCP_VECTORS;
const FILES = ['updateclaim.json', 'inquire.json', 'renewlease.json', 'leaseack.json', 'leasenak.json', 'bigendian.json', 'crafted.json'];
const SEEDS: Uint8Array[] = FILES.flatMap((f) =>
  (JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { hex: string }[]).map((v) => hexToBytes(v.hex) ?? new Uint8Array()),
);
const COMMANDS = [0, 1, 2, 3, 15, 16, 17, 18, 19, 20, 255];

/** Accepted bytes must be exactly what the encoder writes for the decoded value. */
function checkDecode(bytes: Uint8Array): boolean {
  const r = decodeDdhcp(bytes);
  if (!r.ok) return ['tooShort', 'badLength', 'unknownCommand'].includes(r.error.kind);
  assert.deepEqual(encodeDdhcp(r.value), bytes);
  return true;
}

/** A header with a plausible command and count, followed by a random-length body. */
const headerish = fc
  .tuple(fc.uint8Array({ minLength: 14, maxLength: 14 }), fc.constantFrom(...COMMANDS), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 300 }))
  .chain(([head, command, count, bodyLen]) => {
    const exact = command === 1 ? 7 * count : command === 2 ? 4 * count : command >= 16 && command <= 19 ? 28 : bodyLen;
    return fc
      .uint8Array({ minLength: 0, maxLength: 0 })
      .chain(() => fc.constantFrom(exact, bodyLen, Math.max(0, exact - 1), exact + 1))
      .chain((len) => fc.uint8Array({ minLength: len, maxLength: len }))
      .map((body) => Uint8Array.from([...head, command, count, ...body]));
  });

const nodeIdArb = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex'));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const headerArb = fc.record({ nodeId: nodeIdArb, prefix: u32, prefixLen: fc.integer({ min: 0, max: 255 }), blockSize: fc.integer({ min: 0, max: 255 }) });
const messageArb: fc.Arbitrary<DdhcpMessage> = fc.oneof(
  fc.tuple(headerArb, fc.array(fc.record({ blockIndex: u32, timeoutSec: fc.integer({ min: 0, max: 0xffff }), reserved: fc.integer({ min: 0, max: 255 }) }), { maxLength: 40, size: 'max' }))
    .map(([h, claims]) => ({ ...h, command: 1 as const, claims })),
  fc.tuple(headerArb, fc.array(u32, { maxLength: 255, size: 'max' })).map(([h, blocks]) => ({ ...h, command: 2 as const, blocks })),
  fc.tuple(headerArb, fc.constantFrom(16 as const, 17 as const, 18 as const, 19 as const), fc.integer({ min: 0, max: 255 }), u32, u32, u32, fc.uint8Array({ minLength: 16, maxLength: 16 }))
    .map(([h, command, count, addressRaw, xid, leaseSeconds, chaddr]) => ({ ...h, command, count, lease: { addressRaw, xid, leaseSeconds, chaddr } })),
);

test('decodeDdhcp: random bytes never throw; accepted ones re-encode exactly', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), checkDecode), fuzzParams());
});

test('decodeDdhcp: random headers with near-valid lengths', (t) => {
  t.diagnostic(describeFuzz());
  let accepted = 0;
  fc.assert(
    fc.property(headerish, (bytes) => {
      if (decodeDdhcp(bytes).ok) accepted++;
      return checkDecode(bytes);
    }),
    fuzzParams(),
  );
  // The generator must actually reach the success path, or the round trip above tests nothing.
  assert.ok(accepted > 1000, `only ${accepted} accepted`);
});

test('decodeDdhcp: mutated C vectors', (t) => {
  t.diagnostic(describeFuzz());
  assert.ok(SEEDS.length > 50);
  fc.assert(fc.property(mutatedFrom(SEEDS), checkDecode), fuzzParams());
});

test('encodeDdhcp then decodeDdhcp gives back any message', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(
    fc.property(messageArb, (msg) => {
      const r = decodeDdhcp(encodeDdhcp(msg));
      assert.ok(r.ok);
      assert.deepEqual(r.value, msg);
    }),
    fuzzParams(),
  );
});
