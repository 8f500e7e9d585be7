import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore } from '../../../src/core/node';
import type { Core } from '../../../src/core/types';
import {
  dhcp, events, ip, macStr, makeCfg, msgType, optionCodes, ownedCore, replies, seededRng, SERVER_ID, u32,
} from './fixtures';

const DISCOVER = 1, REQUEST = 3, DECLINE = 4, RELEASE = 7, INFORM = 8;
const OFFER = 2, ACK = 5, NAK = 6;
/** ownedCore(5) owns block 5: 10.0.0.40 .. 10.0.0.47. */
const FIRST = ip('10.0.0.40');
const NOW = 30_000;

function only(out: ReturnType<Core['handle']>) {
  const r = replies(out);
  assert.equal(r.length, 1, `one reply expected, events ${events(out).join(',')}`);
  return r[0]!;
}

test('DORA: offer the lowest free address, ACK it, lease recorded with the store lease time', () => {
  const core = ownedCore(5);
  const offer = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, xid: 77 }) }, NOW));
  assert.equal(msgType(offer.msg), OFFER);
  assert.deepEqual(offer.to, { kind: 'broadcast' });
  assert.equal(offer.msg.yiaddr, FIRST);
  assert.deepEqual([offer.msg.op, offer.msg.xid, offer.msg.secs, offer.msg.hops, offer.msg.siaddr], [2, 77, 0, 0, 0]);
  assert.deepEqual(optionCodes(offer.msg), [53, 54, 51, 58, 59, 1, 3]);
  const o = new Map(offer.msg.options.map((x) => [x.code, x.data]));
  assert.deepEqual(o.get(54), u32(SERVER_ID));
  assert.deepEqual([o.get(51), o.get(58), o.get(59)], [u32(300), u32(150), u32(262)]);
  assert.deepEqual(core.view().leases().map((l) => [l.ip, l.state, l.expiresAt]), [[FIRST, 'offered', NOW + 12_000]]);

  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, xid: 77, serverId: SERVER_ID, requested: FIRST }) }, NOW + 1000);
  const ack = only(out);
  assert.equal(msgType(ack.msg), ACK);
  assert.equal(ack.msg.yiaddr, FIRST);
  assert.deepEqual(events(out), ['leased']);
  assert.deepEqual(core.view().leases().map((l) => [l.ip, l.mac, l.state, l.expiresAt]), [[FIRST, macStr(1), 'leased', NOW + 301_000]]);
});

test('options follow the parameter request list, subnet mask always, no duplicates of 51/53/54', () => {
  const core = ownedCore(5);
  const a = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, prl: [3, 51, 54, 6] }) }, NOW));
  assert.deepEqual(optionCodes(a.msg), [53, 54, 51, 58, 59, 1, 3]);
  const b = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2, prl: [6] }) }, NOW));
  assert.deepEqual(optionCodes(b.msg), [53, 54, 51, 58, 59, 1]);
});

test('DISCOVER: the client keeps its lease, gets the address it asks for, or the lowest free one', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 1 }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, serverId: SERVER_ID, requested: FIRST }) }, NOW);
  const again = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 1 }) }, NOW + 1));
  assert.equal(again.msg.yiaddr, FIRST);
  assert.equal(core.view().leases()[0]?.state, 'leased', 'a re-offer must not downgrade the lease');
  const asked = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2, requested: FIRST + 5 }) }, NOW + 2));
  assert.equal(asked.msg.yiaddr, FIRST + 5);
  const taken = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 3, requested: FIRST }) }, NOW + 3));
  assert.equal(taken.msg.yiaddr, FIRST + 1);
});

test('a returning client gets its previous address back once its lease ran out (C forgot it)', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 1 }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2 }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, serverId: SERVER_ID, requested: FIRST + 1 }) }, NOW);
  const back = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2 }) }, NOW + 400_000));
  assert.equal(back.msg.yiaddr, FIRST + 1);
});

