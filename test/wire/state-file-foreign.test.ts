// The `foreign` field of the state file: the claims of other nodes a node knew when it
// saved. Round trips, files written before the field, hostile values, the downtime
// measured as for our own blocks, and the chunked encoders agreeing with the plain one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistedState } from '../../src/core/types';
import { decodeStateFile, encodeStateFile, fromPersisted, type StateFile } from '../../src/persist/state-file';
import { toPersisted } from '../../src/persist/restart-policy';
import { encodeCompactChunks, encodePersistedChunks } from '../../src/persist/state-file-chunks';

const SAVED = 1_700_000_000_000;
const PREFIX = 0x0a008000; // 10.0.128.0/17, block size 4: 8192 blocks
const NUM_BLOCKS = 8192;

const withForeign: StateFile = {
  version: 1,
  savedAtWallMs: SAVED,
  nodeId: '0123456789abcdef',
  prefix: PREFIX,
  prefixLen: 17,
  blockSize: 4,
  blocks: [{ index: 12, expiresAtWallMs: SAVED + 5_000 }],
  foreign: [
    { index: 3, owner: 'ff00000000000001', ownerAddress: 'fe80::1', expiresAtWallMs: SAVED + 45_000 },
    // A claim restored from a file that did not know its owner keeps none.
    { index: 8191, expiresAtWallMs: SAVED + 10_000 },
  ],
  leases: [{ ip: PREFIX + 12 * 4 + 1, chaddr: '026e6c01020000000000000000000000', state: 'leased', expiresAtWallMs: SAVED + 280_000 }],
};

function mutate(edit: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(encodeStateFile(withForeign)) as Record<string, unknown>;
  edit(o);
  return JSON.stringify(o);
}

function foreignOf(o: Record<string, unknown>): Record<string, unknown>[] {
  return o['foreign'] as Record<string, unknown>[];
}

