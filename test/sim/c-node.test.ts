// The C-daemon model (src/sim/c-node.ts) keeps the C timeline and tie rules the mixed-mesh
// scenarios rely on: housekeeping every T>>1 s after the learning phase, ours at the
// fourth housekeeping after the first INQUIRE, INQUIREs for its blocks answered at once,
// every tie lost, and the count-before-state quirk of block_claim.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreConfig, Effect, Input, Millis } from '../../src/core/types';
import { DdhcpCommand, type ClaimEntry } from '../../src/wire/ddhcp-message';
import { CNode, C_NODE_ID } from '../../src/sim/c-node';
import { createRng } from '../../src/sim/rng';

const CFG: CoreConfig = {
  nodeId: C_NODE_ID, prefix: 0x0a000000, prefixLen: 24, blockSizePow: 2, blockTimeoutSec: 60, tentativeTimeoutSec: 15,
  needlessTimeoutSec: 300, spareLeases: 2, maxLeases: 128, learning: true, dhcpEnabled: true, probeMs: 0, options: [],
};
const HEADER = { prefix: CFG.prefix, prefixLen: CFG.prefixLen, blockSize: 4 };
const PEER = '00000000000000ff';

/** Feeds timer inputs at every deadline until `until`; returns each effect with its time. */
function runTimers(node: CNode, from: Millis, until: Millis): { at: Millis; effect: Effect }[] {
  const out: { at: Millis; effect: Effect }[] = [];
  for (let now = from; ; ) {
    const next = node.nextDeadline();
    if (next > until) return out;
    now = Math.max(now, next);
    for (const effect of node.handle({ kind: 'timer' }, now)) out.push({ at: now, effect });
  }
}

function inquires(effects: readonly { at: Millis; effect: Effect }[]): Millis[] {
  return effects.filter((e) => e.effect.kind === 'multicast' && e.effect.msg.command === DdhcpCommand.Inquire).map((e) => e.at);
}

function ownedAt(effects: readonly { at: Millis; effect: Effect }[]): { at: Millis; index: number } | undefined {
  const e = effects.find((x) => x.effect.kind === 'event' && x.effect.event.kind === 'blockOwned');
  return e === undefined || e.effect.kind !== 'event' || e.effect.event.kind !== 'blockOwned' ? undefined : { at: e.at, index: e.effect.event.index };
}

type Body =
  | { readonly command: typeof DdhcpCommand.Inquire; readonly blocks: readonly number[] }
  | { readonly command: typeof DdhcpCommand.UpdateClaim; readonly claims: readonly ClaimEntry[] };

/** A message from a peer whose id is larger than zero. */
function peer(body: Body): Input {
  return { kind: 'ddhcp', from: 'fe80::ff', msg: { nodeId: PEER, ...HEADER, ...body } };
}

test('learning for B, then three INQUIREs T>>1 s apart, ours at the fourth housekeeping', () => {
  const node = new CNode(CFG, createRng(1), 0);
  const effects = runTimers(node, 0, 120000);
  assert.deepEqual(inquires(effects), [60000, 67000, 74000]);
  assert.equal(ownedAt(effects)?.at, 81000);
  const noLearning = new CNode({ ...CFG, learning: false }, createRng(1), 0);
  assert.equal(ownedAt(runTimers(noLearning, 0, 60000))?.at, 21000);
});

test('in a busy mesh every multicast received runs housekeeping: three of them and the claim is won', () => {
  const node = new CNode({ ...CFG, learning: false }, createRng(5), 0);
  const first = inquires(runTimers(node, 0, 0));
  assert.deepEqual(first, [0]);
  const heard: Effect[] = [];
  // Peers' refreshes for blocks far from ours, 100 ms apart.
  for (let k = 1; k <= 3; k++) heard.push(...node.handle(peer({ command: DdhcpCommand.UpdateClaim, claims: [{ blockIndex: 60 + k, timeoutSec: 60, reserved: 0 }] }), k * 100));
  assert.equal(heard.filter((e) => e.kind === 'multicast' && e.msg.command === DdhcpCommand.Inquire).length, 2, 'INQUIREs two and three');
  assert.ok(heard.some((e) => e.kind === 'event' && e.event.kind === 'blockOwned'), 'ours at the third packet heard (the fourth housekeeping)');
});

test('an INQUIRE for a block it owns is answered with an UPDATECLAIM at once', () => {
  const node = new CNode({ ...CFG, learning: false }, createRng(2), 0);
  const owned = ownedAt(runTimers(node, 0, 30000));
  assert.ok(owned !== undefined);
  const effects = node.handle(peer({ command: DdhcpCommand.Inquire, blocks: [owned.index] }), 30500);
  const claims = effects.flatMap((e) => (e.kind === 'multicast' && e.msg.command === DdhcpCommand.UpdateClaim ? e.msg.claims.map((c) => c.blockIndex) : []));
  assert.deepEqual(claims, [owned.index]);
});

test('any UPDATECLAIM for its block takes it: with the id zero it loses every tie', () => {
  const node = new CNode({ ...CFG, learning: false }, createRng(3), 0);
  const owned = ownedAt(runTimers(node, 0, 30000));
  assert.ok(owned !== undefined);
  const effects = node.handle(peer({ command: DdhcpCommand.UpdateClaim, claims: [{ blockIndex: owned.index, timeoutSec: 60, reserved: 0 }] }), 30500);
  assert.ok(effects.some((e) => e.kind === 'event' && e.event.kind === 'blockLost' && e.event.index === owned.index));
  const view = node.view().blocks().find((b) => b.index === owned.index);
  assert.equal(view?.state, 'claimed');
  assert.equal(view?.owner, PEER);
});

test('a larger id inquiring its claim makes it back off, unless its third INQUIRE is out (block_claim checks the count first)', () => {
  for (const [heardAt, wins] of [[10000, false], [17000, true]] as const) {
    const node = new CNode({ ...CFG, learning: false }, createRng(4), 0);
    const first = runTimers(node, 0, heardAt - 1);
    const msg = first.find((e) => e.effect.kind === 'multicast' && e.effect.msg.command === DdhcpCommand.Inquire)?.effect;
    assert.ok(msg?.kind === 'multicast' && msg.msg.command === DdhcpCommand.Inquire);
    const block = msg.msg.blocks[0] as number;
    // The INQUIRE is a multicast: C runs housekeeping right after taking it.
    const atOnce = node.handle(peer({ command: DdhcpCommand.Inquire, blocks: [block] }), heardAt).map((effect) => ({ at: heardAt, effect }));
    const owned = ownedAt([...atOnce, ...runTimers(node, heardAt, 40000)]);
    assert.equal(owned?.index === block, wins, `peer heard at ${heardAt} ms: block ${block}, C owned ${owned?.index}`);
  }
});
