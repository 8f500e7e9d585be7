// StateWriter: the state file is written after markDirty, and the pause between
// writes grows with the time a write took to build (so a big lease table under
// load does not eat the CPU that answers clients), never below one second.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PersistedState } from '../../../src/core/types';
import { createLogger } from '../../../src/io/log';
import { StateWriter } from '../../../src/io/state-store';
import { decodeStateFile } from '../../../src/wire/state-file';

const STATE: PersistedState = {
  version: 1,
  nodeId: '0123456789abcdef',
  prefix: 0x0a800000,
  prefixLen: 17,
  blockSize: 128,
  blocks: [{ index: 3, remainingMs: 60_000 }],
  leases: [{ ip: 0x0a800181, chaddr: '02620000000100000000000000000000', state: 'leased', remainingMs: 300_000 }],
};

async function waitForFile(file: string): Promise<string> {
  for (let k = 0; k < 100; k++) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${file} was not written`);
}

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
    writer.markDirty();
    const text = await waitForFile(path.join(dir, 'state.json'));
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
    writer.markDirty();
    await waitForFile(path.join(dir, 'state.json'));
    // At least one 100 ms slice was measured: the pause is 50 times the build time, not one second.
    assert.ok(writer.intervalMs() >= 5000, `interval ${writer.intervalMs()}`);
    assert.equal(writer.intervalMs() % 5000, 0);
  } finally {
    writer.flushSync();
    rmSync(dir, { recursive: true, force: true });
  }
});
