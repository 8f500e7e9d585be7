// Claims of other nodes in the snapshot: what is kept, and what a restart makes of them.
// A restored claim is a claim as if heard on the wire: not inquired, not chosen, and the
// block free only once what was left of it has run out, and never before one block
// timeout after the restart (an owner down at the same time may still hold it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../../src/core/node';
import type { Core, CoreConfig, Effect, Millis, PersistedState } from '../../../src/core/types';
import { decodeStateFile, encodeStateFile, fromPersisted } from '../../../src/persist/state-file';
import { toPersisted } from '../../../src/persist/restart-policy';
import { BIG_ID, inquire, inquiredIndexes, makeCfg, multicasts, PEER_ADDR, seededRng, updateClaim } from './fixtures';

const OTHER_ID = 'ff00000000000002';
const OTHER_ADDR = 'fe80::3';
const SAVED_WALL = 1_700_000_000_000;

/** 10.0.0.0/29 with blocks of 8: one block, so a node that does not know its claim must claim it. */
function oneBlockCfg(over: Partial<CoreConfig> = {}): CoreConfig {
  return makeCfg({ prefixLen: 29, maxLeases: 8, ...over });
}

function onOneBlock<T extends object>(msg: T): T {
  return { ...msg, prefixLen: 29, blockSize: 8 };
}

/** Each effect with the time of the timer input that produced it, up to `until`. */
function runTimers(core: Core, until: Millis): { at: Millis; effect: Effect }[] {
  const out: { at: Millis; effect: Effect }[] = [];
  for (let at = core.nextDeadline(), steps = 0; at !== undefined && at <= until; at = core.nextDeadline(), steps++) {
    if (steps > 10_000) throw new Error('the core keeps asking for the same deadline');
    for (const effect of core.handle({ kind: 'timer' }, at)) out.push({ at, effect });
  }
  for (const effect of core.handle({ kind: 'timer' }, until)) out.push({ at: until, effect });
  return out;
}

function inquiresOf(effects: readonly { at: Millis; effect: Effect }[], index: number): Millis[] {
  return effects.flatMap(({ at, effect }) => (multicasts([effect]).some((m) => inquiredIndexes(m).includes(index)) ? [at] : []));
}

test('snapshot: claims of others, ascending, with what is left; tentative marks are not kept', () => {
  const core = createCore(makeCfg(), seededRng(1), 0);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [9, 3]) }, 1_000);
  core.handle({ kind: 'ddhcp', from: OTHER_ADDR, msg: updateClaim(OTHER_ID, [20], 30) }, 2_000);
  core.handle({ kind: 'ddhcp', from: OTHER_ADDR, msg: inquire(OTHER_ID, [7]) }, 2_000);
  const snap = core.snapshot(11_000);
  assert.deepEqual(snap.foreign, [
    { index: 3, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 50_000 },
    { index: 9, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 50_000 },
    { index: 20, owner: OTHER_ID, ownerAddress: OTHER_ADDR, remainingMs: 21_000 },
  ]);
  const { leases: _, ...head } = snap;
  assert.deepEqual(core.snapshotCompact?.(11_000).head, head);
});

test('restart from the state file: the claim is not inquired, lapses after what was left less the downtime, then the block is claimed', () => {
  // Node A hears the owner's claim at 1 s (a peer announcing 300 s) and saves at 10 s: 291 s left.
  const before = createCore(oneBlockCfg(), seededRng(1), 0);
  before.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: onOneBlock(updateClaim(BIG_ID, [0], 300)) }, 1_000);
  assert.deepEqual(multicasts(runTimers(before, 10_000).map((e) => e.effect)).flatMap(inquiredIndexes), [], 'nothing free to claim');
  const text = encodeStateFile(fromPersisted(before.snapshot(10_000), SAVED_WALL));

  // Down for 20 s; the new process's monotonic clock starts elsewhere.
  const decoded = decodeStateFile(text);
  assert.ok(decoded.ok);
  const restored: PersistedState = toPersisted(decoded.value, SAVED_WALL + 20_000);
  assert.deepEqual(restored.foreign, [{ index: 0, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 271_000 }]);
  const START = 500_000;
  const core = createCore(oneBlockCfg({ learning: true }), seededRng(2), START, restored);
  const block = core.view().blocks().find((b) => b.index === 0);
  assert.deepEqual(block && [block.state, block.owner, block.ownerAddress, block.timeoutAt], ['claimed', BIG_ID, PEER_ADDR, START + 271_000]);

  // A third node inquiring the block changes nothing: the claim stands, we do not answer for it.
  const answer = core.handle({ kind: 'ddhcp', from: OTHER_ADDR, msg: onOneBlock(inquire(OTHER_ID, [0])) }, START + 5_000);
  assert.deepEqual(multicasts(answer), []);
  const untilLapse = runTimers(core, START + 271_000 - 1);
  assert.deepEqual(inquiresOf(untilLapse, 0), [], 'not inquired while the restored claim runs');
  assert.equal(core.view().blocks().find((b) => b.index === 0)?.state, 'claimed');

  // Lapsed (at the next expiry step, at most half a tentative timeout late): free, so claimed.
  const after = runTimers(core, START + 271_000 + 60_000);
  const inquired = inquiresOf(after, 0);
  assert.ok(inquired.length > 0, 'the block is inquired once the claim ran out');
  assert.ok(inquired[0]! >= START + 271_000 && inquired[0]! <= START + 271_000 + 7_500 + 1_000, `first INQUIRE at ${inquired[0]! - START} ms`);
  assert.equal(core.view().blocks().find((b) => b.index === 0)?.state, 'ours');
});