test('reserved addresses (network, broadcast, server id, routers) are never handed out', () => {
  // Block 0 holds 10.0.0.0 (network), .1 (server id), .2 (router): 5 usable addresses.
  const core = ownedCore(0);
  const got: number[] = [];
  for (let c = 1; c <= 5; c++) got.push(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: c }) }, NOW)).msg.yiaddr);
  assert.deepEqual(got, [3, 4, 5, 6, 7].map((x) => ip(`10.0.0.${x}`)));
  assert.equal(core.view().blocks().find((b) => b.index === 0)?.leases?.free, 0);
  const req = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 9, requested: SERVER_ID }) }, NOW);
  assert.equal(msgType(only(req).msg), NAK);
  // Broadcast address 10.0.0.255 lies in block 31.
  const top = ownedCore(31);
  for (let c = 1; c <= 7; c++) assert.notEqual(only(top.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: c }) }, NOW)).msg.yiaddr, ip('10.0.0.255'));
});

test('no free lease: DISCOVER is dropped and claiming follows', () => {
  const core = createCore(makeCfg(), seededRng(2), 0);
  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, 0);
  assert.ok(events(out).includes('dropped:noFreeLease'));
  assert.equal(core.view().counts().blocksClaiming, 1);
});

test('SELECTING: another server chosen frees our offer; ours without a matching offer is NAKed', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW);
  const other = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, serverId: ip('10.0.0.99'), requested: FIRST }) }, NOW);
  assert.deepEqual(replies(other), []);
  assert.deepEqual(events(other), ['dropped:notForUs']);
  assert.deepEqual(core.view().leases(), []);
  const nak = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, serverId: SERVER_ID, requested: FIRST }) }, NOW));
  assert.equal(msgType(nak.msg), NAK);
  assert.deepEqual(optionCodes(nak.msg), [53, 54]);
  assert.equal(nak.msg.yiaddr, 0);
});

test('INIT-REBOOT in our block: own lease ACKed, free address granted, foreign or declined NAKed', () => {
  const core = ownedCore(5);
  const grant = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: FIRST + 3 }) }, NOW);
  assert.equal(msgType(only(grant).msg), ACK);
  assert.deepEqual(only(grant).to, { kind: 'broadcast' });
  assert.deepEqual(events(grant), ['leased']);
  assert.equal(msgType(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: FIRST + 3 }) }, NOW)).msg), ACK);
  // Another MAC asking for client 1's address: the C owner ACKed this (a duplicate); we NAK.
  const dup = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 2, requested: FIRST + 3 }) }, NOW);
  assert.equal(msgType(only(dup).msg), NAK);
  assert.deepEqual(only(dup).to, { kind: 'broadcast' });
});

test('RENEWING: unicast ACK to ciaddr and the lease is extended', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: FIRST }) }, NOW);
  const r = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, ciaddr: FIRST }) }, NOW + 150_000));
  assert.equal(msgType(r.msg), ACK);
  assert.deepEqual(r.to, { kind: 'unicast', ip: FIRST });
  assert.equal(r.msg.ciaddr, FIRST);
  assert.equal(core.view().leases()[0]?.expiresAt, NOW + 450_000);
});

test('NAK cases: outside the network, unknown block after learning; dropped while learning', () => {
  const core = ownedCore(5);
  assert.equal(msgType(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, requested: ip('192.168.1.5') }) }, NOW)).msg), NAK);
  assert.equal(msgType(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, requested: ip('10.0.0.100') }) }, NOW)).msg), NAK);
  const learning = createCore(makeCfg({ learning: true }), seededRng(1), 0);
  learning.handle({ kind: 'link', clientAddress: SERVER_ID }, 0);
  for (const addr of ['192.168.1.5', '10.0.0.100']) {
    const out = learning.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, requested: ip(addr) }) }, 1000);
    assert.deepEqual(replies(out), []);
    assert.deepEqual(events(out), ['dropped:learning']);
  }
});

