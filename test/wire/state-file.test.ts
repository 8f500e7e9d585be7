// State file codec: round trips, field-by-field rejection of damaged or foreign
// files, and the wall-clock conversion that decides what survives a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStateFile, encodeStateFile, fromPersisted, type StateFile } from '../../src/persist/state-file';
import { toPersisted } from '../../src/persist/restart-policy';
import type { PersistedState } from '../../src/core/types';

const SAVED = 1_700_000_000_000;
const PREFIX = 0x0a008000; // 10.0.128.0/17, block size 4

const sample: StateFile = {
  version: 1,
  savedAtWallMs: SAVED,
  nodeId: '0123456789abcdef',
  prefix: PREFIX,
  prefixLen: 17,
  blockSize: 4,
  blocks: [
    { index: 8130, expiresAtWallMs: SAVED + 50_000 },
    { index: 12, expiresAtWallMs: SAVED + 5_000 },
  ],
  leases: [
    { ip: PREFIX + 8130 * 4 + 1, chaddr: '026e6c01020000000000000000000000', state: 'leased', expiresAtWallMs: SAVED + 280_000 },
    { ip: PREFIX + 8130 * 4 + 2, chaddr: '026e6c01030000000000000000000000', state: 'offered', expiresAtWallMs: SAVED + 12_000 },
    { ip: PREFIX + 12 * 4 + 3, chaddr: '026e6c01040000000000000000000000', state: 'declined', expiresAtWallMs: SAVED + 100_000 },
  ],
};

function mutate(edit: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(encodeStateFile(sample)) as Record<string, unknown>;
  edit(o);
  return JSON.stringify(o);
}

test('encode then decode gives the same value', () => {
  const r = decodeStateFile(encodeStateFile(sample));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value, sample);
  const empty = { ...sample, blocks: [], leases: [] };
  assert.deepEqual(decodeStateFile(encodeStateFile(empty)), { ok: true, value: empty });
});

test('unknown extra fields are ignored and dropped from the value', () => {
  const r = decodeStateFile(mutate((o) => (o['comment'] = 'hi')));
  assert.ok(r.ok);
  assert.equal('comment' in r.value, false);
});

test('missing, truncated and non-JSON text is badJson', () => {
  const text = encodeStateFile(sample);
  for (const t of ['', text.slice(0, text.length / 2), '{', 'null x', '\u0000'.repeat(10), '['.repeat(100_000)]) {
    const r = decodeStateFile(t);
    assert.equal(r.ok, false, JSON.stringify(t.slice(0, 20)));
    if (!r.ok) assert.equal(r.error.kind, 'badJson');
  }
});

test('each damaged field is named in the error', () => {
  const cases: [string, (o: Record<string, unknown>) => void, string][] = [
    ['root array', (o) => Object.keys(o).forEach((k) => delete o[k]), 'badVersion'],
    ['version 2', (o) => (o['version'] = 2), 'badVersion'],
    ['savedAt negative', (o) => (o['savedAtWallMs'] = -1), 'savedAtWallMs'],
    ['savedAt string', (o) => (o['savedAtWallMs'] = '1'), 'savedAtWallMs'],
    ['nodeId upper', (o) => (o['nodeId'] = '0123456789ABCDEF'), 'nodeId'],
    ['nodeId short', (o) => (o['nodeId'] = '0123'), 'nodeId'],
    ['prefixLen 33', (o) => (o['prefixLen'] = 33), 'prefixLen'],
    ['prefix host bits', (o) => (o['prefix'] = PREFIX + 1), 'prefix'],
    ['prefix float', (o) => (o['prefix'] = 1.5), 'prefix'],
    ['blockSize 3', (o) => (o['blockSize'] = 3), 'blockSize'],
    ['blockSize 256', (o) => (o['blockSize'] = 256), 'blockSize'],
    ['blocks object', (o) => (o['blocks'] = {}), 'blocks'],
    ['block index beyond network', (o) => ((o['blocks'] as { index: number }[])[0]!.index = 8192), 'blocks[0].index'],
    ['block expiry NaN-ish', (o) => ((o['blocks'] as Record<string, unknown>[])[1]!['expiresAtWallMs'] = null), 'blocks[1].expiresAtWallMs'],
    ['lease ip outside', (o) => ((o['leases'] as { ip: number }[])[0]!.ip = 0x0a000001), 'leases[0].ip'],
    ['lease chaddr 12 hex', (o) => ((o['leases'] as { chaddr: string }[])[1]!.chaddr = '026e6c010300'), 'leases[1].chaddr'],
    ['lease state', (o) => ((o['leases'] as { state: string }[])[2]!.state = 'free'), 'leases[2].state'],
    ['lease not object', (o) => ((o['leases'] as unknown[])[0] = 5), 'leases[0]'],
  ];
  for (const [name, edit, field] of cases) {
    const r = decodeStateFile(mutate(edit));
    assert.equal(r.ok, false, name);
    if (r.ok) continue;
    if (field === 'badVersion') assert.equal(r.error.kind, 'badVersion', name);
    else assert.deepEqual(r.error, { kind: 'badField', field }, name);
  }
  assert.deepEqual(decodeStateFile('[1]'), { ok: false, error: { kind: 'badField', field: '(root)' } });
});

