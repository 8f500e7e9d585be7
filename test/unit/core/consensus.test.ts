import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../../src/core/node';
import {
  advance, BIG_ID, claimedIndexes, dhcp, events, FIRST_ROUND_AT, fixedRng, inquire, INQUIRE_TIMES, inquiredIndexes, makeCfg,
  multicasts, OUR_ID, OWNED_AT, ownedCore, PEER_ADDR, ROUND_MS, seededRng, SMALL_ID, updateClaim,
} from './fixtures';

const T = { kind: 'timer' } as const;

test('learning phase: claims start at once, eight INQUIREs T/8 apart, ours after T; learningEnded after B', () => {
  const core = createCore(makeCfg({ learning: true }), seededRng(7), 1000);
  assert.equal(core.view().learningUntil, 61_000);
  assert.equal(core.nextDeadline(), 1000, 'the spare check runs at start, learning or not');
  core.handle(T, 1000);
  const rounds: number[] = [];
  let owned: number | undefined;
  for (let at = core.nextDeadline(); at !== undefined && at < 60_000; at = core.nextDeadline()) {
    const out = core.handle(T, at);
    if (multicasts(out).some((m) => inquiredIndexes(m).length > 0)) rounds.push(at);
    if (events(out).includes('blockOwned')) owned ??= at;
  }
  assert.deepEqual(rounds, [0, 1, 2, 3, 4, 5, 6, 7].map((k) => 1250 + k * 1875));
  assert.equal(owned, 1250 + 15_000);
  const out = core.handle(T, 61_000);
  assert.deepEqual(events(out), ['learningEnded']);
  assert.equal(core.view().learningUntil, undefined);
});

test('learning phase: a block whose owner answers the INQUIRE is left to it, and another is claimed', () => {
  // The rng always points at block 3, which a peer owns; we have not heard its refresh yet.
  const core = createCore(makeCfg({ learning: true }), fixedRng(3), 0);
  assert.deepEqual(multicasts(advance(core, FIRST_ROUND_AT)).flatMap(inquiredIndexes), [3]);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [3], 120) }, 300);
  assert.equal(core.view().blocks().find((b) => b.index === 3)?.state, 'claimed');
  assert.deepEqual(multicasts(advance(core, FIRST_ROUND_AT + 1875)).flatMap(inquiredIndexes), [4]);
  assert.equal(core.view().blocks().find((b) => b.index === 3)?.state, 'claimed');
});

test('claim timeline: INQUIREs T/4 apart from 250 ms on; owned T after the first, UPDATECLAIM in the same step', () => {
  const core = createCore(makeCfg(), fixedRng(5), 0);
  assert.equal(core.nextDeadline(), 0);
  assert.deepEqual(multicasts(core.handle(T, 0)), [], 'a new claim gathers for 250 ms');
  for (const t of INQUIRE_TIMES) {
    assert.equal(core.nextDeadline(), t);
    const out = core.handle(T, t);
    assert.deepEqual(multicasts(out).map(inquiredIndexes), [[5]], `INQUIRE at ${t}`);
    assert.equal(core.view().blocks()[0]?.state, 'claiming');
  }
  assert.deepEqual(core.handle(T, OWNED_AT - 1), []);
  const out = core.handle(T, OWNED_AT);
  assert.deepEqual(events(out), ['blockOwned']);
  assert.deepEqual(multicasts(out).map(claimedIndexes), [[5]]);
  const b = core.view().blocks()[0]!;
  assert.equal(b.state, 'ours');
  assert.equal(b.claimCount, 3);
  assert.equal(b.timeoutAt, OWNED_AT + 60_000);
});

