import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swapBytes32 } from '../../../src/wire/bytes';
import type { Core } from '../../../src/core/types';
import type { DdhcpMessage } from '../../../src/wire/ddhcp-message';
import {
  BIG_ID, dhcp, events, ip, leaseMsg, mac, msgType, ownedCore, PEER_ADDR, replies, SMALL_ID, unicasts, updateClaim,
} from './fixtures';

const REQUEST = 3, RELEASE = 7, ACK = 5, NAK = 6;
/** Between our refreshes (OWNED_AT + 15 s and + 30 s), so no UPDATECLAIM falls due in a test. */
const NOW = 32_000;
/** Block 2 (10.0.0.16 .. 23) belongs to a peer; block 5 (10.0.0.40 ..) is ours. */
const ROAMED = ip('10.0.0.17');
const OURS = ip('10.0.0.40');

function meshWithPeer(): Core {
  const core = ownedCore(5);
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: updateClaim(SMALL_ID, [2]) }, NOW - 1000);
  return core;
}

function lease(m: DdhcpMessage) {
  assert.ok('lease' in m);
  return m.lease;
}

test('roamed RENEWING: RENEWLEASE to the owner, byte-reversed first, network order after 1 s, ACK relayed', () => {
  const core = meshWithPeer();
  const req = dhcp({ type: REQUEST, client: 7, xid: 0xd7fe2c7c, ciaddr: ROAMED });
  const out = core.handle({ kind: 'dhcp', msg: req }, NOW);
  assert.deepEqual(replies(out), []);
  const [first] = unicasts(out);
  assert.equal(first?.to, PEER_ADDR);
  assert.equal(first?.msg.command, 16);
  assert.deepEqual(lease(first!.msg), { addressRaw: swapBytes32(ROAMED), xid: 0xd7fe2c7c, leaseSeconds: 0, chaddr: mac(7) });
  assert.equal(core.nextDeadline(), NOW + 1000);

  const retry = unicasts(core.handle({ kind: 'timer' }, NOW + 1000));
  assert.equal(retry.length, 1);
  assert.equal(lease(retry[0]!.msg).addressRaw, ROAMED);

  const ackOut = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(17, { addressRaw: ROAMED, xid: 0xd7fe2c7c, chaddr: mac(7) }, SMALL_ID) }, NOW + 1010);
  const [ack] = replies(ackOut);
  assert.deepEqual([msgType(ack!.msg), ack!.msg.yiaddr, ack!.to], [ACK, ROAMED, { kind: 'unicast', ip: ROAMED }]);
  assert.equal(ack!.msg.xid, 0xd7fe2c7c);
  assert.deepEqual(events(ackOut), [], "'leased' is for our own leases only");

  // The owner answered in network order: the next renewal uses it at once and does not retry.
  const next = unicasts(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 8, xid: 9, ciaddr: ROAMED + 1 }) }, NOW + 2000));
  assert.equal(lease(next[0]!.msg).addressRaw, ROAMED + 1);
  assert.deepEqual(unicasts(core.handle({ kind: 'timer' }, NOW + 3000)), []);
});

test('LEASENAK becomes a broadcast DHCPNAK; a reply nobody waits for is dropped', () => {
  const core = meshWithPeer();
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, xid: 5, requested: ROAMED }) }, NOW);
  const stray = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(17, { addressRaw: swapBytes32(ROAMED), xid: 6, chaddr: mac(7) }) }, NOW);
  assert.deepEqual(events(stray), ['dropped:unsolicitedReply']);
  const wrongAddr = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(17, { addressRaw: ROAMED + 1, xid: 5, chaddr: mac(7) }) }, NOW);
  assert.deepEqual(events(wrongAddr), ['dropped:unsolicitedReply']);
  const out = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(18, { addressRaw: swapBytes32(ROAMED), xid: 5, chaddr: mac(7) }) }, NOW + 5);
  const [nak] = replies(out);
  assert.deepEqual([msgType(nak!.msg), nak!.to], [NAK, { kind: 'broadcast' }]);
  // Answered in the reversed form: remembered, so no network-order retry is sent later.
  assert.deepEqual(unicasts(core.handle({ kind: 'timer' }, NOW + 1000)), []);
  const twice = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(18, { addressRaw: swapBytes32(ROAMED), xid: 5, chaddr: mac(7) }) }, NOW + 6);
  assert.deepEqual(events(twice), ['dropped:unsolicitedReply']);
});

test('pending table: at most 256 entries, freed after 10 s', () => {
  const core = meshWithPeer();
  for (let x = 0; x < 256; x++) core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, xid: x, ciaddr: ROAMED }) }, NOW);
  const full = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, xid: 999, ciaddr: ROAMED }) }, NOW);
  assert.deepEqual([unicasts(full).length, events(full)], [0, ['dropped:pendingTableFull']]);
  core.handle({ kind: 'timer' }, NOW + 10_000);
  assert.equal(unicasts(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, xid: 999, ciaddr: ROAMED }) }, NOW + 10_000)).length, 1);
});