test('duplicates, too many entries and oversized text are refused', () => {
  const dup = decodeStateFile(mutate((o) => (o['blocks'] = [{ index: 1, expiresAtWallMs: 1 }, { index: 1, expiresAtWallMs: 2 }])));
  assert.deepEqual(dup, { ok: false, error: { kind: 'duplicate', field: 'blocks[1]' } });
  const many = `{"version":1,"savedAtWallMs":0,"nodeId":"0000000000000000","prefix":0,"prefixLen":8,"blockSize":1,"blocks":[${'0,'.repeat(1 << 20)}0],"leases":[]}`;
  const r = decodeStateFile(many);
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.error, { kind: 'tooMany', field: 'blocks', count: (1 << 20) + 1, limit: 1 << 20 });
  const huge = decodeStateFile(' '.repeat(64 * 1024 * 1024 + 1));
  assert.equal(huge.ok ? '' : huge.error.kind, 'tooLarge');
});

test('toPersisted: blocks with what is left of their claims (negative: ran out), the unexpired leases inside them', () => {
  const p = toPersisted(sample, SAVED + 10_000);
  // Block 12 ran out 5 s ago: the core inquires it again, its declined lease waits for the outcome.
  assert.deepEqual(p.blocks, [{ index: 8130, remainingMs: 40_000 }, { index: 12, remainingMs: -5_000 }]);
  assert.deepEqual(p.leases, [
    { ip: PREFIX + 8130 * 4 + 1, chaddr: '026e6c01020000000000000000000000', state: 'leased', remainingMs: 270_000 },
    { ip: PREFIX + 8130 * 4 + 2, chaddr: '026e6c01030000000000000000000000', state: 'offered', remainingMs: 2_000 },
    { ip: PREFIX + 12 * 4 + 3, chaddr: '026e6c01040000000000000000000000', state: 'declined', remainingMs: 90_000 },
  ]);
  assert.equal(p.nodeId, sample.nodeId);
  const later = toPersisted(sample, SAVED + 60_000);
  assert.deepEqual(later.blocks, [{ index: 8130, remainingMs: -10_000 }, { index: 12, remainingMs: -55_000 }]);
  assert.deepEqual(later.leases.map((l) => [l.state, l.remainingMs]), [['leased', 220_000], ['declined', 40_000]]);
  // A lease outside every listed block is not kept.
  const stray = { ...sample, leases: [{ ...sample.leases[0]!, ip: PREFIX + 5 * 4 + 1 }] };
  assert.deepEqual(toPersisted(stray, SAVED + 10_000).leases, []);
});

test('a clock that went backwards never lengthens what was left at save time', () => {
  const p = toPersisted(sample, SAVED - 3_600_000);
  assert.deepEqual(p.blocks, [{ index: 8130, remainingMs: 50_000 }, { index: 12, remainingMs: 5_000 }]);
});

test('fromPersisted then toPersisted at the same instant is lossless, in whole ms', () => {
  const p: PersistedState = {
    version: 1, nodeId: 'ffffffffffffffff', prefix: PREFIX, prefixLen: 17, blockSize: 4,
    blocks: [{ index: 7, remainingMs: 1234.7 }],
    leases: [{ ip: PREFIX + 28, chaddr: 'aa'.repeat(16), state: 'leased', remainingMs: 99_999.2 }],
  };
  const f = fromPersisted(p, SAVED + 0.5);
  assert.equal(f.savedAtWallMs, SAVED);
  assert.deepEqual(f.blocks, [{ index: 7, expiresAtWallMs: SAVED + 1234 }]);
  const back = decodeStateFile(encodeStateFile(f));
  assert.ok(back.ok);
  assert.deepEqual(toPersisted(back.value, SAVED), {
    ...p, blocks: [{ index: 7, remainingMs: 1234 }], leases: [{ ...p.leases[0]!, remainingMs: 99_999 }],
  });
  const weird = fromPersisted({ ...p, blocks: [{ index: 7, remainingMs: Number.NaN }, { index: 8, remainingMs: 1e300 }] }, SAVED);
  assert.ok(decodeStateFile(encodeStateFile(weird)).ok);
});
