// Address probes before an offer (src/core/probe.ts, dhcp.ts): the offer waits for
// the probe, an address someone answers for becomes that host's lease, relayed
// clients are not probed, and a retransmitted DISCOVER neither probes again nor is lost.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Core, Effect } from '../../../src/core/types';
import { advance, dhcp, events, ip, leaseMsg, mac, macStr, msgType, ownedCore, PEER_ADDR, replies, unicasts } from './fixtures';
import { DdhcpCommand } from '../../../src/wire/ddhcp-message';

const DISCOVER = 1, REQUEST = 3;
const OFFER = 2, ACK = 5;
/** ownedCore(5) owns block 5: 10.0.0.40 .. 10.0.0.47. */
const FIRST = ip('10.0.0.40');
const NOW = 30_000;
const PROBE_MS = 500;

function probes(out: readonly Effect[]): number[] {
  return out.flatMap((e) => (e.kind === 'probe' ? [e.ip] : []));
}

function probingCore(): Core {
  return ownedCore(5, { probeMs: PROBE_MS });
}

test('a fresh address is probed twice, and offered only when nobody answered for the whole probe time', () => {
  const core = probingCore();
  const first = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, xid: 7 }) }, NOW);
  assert.deepEqual(probes(first), [FIRST]);
  assert.equal(replies(first).length, 0);
  // Held for the client meanwhile: nobody else is offered it.
  assert.deepEqual(core.view().leases().map((l) => [l.ip, l.mac, l.state]), [[FIRST, macStr(1), 'offered']]);
  const other = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 2 }) }, NOW + 10);
  assert.deepEqual(probes(other), [FIRST + 1]);

  const half = advance(core, NOW + PROBE_MS / 2);
  assert.deepEqual(probes(half), [FIRST]);
  assert.equal(replies(half).length, 0);
  const before = advance(core, NOW + PROBE_MS - 1);
  assert.equal(replies(before).length, 0);
  const done = advance(core, NOW + PROBE_MS);
  const offer = replies(done);
  assert.equal(offer.length, 1);
  assert.equal(msgType(offer[0]!.msg), OFFER);
  assert.equal(offer[0]!.msg.yiaddr, FIRST);
  assert.equal(offer[0]!.msg.xid, 7);
  // Client 2's probe ends on the way (its offer); client 1's REQUEST is ACKed.
  const ack = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, xid: 7, serverId: ip('10.0.0.1'), requested: FIRST }) }, NOW + 600));
  assert.deepEqual(ack.map((r) => [msgType(r.msg), r.msg.yiaddr]), [[OFFER, FIRST + 1], [ACK, FIRST]]);
});

test('an answered probe makes the address the answering host\'s lease, and the client is probed for the next one', () => {
  const core = probingCore();
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW);
  const holder = mac(9).subarray(0, 6);
  const out = core.handle({ kind: 'probeReply', ip: FIRST, mac: holder }, NOW + 20);
  assert.deepEqual(events(out), ['probeAnswered']);
  assert.deepEqual(probes(out), [FIRST + 1]);
  assert.equal(replies(out).length, 0);
  const leases = new Map(core.view().leases().map((l) => [l.ip, [l.mac, l.state]]));
  assert.deepEqual(leases.get(FIRST), [macStr(9), 'leased']);
  assert.deepEqual(leases.get(FIRST + 1), [macStr(1), 'offered']);
  // The old client's renewal is granted: it keeps its address.
  const renew = replies(core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, client: 9, ciaddr: FIRST }) }, NOW + 100));
  assert.equal(msgType(renew[0]!.msg), ACK);
  assert.equal(renew[0]!.msg.yiaddr, FIRST);
  // The client is offered the next address once its probe ran out.
  const offer = replies(advance(core, NOW + 20 + PROBE_MS));
  assert.equal(offer[0]?.msg.yiaddr, FIRST + 1);
});

test('the client answering for its own address is no conflict; answers for addresses not probed change nothing', () => {
  const core = probingCore();
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW);
  assert.deepEqual(core.handle({ kind: 'probeReply', ip: FIRST, mac: mac(1).subarray(0, 6) }, NOW + 5), []);
  assert.deepEqual(core.handle({ kind: 'probeReply', ip: FIRST + 3, mac: mac(9).subarray(0, 6) }, NOW + 5), []);
  assert.equal(replies(advance(core, NOW + PROBE_MS))[0]?.msg.yiaddr, FIRST);
});

test('a DISCOVER repeated during the probe is not probed again, and the offer answers its xid', () => {
  const core = probingCore();
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, xid: 1 }) }, NOW);
  const again = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, xid: 2 }) }, NOW + 100);
  assert.deepEqual(probes(again), []);
  assert.deepEqual(events(again), ['dropped:probing']);
  const offer = replies(advance(core, NOW + PROBE_MS));
  assert.equal(offer.length, 1);
  assert.equal(offer[0]!.msg.xid, 2);
});

test('relayed clients and a client whose address is already held for it are offered at once', () => {
  const core = probingCore();
  const relayed = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 3, giaddr: ip('192.0.2.1') }) }, NOW);
  assert.deepEqual(probes(relayed), []);
  assert.equal(msgType(replies(relayed)[0]!.msg), OFFER);
  // Offered once after its probe: the retry of a client that missed the offer gets it at once.
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 4 }) }, NOW);
  advance(core, NOW + PROBE_MS);
  const retry = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 4 }) }, NOW + 2000);
  assert.deepEqual(probes(retry), []);
  assert.equal(msgType(replies(retry)[0]!.msg), OFFER);
});

test('a host answering for every address costs at most four addresses per DISCOVER', () => {
  const core = probingCore();
  let out = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW);
  let answered = 0;
  for (let i = 0; i < 10; i++) {
    const probed = probes(out);
    if (probed.length === 0) break;
    out = core.handle({ kind: 'probeReply', ip: probed[0]!, mac: mac(50 + i).subarray(0, 6) }, NOW + 10 + i);
    answered++;
  }
  assert.equal(answered, 4);
  assert.deepEqual(probes(out), []);
  assert.equal(replies(out).length, 0);
  // Its next DISCOVER starts over with the next free address.
  assert.deepEqual(probes(core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW + 2000)), [FIRST + 4]);
});

test('a handed-over lease NAKed for an address leased to another client keeps it from new clients until both leases end', () => {
  const core = ownedCore(5);
  // Our client 1 holds FIRST for 300 s from NOW.
  core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER }) }, NOW);
  core.handle({ kind: 'dhcp', msg: dhcp({ type: REQUEST, serverId: ip('10.0.0.1'), requested: FIRST }) }, NOW);
  // The loser of the block hands over client 2's lease of the same address, 250 s after ours.
  const handover = leaseMsg(DdhcpCommand.RenewLease, { addressRaw: FIRST, xid: 0, leaseSeconds: 290, chaddr: mac(2) });
  const out = core.handle({ kind: 'ddhcp', from: PEER_ADDR, msg: handover }, NOW + 250_000);
  assert.equal(unicasts(out)[0]?.msg.command, DdhcpCommand.LeaseNak);
  const lease = core.view().leases().find((l) => l.ip === FIRST);
  assert.deepEqual([lease?.mac, lease?.state, lease?.expiresAt], [macStr(1), 'leased', NOW + 250_000 + 290_000]);
  // At our lease's own end the address is still not offered to a newcomer.
  const later = core.handle({ kind: 'dhcp', msg: dhcp({ type: DISCOVER, client: 3 }) }, NOW + 400_000);
  assert.notEqual(replies(later)[0]?.msg.yiaddr, FIRST);
});
