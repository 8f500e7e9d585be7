// A restart in the same boot measures its downtime on the monotonic clock, so a
// wall clock that jumped while the daemon was down (first NTP sync on a node
// without RTC) neither drops valid blocks nor keeps expired ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PersistedState } from '../../../src/core/types';
import { createLogger } from '../../../src/io/log';
import { loadState, readBootClock, StateWriter } from '../../../src/persist/state-store';
import { decodeStateFile, encodeStateFile, fromPersisted } from '../../../src/persist/state-file';
import { toPersisted } from '../../../src/persist/restart-policy';

const PREFIX = 0x0a008000;
const WALL = 1_700_000_000_000;
const BOOT = { bootId: 'e1287b6e-c2f5-4195-89b6-36224e865af5', monoMs: 5_000_000 };
const YEAR_MS = 365 * 24 * 3600 * 1000;

const state: PersistedState = {
  version: 1, nodeId: '0123456789abcdef', prefix: PREFIX, prefixLen: 17, blockSize: 4,
  blocks: [{ index: 7, remainingMs: 60_000 }, { index: 9, remainingMs: 5_000 }],
  leases: [{ ip: PREFIX + 29, chaddr: 'aa'.repeat(16), state: 'leased', remainingMs: 300_000 }],
};

test('state file: the boot clock round-trips; files without it still decode; a damaged one is refused', () => {
  const file = fromPersisted(state, WALL, BOOT);
  assert.deepEqual(file.savedAt, BOOT);
  const back = decodeStateFile(encodeStateFile(file));
  assert.deepEqual(back, { ok: true, value: file });
  const old = decodeStateFile(encodeStateFile(fromPersisted(state, WALL)));
  assert.ok(old.ok && !('savedAt' in old.value));
  const text = encodeStateFile(file);
  for (const [bad, field] of [
    [text.replace(/"bootId": "[^"]*"/, '"bootId": "x y"'), 'bootId'],
    [text.replace(/"savedAtMonoMs": \d+/, '"savedAtMonoMs": -1'), 'savedAtMonoMs'],
    [text.replace(/ {2}"bootId": "[^"]*",\n/, ''), 'bootId'],
  ] as const) {
    const r = decodeStateFile(bad);
    assert.deepEqual(r.ok ? undefined : r.error, { kind: 'badField', field });
  }
});

test('same boot: a wall clock that jumped a year forward keeps what is still valid', () => {
  const file = fromPersisted(state, WALL, BOOT);
  const p = toPersisted(file, WALL + YEAR_MS, { ...BOOT, monoMs: BOOT.monoMs + 2_000 });
  assert.deepEqual(p.blocks, [{ index: 7, remainingMs: 58_000 }, { index: 9, remainingMs: 3_000 }]);
  assert.deepEqual(p.leases.map((l) => l.remainingMs), [298_000]);
  // The wall clock alone would have let every claim run out (a year ago).
  assert.deepEqual(toPersisted(file, WALL + YEAR_MS).blocks.filter((b) => b.remainingMs > 0), []);
});

test('same boot: a wall clock that jumped back does not keep a block past its claim', () => {
  const file = fromPersisted(state, WALL, BOOT);
  // Down for 10 s, while the wall clock went back an hour.
  const p = toPersisted(file, WALL - 3_600_000, { ...BOOT, monoMs: BOOT.monoMs + 10_000 });
  assert.deepEqual(p.blocks, [{ index: 7, remainingMs: 50_000 }, { index: 9, remainingMs: -5_000 }], 'block 9 had 5 s left: ran out 5 s ago');
  // The wall clock alone keeps block 9 (it can only cap at what was left at save time).
  assert.equal(toPersisted(file, WALL - 3_600_000).blocks.filter((b) => b.remainingMs > 0).length, 2);
});

test('another boot, or a boot clock behind the saved one: the wall clock decides', () => {
  const file = fromPersisted(state, WALL, BOOT);
  const other = toPersisted(file, WALL + 10_000, { bootId: 'another-boot', monoMs: 1_000 });
  assert.deepEqual(other.blocks, [{ index: 7, remainingMs: 50_000 }, { index: 9, remainingMs: -5_000 }]);
  const behind = toPersisted(file, WALL + 10_000, { ...BOOT, monoMs: BOOT.monoMs - 1 });
  assert.deepEqual(behind.blocks, [{ index: 7, remainingMs: 50_000 }, { index: 9, remainingMs: -5_000 }]);
});

test('io: the writer stamps this boot, and loadState measures the downtime with it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ddhcpd-state-clock-'));
  const log = createLogger(0);
  const boot = readBootClock();
  assert.ok(boot !== undefined, 'Linux has a boot id');
  new StateWriter(dir, () => state, () => WALL, log).flushSync();
  const saved = decodeStateFile(readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.ok(saved.ok && saved.value.savedAt?.bootId === boot.bootId);
  const savedMono = saved.value.savedAt?.monoMs ?? 0;
  assert.ok(Math.abs(savedMono - boot.monoMs) < 5_000);
  const p = loadState(dir, WALL + YEAR_MS, log, { bootId: boot.bootId, monoMs: savedMono + 1_000 });
  assert.deepEqual(p?.blocks, [{ index: 7, remainingMs: 59_000 }, { index: 9, remainingMs: 4_000 }]);
  rmSync(dir, { recursive: true, force: true });
});
