// How many blocks a node claims, and when: for the spare leases, for the clients
// that asked in the last claim latency (a crowd in one round), and never past
// max_leases, which is counted and said once a minute (src/core/demand.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimLatencyMs } from '../../../src/core/claim-timing';
import { ArrivalWindow, macKey } from '../../../src/core/demand';
import { createCore } from '../../../src/core/node';
import type { Core, Effect } from '../../../src/core/types';
import { advance, dhcp, events, inquiredIndexes, mac, makeCfg, multicasts, OWNED_AT, ownedCore, replies, seededRng } from './fixtures';

const DISCOVER = 1;

function discoverAll(core: Core, clients: readonly number[], at: number): Effect[] {
  return clients.flatMap((c) => core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: c, xid: c }) }, at));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

test('ArrivalWindow: a client counts once however often it asks, and drops out a window after its first ask', () => {
  const w = new ArrivalWindow(10_000, 100);
  w.record(1, 0);
  w.record(1, 5_000);
  w.record(2, 5_000);
  assert.equal(w.count(5_000), 2);
  assert.equal(w.count(10_000), 1, 'client 1 asked first at 0');
  assert.equal(w.count(15_000), 0);
  w.record(1, 15_000);
  assert.equal(w.count(15_000), 1, 'a client that comes back later is an arrival again');
});

test('ArrivalWindow: bounded, so a flood of random MACs cannot grow it', () => {
  const w = new ArrivalWindow(10_000, 50);
  for (let i = 0; i < 10_000; i++) w.record(i, i / 10);
  assert.equal(w.count(999), 50);
});

test('macKey: the first six chaddr bytes, distinct per client', () => {
  assert.equal(macKey(mac(1)), 0x020000000001);
  assert.notEqual(macKey(mac(1)), macKey(mac(2)));
});

test('a crowd at a node with one block: one claim round asks for all the blocks it needs, and they are ours together', () => {
  // 10.0.0.0/24 in blocks of 8; block 5 is ours with 8 free addresses, and 30 clients arrive at once.
  const core = ownedCore(5);
  const now = 20_000;
  const first = discoverAll(core, range(1, 30), now);
  assert.equal(replies(first).length, 8, 'block 5 serves the first eight');
  // 30 arrivals want 2 + floor(1.25 * 30) = 39 at hand: 5 blocks more (the 22 left waiting among them).
  assert.equal(core.view().counts().blocksClaiming, 5);
  const rounds = multicasts(advance(core, now + 300)).map(inquiredIndexes);
  assert.equal(rounds.length, 1, 'one INQUIRE');
  assert.equal(rounds[0]?.length, 5);
  advance(core, now + OWNED_AT);
  assert.equal(core.view().counts().blocksOurs, 6);
  // Every waiting client is served when it asks again.
  const again = discoverAll(core, range(9, 22), now + OWNED_AT + 1000);
  assert.equal(replies(again).length, 22);
  assert.equal(new Set(replies(again).map((r) => r.msg.yiaddr)).size, 22, 'no address offered twice');
});

test('a client with nothing to offer is demand too: an empty node claims for it at once', () => {
  const core = createCore(makeCfg({ spareLeases: 0 }), seededRng(3), 0);
  advance(core, 1000);
  assert.equal(core.view().counts().blocksClaiming, 0, 'nothing wanted with no spare leases');
  const out = discoverAll(core, [1, 2, 3], 1000);
  assert.deepEqual(events(out), ['dropped:noFreeLease', 'dropped:noFreeLease', 'dropped:noFreeLease']);
  assert.equal(core.view().counts().blocksClaiming, 1, 'three clients, floor(1.25 * 3) = 3 addresses: one block of 8');
});

test('when arrivals stop the target falls back to the spare leases within one claim latency', () => {
  const core = ownedCore(5);
  discoverAll(core, range(1, 30), 20_000);
  const claimed = core.view().counts().blocksClaiming;
  // Nobody asks any more: once their arrivals have aged out, nothing more is claimed.
  advance(core, 20_000 + claimLatencyMs(makeCfg()) + 1);
  advance(core, 200_000);
  assert.equal(core.view().counts().blocksOurs + core.view().counts().blocksClaiming, 1 + claimed);
});

test('max_leases: claims stop at the cap, every client refused for it is counted, the notice comes once a minute', () => {
  // A cap of 3 blocks of 8; a flood of new MACs.
  const core = createCore(makeCfg({ maxLeases: 24 }), seededRng(5), 0);
  const noticed: number[] = [];
  let refused = 0;
  for (let t = 0; t <= 200_000; t += 100) {
    const out = [...advance(core, t), ...discoverAll(core, [1000 + t / 100], t)];
    for (const e of out) {
      if (e.kind !== 'event') continue;
      if (e.event.kind === 'claimLimitReached') noticed.push(t);
      if (e.event.kind === 'dropped' && e.event.reason === 'claimLimit') refused++;
    }
    const c = core.view().counts();
    assert.ok(c.blocksOurs + c.blocksClaiming <= 3, `at ${t}: ${c.blocksOurs} ours, ${c.blocksClaiming} claiming`);
  }
  assert.equal(core.view().counts().blocksOurs, 3);
  assert.ok(refused > 1000, `${refused} refused`);
  assert.ok(noticed.length >= 3 && noticed.length <= 4, `notices at ${noticed.join(', ')}`);
  for (let i = 1; i < noticed.length; i++) assert.ok((noticed[i] as number) - (noticed[i - 1] as number) >= 60_000);
});

test('max_leases: a legitimate crowd of a hundred stays far below the default cap of half the network', () => {
  // /20 in blocks of 4 (as a Gluon site): the default cap is 2048 addresses.
  const core = createCore(makeCfg({ prefixLen: 20, blockSizePow: 2 }), seededRng(11), 0);
  advance(core, OWNED_AT);
  const out = discoverAll(core, range(1, 100), OWNED_AT + 100);
  assert.ok(!events(out).includes('dropped:claimLimit'));
  advance(core, 2 * OWNED_AT + 500);
  const again = discoverAll(core, range(1, 100), 2 * OWNED_AT + 600);
  assert.equal(replies(again).length, 100);
  const held = core.view().counts().blocksOurs + core.view().counts().blocksClaiming;
  assert.ok(held * 4 < 2048 / 4, `${held} blocks`);
});