test('refresh: all blocks every B/4, in packets of at most 32 entries ascending (35 -> 32 + 3)', () => {
  // 35 blocks of 8 on a /16 need 280 spare leases minus nothing in use.
  const core = createCore(makeCfg({ prefixLen: 16, spareLeases: 35 * 8, maxLeases: 1024 }), seededRng(3), 0);
  advance(core, OWNED_AT - 1);
  const first = multicasts(core.handle(T, OWNED_AT));
  assert.deepEqual(first.map((m) => claimedIndexes(m).length), [32, 3]);
  assert.equal(core.nextDeadline(), OWNED_AT + 15_000);
  assert.deepEqual(core.handle(T, OWNED_AT + 14_999), []);
  const again = multicasts(core.handle(T, OWNED_AT + 15_000));
  assert.deepEqual(again.map((m) => claimedIndexes(m).length), [32, 3]);
  const all = again.flatMap(claimedIndexes);
  assert.deepEqual(all, [...all].sort((a, b) => a - b));
  for (const m of again) {
    if (m.command === 1) for (const c of m.claims) assert.deepEqual([c.timeoutSec, c.reserved], [60, 0]);
  }
  assert.equal(multicasts(core.handle(T, OWNED_AT + 30_000)).length, 2);
});

test('INQUIRE for our block: UPDATECLAIM at once, at most once a second', () => {
  const core = ownedCore(5);
  const ask = { kind: 'ddhcp', from: PEER_ADDR, msg: inquire(SMALL_ID, [5]) } as const;
  // Between refreshes (OWNED_AT + 15 s, + 30 s), so only the answers go out.
  advance(core, 39_000);
  assert.deepEqual(multicasts(core.handle(ask, 40_000)).map(claimedIndexes), [[5]]);
  assert.deepEqual(multicasts(core.handle(ask, 40_500)), []);
  assert.deepEqual(multicasts(core.handle(ask, 41_000)).map(claimedIndexes), [[5]]);
  assert.equal(core.view().blocks()[0]?.state, 'ours');
});

test('INQUIRE tie-break while claiming: a larger id makes us back off, a smaller one does not', () => {
  const lose = createCore(makeCfg(), fixedRng(5, 9), 0);
  advance(lose, FIRST_ROUND_AT);
  const out = lose.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: inquire(BIG_ID, [5]) }, 1000);
  const b5 = lose.view().blocks().find((b) => b.index === 5);
  assert.deepEqual([b5?.state, b5?.owner, b5?.timeoutAt], ['tentative', BIG_ID, 16_000]);
  assert.deepEqual(multicasts(out), [], 'the replacement joins the next round');
  assert.equal(lose.view().blocks().find((b) => b.index === 9)?.state, 'claiming');
  assert.deepEqual(multicasts(lose.handle(T, FIRST_ROUND_AT + ROUND_MS)).map(inquiredIndexes), [[9]]);

  const win = createCore(makeCfg(), fixedRng(5), 0);
  advance(win, FIRST_ROUND_AT);
  win.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: inquire(SMALL_ID, [5]) }, 1000);
  assert.equal(win.view().blocks().find((b) => b.index === 5)?.state, 'claiming');
});

test('INQUIRE for a free block marks it tentative for T; own and out-of-range are dropped', () => {
  const core = createCore(makeCfg({ learning: true, spareLeases: 0 }), seededRng(1), 0);
  const out = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: inquire(SMALL_ID, [2, 99]) }, 500);
  assert.deepEqual(events(out), ['dropped:blockOutOfRange']);
  assert.deepEqual(core.view().blocks().map((b) => [b.index, b.state, b.ownerAddress, b.timeoutAt]), [[2, 'tentative', PEER_ADDR, 15_500]]);
  assert.deepEqual(events(core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: inquire(OUR_ID, [3]) }, 600)), ['dropped:ownMulticast']);
  // Foreign claims lapse in expiry steps of T/2 (7.5 s at defaults): at the end of the step holding their timeout.
  assert.equal(core.nextDeadline(), 22_500);
  core.handle(T, 22_499);
  assert.equal(core.view().blocks().length, 1);
  core.handle(T, 22_500);
  assert.deepEqual(core.view().blocks(), []);
});