test('foreign claims round-trip, owner fields present or not', () => {
  const text = encodeStateFile(withForeign);
  assert.match(text, /"foreign": \[\n {4}\{"index":3,"owner":"ff00000000000001","ownerAddress":"fe80::1","expiresAtWallMs":1700000045000\}/);
  assert.deepEqual(decodeStateFile(text), { ok: true, value: withForeign });
  const none = { ...withForeign, foreign: [] };
  assert.deepEqual(decodeStateFile(encodeStateFile(none)), { ok: true, value: none });
});

test('a file written before the field decodes as before: no foreign claims, none restored', () => {
  const { foreign: _, ...old } = withForeign;
  const text = encodeStateFile(old);
  assert.doesNotMatch(text, /foreign/);
  const r = decodeStateFile(text);
  assert.ok(r.ok);
  assert.deepEqual(r.value, old);
  assert.equal('foreign' in r.value, false);
  assert.equal('foreign' in toPersisted(r.value, SAVED + 1_000), false);
});

test('the field sits between blocks and leases, a top-level key a decoder that does not know it skips', () => {
  // Decoders before the field read named keys only (see "unknown extra fields are ignored"):
  // the same file with the key renamed to one nobody knows decodes to the file without it.
  const renamed = encodeStateFile(withForeign).replace('"foreign":', '"unknownToThisDecoder":');
  const r = decodeStateFile(renamed);
  assert.ok(r.ok);
  const { foreign: _, ...rest } = withForeign;
  assert.deepEqual(r.value, rest);
});

test('hostile foreign entries are refused by field', () => {
  const cases: [string, (o: Record<string, unknown>) => void, string][] = [
    ['not a list', (o) => (o['foreign'] = {}), 'foreign'],
    ['null', (o) => (o['foreign'] = null), 'foreign'],
    ['entry a number', (o) => (foreignOf(o)[0] = 3 as unknown as Record<string, unknown>), 'foreign[0]'],
    ['index beyond network', (o) => (foreignOf(o)[0]!['index'] = NUM_BLOCKS), 'foreign[0].index'],
    ['index negative', (o) => (foreignOf(o)[0]!['index'] = -1), 'foreign[0].index'],
    ['index float', (o) => (foreignOf(o)[0]!['index'] = 2.5), 'foreign[0].index'],
    ['index string', (o) => (foreignOf(o)[1]!['index'] = '3'), 'foreign[1].index'],
    ['expiry missing', (o) => delete foreignOf(o)[1]!['expiresAtWallMs'], 'foreign[1].expiresAtWallMs'],
    ['expiry beyond 2^53', (o) => (foreignOf(o)[0]!['expiresAtWallMs'] = 2 ** 60), 'foreign[0].expiresAtWallMs'],
    ['expiry negative', (o) => (foreignOf(o)[0]!['expiresAtWallMs'] = -5), 'foreign[0].expiresAtWallMs'],
    ['owner upper case', (o) => (foreignOf(o)[0]!['owner'] = 'FF00000000000001'), 'foreign[0].owner'],
    ['owner short', (o) => (foreignOf(o)[0]!['owner'] = 'ff00'), 'foreign[0].owner'],
    ['owner null', (o) => (foreignOf(o)[0]!['owner'] = null), 'foreign[0].owner'],
    ['address with zone', (o) => (foreignOf(o)[0]!['ownerAddress'] = 'fe80::1%mesh0'), 'foreign[0].ownerAddress'],
    ['address no colon', (o) => (foreignOf(o)[0]!['ownerAddress'] = '10.0.0.1'), 'foreign[0].ownerAddress'],
    ['address too long', (o) => (foreignOf(o)[0]!['ownerAddress'] = `fe80:${':1'.repeat(30)}`), 'foreign[0].ownerAddress'],
    ['address a number', (o) => (foreignOf(o)[0]!['ownerAddress'] = 7), 'foreign[0].ownerAddress'],
  ];
  for (const [name, edit, field] of cases) {
    const r = decodeStateFile(mutate(edit));
    assert.deepEqual(r, { ok: false, error: { kind: 'badField', field } }, name);
  }
});

test('duplicates, a block both ours and another\'s, and more entries than blocks are refused', () => {
  const dup = decodeStateFile(mutate((o) => foreignOf(o).push({ index: 3, expiresAtWallMs: SAVED })));
  assert.deepEqual(dup, { ok: false, error: { kind: 'duplicate', field: 'foreign[2]' } });
  const both = decodeStateFile(mutate((o) => (foreignOf(o)[1]!['index'] = 12)));
  assert.deepEqual(both, { ok: false, error: { kind: 'duplicate', field: 'foreign[1]' } });
  // The count is bounded by the network's blocks, checked before any entry is read.
  const many = mutate((o) => (o['foreign'] = Array.from({ length: NUM_BLOCKS + 1 }, () => 0)));
  assert.deepEqual(decodeStateFile(many), { ok: false, error: { kind: 'tooMany', field: 'foreign', count: NUM_BLOCKS + 1, limit: NUM_BLOCKS } });
});

test('toPersisted: what is left of each claim after the downtime, negative for claims that ran out', () => {
  const p = toPersisted(withForeign, SAVED + 30_000);
  assert.deepEqual(p.foreign, [
    { index: 3, owner: 'ff00000000000001', ownerAddress: 'fe80::1', remainingMs: 15_000 },
    // Kept as our blocks are: the core holds it a while yet (its owner may have refreshed it).
    { index: 8191, remainingMs: -20_000 },
  ]);
  // Measured as for our blocks: on the boot clock of the same boot, whatever the wall clock did.
  const boot = { ...withForeign, savedAt: { bootId: 'b00b', monoMs: 500_000 } };
  const jumped = toPersisted(boot, SAVED + 3_600_000, { bootId: 'b00b', monoMs: 520_000 });
  assert.deepEqual(jumped.foreign?.map((c) => [c.index, c.remainingMs]), [[3, 25_000], [8191, -10_000]]);
  // A wall clock that went backwards never lengthens what was left at save time.
  assert.deepEqual(toPersisted(withForeign, SAVED - 60_000).foreign?.map((c) => c.remainingMs), [45_000, 10_000]);
});

const snapshot: PersistedState = {
  version: 1,
  nodeId: '0123456789abcdef',
  prefix: PREFIX,
  prefixLen: 17,
  blockSize: 4,
  blocks: [{ index: 12, remainingMs: 5_000.5 }],
  foreign: [
    { index: 3, owner: 'ff00000000000001', ownerAddress: 'fe80::1', remainingMs: 45_000.7 },
    // What the decoder would refuse is left out of the entry, not written to spoil the file.
    { index: 4, owner: 'not-an-id', ownerAddress: 'fe80::2%mesh0', remainingMs: 20_000 },
    // Less than a millisecond left: read back it would have run out.
    { index: 5, owner: 'ff00000000000002', remainingMs: 0.4 },
  ],
  leases: [{ ip: PREFIX + 12 * 4 + 1, chaddr: '026e6c01020000000000000000000000', state: 'leased', remainingMs: 280_000 }],
};

test('fromPersisted writes only what decodes, and the file reads back to the same claims', () => {
  const file = fromPersisted(snapshot, SAVED);
  assert.deepEqual(file.foreign, [
    { index: 3, owner: 'ff00000000000001', ownerAddress: 'fe80::1', expiresAtWallMs: SAVED + 45_000 },
    { index: 4, expiresAtWallMs: SAVED + 20_000 },
  ]);
  const r = decodeStateFile(encodeStateFile(file));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(toPersisted(r.value, SAVED).foreign, [
    { index: 3, owner: 'ff00000000000001', ownerAddress: 'fe80::1', remainingMs: 45_000 },
    { index: 4, remainingMs: 20_000 },
  ]);
});

test('the chunked encoders write the foreign claims exactly as encodeStateFile does', () => {
  const expected = encodeStateFile(fromPersisted(snapshot, SAVED));
  const join = (chunks: Iterable<Uint8Array>): string => {
    let text = '';
    for (const c of chunks) text += new TextDecoder().decode(c);
    return text;
  };
  assert.equal(join(encodePersistedChunks(snapshot, SAVED, undefined, 1)), expected);
  const { leases, ...head } = snapshot;
  const table = {
    count: leases.length,
    ip: Uint32Array.from(leases.map((l) => l.ip)),
    state: Uint8Array.of(1),
    remainingMs: Float64Array.from(leases.map((l) => l.remainingMs)),
    chaddr: Uint8Array.from(Buffer.from(leases[0]!.chaddr, 'hex')),
  };
  assert.equal(join(encodeCompactChunks({ head, leases: table }, SAVED, undefined, 1)), expected);
});
