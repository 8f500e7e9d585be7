// StateWriter: the state file is written after markDirty, and the pause between
// writes grows with the time a write took to build (so a big lease table under
// load does not eat the CPU that answers clients), never below one second.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LEASE_STATES, type CompactSnapshot, type PersistedState } from '../../../src/core/types';
import { createLogger } from '../../../src/io/log';
import { StateWriter } from '../../../src/persist/state-store';
import { decodeStateFile } from '../../../src/persist/state-file';

const STATE: PersistedState = {
  version: 1,
  nodeId: '0123456789abcdef',
  prefix: 0x0a800000,
  prefixLen: 17,
  blockSize: 128,
  blocks: [{ index: 3, remainingMs: 60_000 }],
  leases: [{ ip: 0x0a800181, chaddr: '02620000000100000000000000000000', state: 'leased', remainingMs: 300_000 }],
};

function makeWriter(costMs: number): { writer: StateWriter; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'state-writer-'));
  let clock = 0;
  // Every reading of the injected elapsed-time clock is costMs after the previous one.
  const elapsed = (): number => (clock += costMs);
  const writer = new StateWriter(dir, () => STATE, () => 1_700_000_000_000, createLogger(0, () => undefined), elapsed);
  return { writer, dir };
}

test('a cheap write keeps the one-second pause and writes a decodable file', async () => {
  const { writer, dir } = makeWriter(2);
  try {
    assert.equal(writer.intervalMs(), 1000);
    const written = writer.nextWrite();
    writer.markDirty();
    await written;
    const text = readFileSync(path.join(dir, 'state.json'), 'utf8');
    const decoded = decodeStateFile(text);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.leases.length, 1);
    assert.equal(writer.intervalMs(), 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a costly write stretches the pause to 50 times its build time', async () => {
  const { writer, dir } = makeWriter(100);
  try {
    const written = writer.nextWrite();
    writer.markDirty();
    // Waiting for the write itself, not for the file: the file appears (rename) before the cost is booked.
    await written;
    // At least one 100 ms slice was measured: the pause is 50 times the build time, not one second.
    assert.ok(writer.intervalMs() >= 5000, `interval ${writer.intervalMs()}`);
    assert.equal(writer.intervalMs() % 5000, 0);
  } finally {
    writer.flushSync();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a compact snapshot source writes the same file as the plain one', async () => {
  const t = { count: 1, ip: Uint32Array.of(0x0a800181), state: Uint8Array.of(LEASE_STATES.indexOf('leased')), remainingMs: Float64Array.of(300_000), chaddr: new Uint8Array(16) };
  t.chaddr.set([0x02, 0x62, 0, 0, 0, 1]);
  const { leases: _, ...head } = STATE;
  const texts: string[] = [];
  for (const source of [(): PersistedState => STATE, (): CompactSnapshot => ({ head, leases: t })]) {
    const dir = mkdtempSync(path.join(tmpdir(), 'state-writer-'));
    try {
      const writer = new StateWriter(dir, source, () => 1_700_000_000_000, createLogger(0, () => undefined));
      const written = writer.nextWrite();
      writer.markDirty();
      await written;
      texts.push(readFileSync(path.join(dir, 'state.json'), 'utf8'));
      writer.flushSync();
      texts.push(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const leases = texts.map((x) => {
    const d = decodeStateFile(x);
    assert.ok(d.ok);
    return d.value.leases;
  });
  assert.deepEqual(leases[1], leases[0]);
  assert.deepEqual(leases[3], leases[0]);
  assert.deepEqual(leases[0], [{ ip: 0x0a800181, chaddr: '02620000000100000000000000000000', state: 'leased', expiresAtWallMs: 1_700_000_300_000 }]);
});