test('a refreshed claim outlives its first expiry step; a shorter one is filed earlier', () => {
  const core = createCore(makeCfg({ learning: true, spareLeases: 0 }), seededRng(1), 0);
  const foreign = (): number[][] => core.view().blocks().filter((b) => b.state === 'claimed').map((b) => [b.index, b.timeoutAt ?? -1]);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [4, 6]) }, 1_000);
  assert.equal(core.nextDeadline(), 60_000);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [4]) }, 30_000);
  // Both were filed in the step ending at 67.5 s; there 6 lapses and 4 is filed again.
  core.handle(T, 67_499);
  assert.deepEqual(foreign().sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)), [[4, 90_000], [6, 61_000]]);
  core.handle(T, 67_500);
  assert.deepEqual(foreign(), [[4, 90_000]]);
  // A claim announced with a shorter timeout than the one on file lapses at its own time.
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [4], 5) }, 70_000);
  core.handle(T, 74_999);
  assert.deepEqual(foreign(), [[4, 75_000]]);
  core.handle(T, 75_000);
  assert.deepEqual(foreign(), []);
});

test('UPDATECLAIM tie-break for our block: larger id takes it, smaller id makes us re-announce', () => {
  const lost = ownedCore(5);
  lost.handle({ kind: 'dhcp', msg: discover(1) }, 23_000);
  assert.equal(lost.view().leases().length, 1);
  const out = lost.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(BIG_ID, [5]) }, 24_000);
  assert.ok(events(out).includes('blockLost'));
  const b5 = lost.view().blocks().find((b) => b.index === 5);
  assert.deepEqual([b5?.state, b5?.owner, b5?.ownerAddress], ['claimed', BIG_ID, PEER_ADDR]);
  assert.equal(lost.view().leases().length, 0);
  // It needs spare leases again: a new claim starts in the same step, inquired after the gather.
  assert.equal(lost.view().counts().blocksClaiming, 1);
  assert.equal(multicasts(advance(lost, 24_000 + FIRST_ROUND_AT)).flatMap(inquiredIndexes).length, 1);

  const kept = ownedCore(5);
  const out2 = kept.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [5]) }, 24_000);
  assert.deepEqual(multicasts(out2).map(claimedIndexes), [[5]]);
  assert.equal(kept.view().blocks()[0]?.state, 'ours');
});

test('UPDATECLAIM for a block we are claiming: we back off whatever the id', () => {
  const core = createCore(makeCfg(), fixedRng(5, 11), 0);
  advance(core, FIRST_ROUND_AT);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [5], 30) }, 2_000);
  const b5 = core.view().blocks().find((b) => b.index === 5);
  assert.deepEqual([b5?.state, b5?.timeoutAt], ['claimed', 32_000]);
  assert.equal(core.view().blocks().find((b) => b.index === 11)?.state, 'claiming');
});

test('expiry: a claimed block is free again at its announced timeout', () => {
  const core = createCore(makeCfg({ learning: true, spareLeases: 0 }), seededRng(1), 0);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [4], 20) }, 1_000);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [4], 20) }, 11_000);
  core.handle(T, 21_000);
  assert.equal(core.view().blocks().length, 1, 'the refresh at 11 s extended it');
  core.handle(T, 31_000);
  assert.deepEqual(core.view().blocks(), []);
});