test('relay: replies go to giaddr, NAK too', () => {
  const core = ownedCore(5);
  const giaddr = ip('10.0.0.2');
  assert.deepEqual(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, giaddr }) }, NOW)).to, { kind: 'relay', giaddr });
  const nak = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, giaddr, client: 5, requested: ip('10.0.0.100') }) }, NOW));
  assert.deepEqual([msgType(nak.msg), nak.to], [NAK, { kind: 'relay', giaddr }]);
  assert.equal(nak.msg.giaddr, giaddr);
});

test('RELEASE frees our lease for the same MAC only; DECLINE keeps the address out of use', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: FIRST }) }, NOW);
  const wrong = core.handle({ kind: 'dhcp', msg: dhcp({ type: RELEASE, client: 2, ciaddr: FIRST }) }, NOW);
  assert.deepEqual(events(wrong), []);
  const rel = core.handle({ kind: 'dhcp', msg: dhcp({ type: RELEASE, client: 1, ciaddr: FIRST }) }, NOW);
  assert.deepEqual([replies(rel).length, events(rel)], [0, ['released']]);
  assert.deepEqual(core.view().leases(), []);

  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 3 }) }, NOW);
  const dec = core.handle({ kind: 'dhcp', msg: dhcp({ type: DECLINE, client: 3, requested: FIRST }) }, NOW);
  assert.deepEqual(events(dec), ['declined']);
  assert.deepEqual(core.view().leases().map((l) => [l.ip, l.state, l.expiresAt]), [[FIRST, 'declined', NOW + 600_000]]);
  assert.equal(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 4 }) }, NOW)).msg.yiaddr, FIRST + 1);
  assert.equal(msgType(only(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 3, requested: FIRST }) }, NOW)).msg), NAK);
  core.handle({ kind: 'timer' }, NOW + 600_000);
  assert.ok(!core.view().leases().some((l) => l.ip === FIRST));
});

test('INFORM: ACK unicast to ciaddr, yiaddr 0, no lease options', () => {
  const core = ownedCore(5);
  const ciaddr = ip('10.0.0.200');
  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: INFORM, ciaddr }) }, NOW);
  const r = only(out);
  assert.deepEqual([msgType(r.msg), r.msg.yiaddr, r.to], [ACK, 0, { kind: 'unicast', ip: ciaddr }]);
  assert.deepEqual(optionCodes(r.msg), [53, 54, 1, 3]);
  assert.deepEqual(events(out), ['informed']);
});

test('drops: DHCP disabled, not a request, no server identifier', () => {
  const off = ownedCore(5, { dhcpEnabled: false });
  assert.deepEqual(events(off.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW)), ['dropped:dhcpDisabled']);
  const core = ownedCore(5);
  assert.deepEqual(events(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, op: 2 }) }, NOW)), ['dropped:unknownDhcpMessage']);
  const noSid = ownedCore(5, { options: [{ code: 51, payload: u32(300) }] });
  assert.deepEqual(events(noSid.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW)), ['dropped:noServerIdentifier']);
  noSid.handle({ kind: 'link', clientAddress: ip('10.0.0.9') }, NOW);
  const o = only(noSid.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW));
  assert.deepEqual(o.msg.options.find((x) => x.code === 54)?.data, u32(ip('10.0.0.9')));
  assert.equal(noSid.view().serverIdentifier(), ip('10.0.0.9'));
});

test('commands: setOption replaces in place or appends, removeOption removes; replies follow', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'command', cmd: { kind: 'setOption', option: { code: 51, payload: u32(600) } } }, NOW);
  core.handle({ kind: 'command', cmd: { kind: 'setOption', option: { code: 6, payload: u32(ip('10.0.0.3')) } } }, NOW);
  core.handle({ kind: 'command', cmd: { kind: 'removeOption', code: 3 } }, NOW);
  assert.deepEqual(core.view().options().map((o) => o.code), [1, 54, 51, 6]);
  const r = only(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW));
  assert.deepEqual(optionCodes(r.msg), [53, 54, 51, 58, 59, 1, 6]);
  assert.deepEqual(r.msg.options.find((x) => x.code === 51)?.data, u32(600));
});
