// Fuzzes decodeStateFile with random text, random JSON, near-valid objects and
// byte-mutated valid files: it never throws, and anything it accepts encodes
// back to text that decodes to the same value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeStateFile, encodeStateFile, type StateFile } from '../../src/persist/state-file';
import { cheapBytes, describeFuzz, fuzzParams, mutatedFrom } from './fuzz-support';

const ERROR_KINDS = ['tooLarge', 'badJson', 'badVersion', 'badField', 'tooMany', 'duplicate'];

function checkDecode(text: string): boolean {
  const r = decodeStateFile(text);
  if (!r.ok) return ERROR_KINDS.includes(r.error.kind);
  const again = decodeStateFile(encodeStateFile(r.value));
  assert.ok(again.ok, JSON.stringify(again));
  assert.deepEqual(again.value, r.value);
  return true;
}

const wallMs = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER));

/** Valid files: unique block indexes within the network, unique lease addresses inside it. */
const stateFileArb: fc.Arbitrary<StateFile> = fc
  .tuple(fc.integer({ min: 8, max: 30 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffffffff }))
  .chain(([prefixLen, pow, base]) => {
    const sizePow = Math.min(pow, 32 - prefixLen);
    const mask = (0xffffffff << (32 - prefixLen)) >>> 0;
    const prefix = (base & mask) >>> 0;
    const numBlocks = 2 ** (32 - prefixLen - sizePow);
    const hostMax = 2 ** (32 - prefixLen) - 1;
    return fc.record({
      version: fc.constant(1 as const),
      savedAtWallMs: wallMs,
      nodeId: cheapBytes(8, 8).map((b) => Buffer.from(b).toString('hex')),
      prefix: fc.constant(prefix),
      prefixLen: fc.constant(prefixLen),
      blockSize: fc.constant(2 ** sizePow),
      blocks: fc.uniqueArray(fc.record({ index: fc.integer({ min: 0, max: numBlocks - 1 }), expiresAtWallMs: wallMs }), {
        selector: (b) => b.index,
        maxLength: 8,
      }),
      leases: fc.uniqueArray(
        fc.record({
          ip: fc.integer({ min: 0, max: hostMax }).map((h) => (prefix + h) >>> 0),
          chaddr: cheapBytes(16, 16).map((b) => Buffer.from(b).toString('hex')),
          state: fc.constantFrom('offered' as const, 'leased' as const, 'declined' as const),
          expiresAtWallMs: wallMs,
        }),
        { selector: (l) => l.ip, maxLength: 8 },
      ),
    });
  });

/** Each field valid or replaced by any JSON value, so every check is reached from both sides. */
const nearValid = fc
  .tuple(stateFileArb, fc.array(fc.tuple(fc.constantFrom('version', 'savedAtWallMs', 'nodeId', 'prefix', 'prefixLen', 'blockSize', 'blocks', 'leases', 'blocks.0', 'leases.0', 'leases.0.ip', 'leases.0.chaddr', 'leases.0.state', 'blocks.0.index'), fc.jsonValue({ maxDepth: 2 })), { maxLength: 2 }))
  .map(([file, edits]) => {
    const o = JSON.parse(encodeStateFile(file)) as Record<string, unknown>;
    for (const [path, value] of edits) {
      const keys = path.split('.');
      let target: unknown = o;
      for (const k of keys.slice(0, -1)) target = (target as Record<string, unknown> | undefined)?.[k];
      if (typeof target === 'object' && target !== null) (target as Record<string, unknown>)[keys[keys.length - 1]!] = value;
    }
    return JSON.stringify(o);
  });

const SEEDS = fc.sample(stateFileArb, { seed: 7, numRuns: 20 }).map((f) => new TextEncoder().encode(encodeStateFile(f)));
const decoder = new TextDecoder('utf-8', { fatal: false });

test('decodeStateFile: random text never throws', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.fullUnicodeString({ maxLength: 100 }), fc.json()), checkDecode), fuzzParams());
});

test('decodeStateFile: near-valid objects', (t) => {
  t.diagnostic(describeFuzz());
  let accepted = 0;
  fc.assert(
    fc.property(nearValid, (text) => {
      if (decodeStateFile(text).ok) accepted++;
      return checkDecode(text);
    }),
    fuzzParams(),
  );
  assert.ok(accepted > 1000, `only ${accepted} accepted`);
});

test('decodeStateFile: byte-mutated valid files', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(fc.property(mutatedFrom(SEEDS, 4), (bytes) => checkDecode(decoder.decode(bytes))), fuzzParams());
});

test('encodeStateFile then decodeStateFile gives back any valid file', (t) => {
  t.diagnostic(describeFuzz());
  fc.assert(
    fc.property(stateFileArb, (file) => {
      assert.deepEqual(decodeStateFile(encodeStateFile(file)), { ok: true, value: file });
    }),
    fuzzParams(),
  );
});
