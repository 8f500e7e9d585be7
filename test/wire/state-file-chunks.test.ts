// encodePersistedChunks: the state file as bytes straight from a snapshot. For
// any snapshot, clock and chunk size the bytes are exactly the text of
// encodeStateFile(fromPersisted(...)), and a chunk holds at most N leases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LEASE_STATES, type CompactSnapshot, type PersistedState } from '../../src/core/types';
import { decodeStateFile, encodeStateFile, fromPersisted, type BootClock } from '../../src/persist/state-file';
import { encodeCompactChunks, encodePersistedChunks } from '../../src/persist/state-file-chunks';

const SEED = 20261125;

/** Concatenates the chunks, copying each before the next is asked for (they share a buffer). */
function collect(chunks: Iterable<Uint8Array>): { text: string; sizes: number[] } {
  const parts: Uint8Array[] = [];
  for (const c of chunks) parts.push(c.slice());
  return { text: new TextDecoder().decode(Buffer.concat(parts)), sizes: parts.map((p) => p.length) };
}

function snapshotWith(leaseCount: number): PersistedState {
  const prefix = 0x0a008000;
  return {
    version: 1,
    nodeId: '0123456789abcdef',
    prefix,
    prefixLen: 17,
    blockSize: 128,
    blocks: [{ index: 0, remainingMs: 60_000.4 }, { index: 1, remainingMs: 0 }],
    leases: Array.from({ length: leaseCount }, (_, i) => ({
      ip: prefix + 1 + i,
      chaddr: `0262${i.toString(16).padStart(8, '0')}${'0'.repeat(20)}`,
      state: i % 7 === 0 ? ('declined' as const) : ('leased' as const),
      remainingMs: 300_000 + i + 0.75,
    })),
  };
}

const BOOT: BootClock = { bootId: '6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab', monoMs: 123_456.9 };

test('the chunks are the text of encodeStateFile(fromPersisted(...)) for any chunk size', () => {
  for (const leases of [0, 1, 2, 999, 1000, 1001, 2500]) {
    const p = snapshotWith(leases);
    for (const boot of [undefined, BOOT]) {
      const whole = encodeStateFile(fromPersisted(p, 1_700_000_000_000.5, boot));
      for (const per of [1, 7, 1000, 5000, Number.NaN, 0]) {
        assert.equal(collect(encodePersistedChunks(p, 1_700_000_000_000.5, boot, per)).text, whole, `${leases} leases, ${per} per chunk`);
      }
      assert.ok(decodeStateFile(whole).ok);
    }
  }
});

test('a chunk holds at most the asked number of leases, and one buffer is reused', () => {
  const seen = new Set<ArrayBufferLike>();
  const counts: number[] = [];
  for (const c of encodePersistedChunks(snapshotWith(2500), 1_700_000_000_000, undefined, 1000)) {
    seen.add(c.buffer);
    counts.push((new TextDecoder().decode(c).match(/"chaddr"/g) ?? []).length);
  }
  assert.deepEqual(counts, [1000, 1000, 500]);
  assert.equal(seen.size, 1);
});

test('odd values encode as JSON does: escapes, non-ASCII, fractions, negatives, non-finite', () => {
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53, 1e21, Number.NaN, Number.POSITIVE_INFINITY));
  const lease = fc.record({ ip: num, chaddr: text, state: fc.constantFrom('offered' as const, 'leased' as const, 'declined' as const), remainingMs: num });
  console.log(`# state-file-chunks seed ${SEED}`);
  fc.assert(
    fc.property(fc.array(lease, { maxLength: 8 }), num, fc.integer({ min: 1, max: 4 }), text, (leases, now, per, nodeId) => {
      const p: PersistedState = { version: 1, nodeId, prefix: 0x0a000000, prefixLen: 8, blockSize: 64, blocks: [{ index: 3, remainingMs: 5 }], leases };
      assert.equal(collect(encodePersistedChunks(p, now, BOOT, per)).text, encodeStateFile(fromPersisted(p, now, BOOT)));
    }),
    { seed: SEED, numRuns: 20_000 },
  );
});

function compactOf(p: PersistedState): CompactSnapshot {
  const { leases, ...head } = p;
  const n = leases.length;
  const t = { count: n, ip: new Uint32Array(n), state: new Uint8Array(n), remainingMs: new Float64Array(n), chaddr: new Uint8Array(16 * n) };
  leases.forEach((l, i) => {
    t.ip[i] = l.ip;
    t.state[i] = LEASE_STATES.indexOf(l.state);
    t.remainingMs[i] = l.remainingMs;
    t.chaddr.set(Buffer.from(l.chaddr, 'hex'), 16 * i);
  });
  return { head, leases: t };
}

test('the compact snapshot gives the same bytes as the plain one, for any chunk size', () => {
  for (const leases of [0, 1, 1000, 2500]) {
    const p = snapshotWith(leases);
    for (const per of [1, 999, 1000, Number.POSITIVE_INFINITY]) {
      const plain = collect(encodePersistedChunks(p, 1_700_000_000_000.5, BOOT, per));
      assert.deepEqual(collect(encodeCompactChunks(compactOf(p), 1_700_000_000_000.5, BOOT, per)), plain, `${leases} leases, ${per} per chunk`);
    }
  }
  const hex = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
  const lease = fc.record({ ip: fc.integer({ min: 0, max: 0xffffffff }), chaddr: hex, state: fc.constantFrom(...LEASE_STATES), remainingMs: fc.double({ min: 0, max: 1e12, noNaN: true }) });
  fc.assert(
    fc.property(fc.array(lease, { maxLength: 8 }), fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 1, max: 4 }), (leases, now, per) => {
      const p: PersistedState = { ...snapshotWith(0), leases };
      assert.equal(collect(encodeCompactChunks(compactOf(p), now, undefined, per)).text, encodeStateFile(fromPersisted(p, now)));
    }),
    { seed: SEED, numRuns: 20_000 },
  );
});