test('a claim with less than a block timeout left, or run out while we were down, is held one block timeout from the restart', () => {
  // The owner may have refreshed it while we were down and be rebooting now: back from its
  // own state file it holds the block until its last announcement + B, before our restart + B.
  const before = createCore(oneBlockCfg(), seededRng(1), 0);
  before.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: onOneBlock(updateClaim(BIG_ID, [0])) }, 1_000);
  const file = fromPersisted(before.snapshot(10_000), SAVED_WALL);
  const restored = toPersisted(file, SAVED_WALL + 90_000);
  assert.deepEqual(restored.foreign, [{ index: 0, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: -39_000 }]);
  const START = 200_000;
  const core = createCore(oneBlockCfg(), seededRng(2), START, restored);
  assert.equal(core.view().blocks()[0]?.timeoutAt, START + 60_000);
  assert.deepEqual(inquiresOf(runTimers(core, START + 60_000 - 1), 0), []);
  const inquired = inquiresOf(runTimers(core, START + 60_000 + 30_000), 0);
  assert.ok(inquired.length > 0 && inquired[0]! <= START + 60_000 + 7_500 + 1_000, `first INQUIRE at ${(inquired[0] ?? 0) - START} ms`);
  assert.equal(core.view().blocks()[0]?.state, 'ours');
});

test('a claim heard after the restart replaces the restored one, as any refresh does', () => {
  const restored: PersistedState = {
    version: 1, nodeId: makeCfg().nodeId, prefix: makeCfg().prefix, prefixLen: 29, blockSize: 8, blocks: [], leases: [],
    foreign: [{ index: 0, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 5_000 }],
  };
  const core = createCore(oneBlockCfg(), seededRng(2), 0, restored);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: onOneBlock(updateClaim(BIG_ID, [0])) }, 2_000);
  assert.equal(core.view().blocks()[0]?.timeoutAt, 62_000);
  assert.deepEqual(inquiresOf(runTimers(core, 61_000), 0), []);
});

test('restore ignores hostile foreign entries and keeps our own claim on a block listed as both', () => {
  const cfg = makeCfg();
  const restored = {
    version: 1, nodeId: cfg.nodeId, prefix: cfg.prefix, prefixLen: 24, blockSize: 8, leases: [],
    blocks: [{ index: 4, remainingMs: 40_000 }],
    foreign: [
      { index: 4, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 30_000 },
      { index: 32, owner: BIG_ID, ownerAddress: PEER_ADDR, remainingMs: 30_000 },
      { index: -1, remainingMs: 30_000 },
      { index: 1.5, remainingMs: 30_000 },
      { index: 6, remainingMs: Number.NaN },
      { index: 7, remainingMs: 0 },
      { index: 8, remainingMs: -5 },
      // Longer than any claim on the wire can last: held for at most 65535 s.
      { index: 9, remainingMs: Number.POSITIVE_INFINITY },
      // No owner known: claimed, but never a forwarding target.
      { index: 10, remainingMs: 30_000 },
    ],
  } satisfies PersistedState;
  const core = createCore(cfg, seededRng(3), 1_000, restored);
  const blocks = core.view().blocks().map((b) => [b.index, b.state, b.timeoutAt]);
  assert.deepEqual(blocks.sort((a, b) => Number(a[0]) - Number(b[0])), [
    [4, 'ours', 41_000],
    // Run out or nearly so: held one block timeout (60 s) from the restart.
    [7, 'claimed', 61_000],
    [8, 'claimed', 61_000],
    [9, 'claimed', 1_000 + 65_535_000],
    [10, 'claimed', 61_000],
  ]);
});