test('needless: an unused block is given back after needlessTimeoutSec unless its leases are needed', () => {
  const core = ownedCore(5);
  // Seven new clients at once: one free lease is left in block 5, below spareLeases = 2, so one
  // more block is claimed. The seven came together and were all served: a crowd, not a stream,
  // so they ask for nothing beyond the spare leases (demand.ts).
  for (let c = 1; c <= 7; c++) core.handle({ kind: 'dhcp', msg: discover(c) }, 23_000);
  const claiming = core.view().blocks().filter((b) => b.state === 'claiming').map((b) => b.index);
  assert.equal(claiming.length, 1);
  advance(core, 23_000 + OWNED_AT);
  for (const i of claiming) assert.equal(core.view().blocks().find((b) => b.index === i)?.state, 'ours');
  // Offers lapse at 35 s, so block 5 is idle from then: it goes a needless timeout later, and
  // the new one stays because its free leases are the spare ones.
  const given: [number, number][] = [];
  for (let t = core.nextDeadline(); t !== undefined && t < 1_000_000; t = core.nextDeadline()) {
    for (const e of core.handle(T, t)) if (e.kind === 'event' && e.event.kind === 'blockGivenBack') given.push([e.event.index, t]);
  }
  assert.deepEqual(given, [[5, 35_000 + 300_000]]);
  const left = core.view().blocks().map((b) => [b.index, b.state]);
  assert.deepEqual(left, [[claiming[0], 'ours']]);
  assert.deepEqual(multicasts(core.handle(T, 400_000 + 15_000)).flatMap(claimedIndexes), []);
});

function discover(client: number) {
  return dhcp({ type: 1, client, xid: client });
}

test('two of our nodes with the same random draws never end up owning the same block', () => {
  // Same seed = the C daemon's srand(time(NULL)) in the same second: both pick the same block.
  const a = createCore(makeCfg({ nodeId: '1111111111111111' }), seededRng(42), 0);
  const b = createCore(makeCfg({ nodeId: '2222222222222222' }), seededRng(42), 0);
  const nodes = [{ core: a, addr: 'fe80::a' }, { core: b, addr: 'fe80::b' }];
  let queue: { to: number; from: string; msg: ReturnType<typeof multicasts>[number] }[] = [];
  for (let t = 0; t <= 120_000; t += 500) {
    const inbox = queue;
    queue = [];
    nodes.forEach((n, i) => {
      const outs = [n.core.handle({ kind: 'timer' }, t)];
      for (const m of inbox.filter((q) => q.to === i)) outs.push(n.core.handle({ kind: 'ddhcp', from: m.from, msg: m.msg }, t));
      for (const out of outs) for (const msg of multicasts(out)) queue.push({ to: 1 - i, from: n.addr, msg });
    });
    const ownedA = a.view().blocks().filter((x) => x.state === 'ours').map((x) => x.index);
    const ownedB = new Set(b.view().blocks().filter((x) => x.state === 'ours').map((x) => x.index));
    assert.deepEqual(ownedA.filter((x) => ownedB.has(x)), [], `at ${t}`);
  }
  assert.equal(a.view().counts().blocksOurs, 1);
  assert.equal(b.view().counts().blocksOurs, 1);
  assert.equal(a.view().blocks().find((x) => x.state === 'claimed')?.owner, '2222222222222222');
});

test('a full mesh: the claim waits, and a block that expires is claimed then', () => {
  // 32 blocks: 31 claimed by a peer, block 0 ours (its 5 usable addresses are all leased).
  const core = ownedCore(0);
  const others = Array.from({ length: 31 }, (_, i) => i + 1);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, others, 60) }, 23_000);
  for (let c = 1; c <= 5; c++) core.handle({ kind: 'dhcp', msg: dhcp({ type: 3, client: c, requested: c + 2 + 0x0a000000 }) }, 23_000 + c);
  assert.equal(core.view().counts().leasesLeased, 5);
  assert.equal(core.view().counts().blocksClaiming, 0, 'nothing free to claim');
  // The peer keeps all but block 17 alive.
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, others.filter((i) => i !== 17), 60) }, 60_000);
  // Block 17's claim ran out at 83 s; it lapses at the end of that expiry step (7.5 s steps).
  assert.deepEqual(multicasts(core.handle({ kind: 'timer' }, 83_000)).flatMap(inquiredIndexes), []);
  core.handle({ kind: 'timer' }, 90_000);
  assert.equal(core.view().blocks().find((b) => b.index === 17)?.state, 'claiming');
  const out = advance(core, 90_000 + FIRST_ROUND_AT);
  assert.deepEqual(multicasts(out).flatMap(inquiredIndexes), [17]);
});