test('RENEWLEASE at the owner: same MAC ACKed, other MAC NAKed, free granted, not ours NAKed, echo unchanged', () => {
  const core = ownedCore(5);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: OURS }) }, NOW);
  const cases: [string, number, number, number, string[]][] = [
    ['same MAC, reversed form', swapBytes32(OURS), 1, 17, ['leased']],
    ['same MAC, network order', OURS, 1, 17, ['leased']],
    ['another MAC: C would ACK (duplicate)', swapBytes32(OURS), 2, 18, []],
    ['free address', swapBytes32(OURS + 1), 3, 17, ['leased']],
    ['reserved router address in nobody\'s block', swapBytes32(ip('10.0.0.2')), 3, 18, []],
    ['block of another node', swapBytes32(ip('10.0.0.100')), 4, 18, []],
  ];
  for (const [name, addressRaw, client, command, evs] of cases) {
    const req = leaseMsg(16, { addressRaw, xid: 42, leaseSeconds: 3600, chaddr: mac(client) });
    const out = core.handle({ kind: 'ddhcp', from: 'fe80::9', msg: req }, NOW + 100);
    const [reply] = unicasts(out);
    assert.equal(reply?.to, 'fe80::9', name);
    assert.equal(reply?.msg.command, command, name);
    assert.deepEqual(lease(reply!.msg), lease(req), `${name}: payload echoed`);
    assert.equal('count' in reply!.msg && reply!.msg.count, 0);
    assert.deepEqual(events(out), evs, name);
  }
  const l = core.view().leases().find((x) => x.ip === OURS + 1);
  assert.deepEqual([l?.state, l?.mac, l?.expiresAt], ['leased', '02:00:00:00:00:03', NOW + 100 + 300_000]);
});

test('RENEWLEASE with neither form inside the network and foreign-mesh messages get no reply', () => {
  const core = ownedCore(5);
  const outside = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(16, { addressRaw: ip('192.168.0.1') }) }, NOW);
  assert.deepEqual([unicasts(outside).length, events(outside)], [0, ['dropped:addressOutsideNetwork']]);
  const foreign = { ...leaseMsg(16, { addressRaw: OURS }), prefixLen: 17 } as DdhcpMessage;
  const out = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: foreign }, NOW);
  assert.deepEqual([unicasts(out).length, events(out)], [0, ['dropped:foreignMesh']]);
  const foreignClaim = { ...updateClaim(BIG_ID, [5]), blockSize: 4 } as DdhcpMessage;
  assert.deepEqual(events(core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: foreignClaim }, NOW)), ['dropped:foreignMesh']);
  assert.equal(core.view().blocks()[0]?.state, 'ours');
});

test('DHCPRELEASE for another node\'s block is forwarded as RELEASE (19); RELEASE at the owner frees', () => {
  const roamer = meshWithPeer();
  const out = roamer.handle({ kind: 'dhcp', msg: dhcp({ type: RELEASE, client: 7, xid: 3, ciaddr: ROAMED }) }, NOW);
  const [fwd] = unicasts(out);
  assert.deepEqual([fwd?.to, fwd?.msg.command, replies(out).length], [PEER_ADDR, 19, 0]);
  assert.deepEqual(lease(fwd!.msg), { addressRaw: swapBytes32(ROAMED), xid: 3, leaseSeconds: 0, chaddr: mac(7) });

  const owner = ownedCore(5);
  owner.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 1, requested: OURS }) }, NOW);
  const wrongMac = owner.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(19, { addressRaw: swapBytes32(OURS), chaddr: mac(2) }) }, NOW);
  assert.deepEqual([unicasts(wrongMac).length, events(wrongMac)], [0, []]);
  const rel = owner.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(19, { addressRaw: swapBytes32(OURS), chaddr: mac(1) }) }, NOW);
  assert.deepEqual([unicasts(rel).length, events(rel)], [0, ['released']]);
  assert.deepEqual(owner.view().leases(), []);
});

test('a peer seen using network order gets network order without a guess', () => {
  const core = meshWithPeer();
  // The peer renewed one of our leases in network order: it is a big-endian C node or one of ours.
  core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: leaseMsg(16, { addressRaw: OURS + 2, chaddr: mac(9) }) }, NOW);
  const out = core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 7, ciaddr: ROAMED }) }, NOW);
  assert.equal(lease(unicasts(out)[0]!.msg).addressRaw, ROAMED);
  assert.deepEqual(unicasts(core.handle({ kind: 'timer' }, NOW + 1000)), [], 'no retry in the other form');
});
