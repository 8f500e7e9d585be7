// How many blocks a node claims, and when: for the spare leases, for the clients
// that asked in the last claim latency (a crowd in one round), and never past
// max_leases, which is counted and said once a minute (src/core/demand.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimLatencyMs } from '../../../src/core/claim-timing';
import { ArrivalWindow } from '../../../src/core/arrival-window';
import { macKey } from '../../../src/core/demand';
import { createCore } from '../../../src/core/node';
import type { Core, Effect } from '../../../src/core/types';
import { advance, dhcp, events, inquiredIndexes, mac, makeCfg, multicasts, OWNED_AT, ownedCore, replies, seededRng, SERVER_ID } from './fixtures';

const DISCOVER = 1;
const REQUEST = 3;

function discoverAll(core: Core, clients: readonly number[], at: number): Effect[] {
  return clients.flatMap((c) => core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: c, xid: c }) }, at));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

test('ArrivalWindow: a client counts once however often it asks, and drops out a window after its first ask', () => {
  const w = new ArrivalWindow(10_000, 100);
  w.record(1, 0, false);
  w.record(1, 5_000, false);
  w.record(2, 5_000, true);
  assert.deepEqual(w.demand(5_000), { waiting: 1, served: 1, spreadMs: 5_000 });
  w.record(1, 6_000, true);
  assert.deepEqual(w.demand(6_000), { waiting: 0, served: 2, spreadMs: 5_000 }, 'client 1 was offered an address at last');
  assert.deepEqual(w.demand(10_000), { waiting: 0, served: 1, spreadMs: 0 }, 'client 1 asked first at 0');
  assert.deepEqual(w.demand(15_000), { waiting: 0, served: 0, spreadMs: 0 });
  w.record(1, 15_000, false);
  assert.deepEqual(w.demand(15_000), { waiting: 1, served: 0, spreadMs: 0 }, 'a client that comes back later is an arrival again');
});

test('ArrivalWindow: bounded, so a flood of random MACs cannot grow it', () => {
  const w = new ArrivalWindow(10_000, 50);
  for (let i = 0; i < 10_000; i++) w.record(i, i / 10, i % 2 === 0);
  const d = w.demand(999);
  assert.equal(d.waiting + d.served, 50);
});

test('spareTarget: a stream of served clients keeps a claim latency of addresses coming; a crowd served at once does not', () => {
  const window = claimLatencyMs(makeCfg());
  const held = (core: Core): number => core.view().counts().blocksOurs + core.view().counts().blocksClaiming;
  // Eight clients served and leased (full DORA), one every eighth of the window: a stream that fills it.
  const stream = ownedCore(5);
  for (let i = 0; i < 8; i++) {
    const t = 20_000 + (i * window) / 8;
    advance(stream, t);
    const offer = replies(discoverAll(stream, [i + 1], t))[0];
    assert.ok(offer !== undefined, `client ${i + 1} offered`);
    const request = dhcp({ type: REQUEST, client: i + 1, xid: i + 1, requested: offer.msg.yiaddr, serverId: SERVER_ID });
    assert.equal(replies(stream.handle({ kind: 'dhcp', msg: request }, t)).length, 1, `client ${i + 1} acked`);
  }
  const streamed = held(stream) - 1;
  // The same eight at once.
  const crowd = ownedCore(5);
  discoverAll(crowd, range(1, 8), 20_000);
  assert.equal(held(crowd) - 1, 1, 'spare leases only: 2 addresses, one block');
  assert.ok(streamed >= 2, `the stream claims for its next latency too: ${streamed} blocks`);
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
  // The 22 left waiting and the 2 spare leases want 24 at hand: 3 blocks more. The eight served
  // came at once, a crowd and not a stream, so they forecast nothing (spareTarget).
  assert.equal(core.view().counts().blocksClaiming, 3);
  const rounds = multicasts(advance(core, now + 300)).map(inquiredIndexes);
  assert.equal(rounds.length, 1, 'one INQUIRE');
  assert.equal(rounds[0]?.length, 3);
  advance(core, now + OWNED_AT);
  assert.equal(core.view().counts().blocksOurs, 4);
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
  assert.equal(core.view().counts().blocksClaiming, 1, 'three clients waiting want 3 addresses: one block of 8');
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
