// The simulator's own parts, without the real core: seeded PRNG, event order,
// the DHCP client state machine, the replay command round trip, the medium's loss.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpClient, type ClientStep } from '../../src/sim/dhcp-client';
import { EventQueue } from '../../src/sim/event-queue';
import { DEFAULT_NETWORK, Network } from '../../src/sim/network';
import { createRng } from '../../src/sim/rng';
import { DEFAULT_SCENARIO, formatReplay, parseScenarioArgs } from '../../src/sim/scenario';
import { BOOTREPLY, DhcpMessageType, DhcpOptionCode, type DhcpMessage } from '../../src/wire/dhcp-message';
import { u32ToBytes } from '../../src/wire/bytes';
import { fromPersisted } from '../../src/persist/state-file';
import { toPersisted } from '../../src/persist/restart-policy';
import { getIpv4Option, getMessageType, ipv4ToBytes } from '../../src/wire/dhcp-options';

test('rng: same seed, same stream; different seeds differ; floats stay in [0, 1)', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 1000 }, () => a.nextU32());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.nextU32()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.nextU32()));
  let sum = 0;
  for (let i = 0; i < 100000; i++) {
    const f = a.nextFloat();
    assert.ok(f >= 0 && f < 1);
    sum += f;
  }
  assert.ok(Math.abs(sum / 100000 - 0.5) < 0.01, `mean ${sum / 100000}`);
  assert.match(a.nextHex64(), /^[0-9a-f]{16}$/);
});

test('event queue: time order, ties in insertion order', () => {
  const q = new EventQueue<string>();
  const rng = createRng(7);
  const input: [number, string][] = [];
  for (let i = 0; i < 500; i++) input.push([rng.nextInt(50), `e${i}`]);
  for (const [at, name] of input) q.push(at, name);
  const expected = input.map(([at, name], i) => ({ at, name, i })).sort((x, y) => x.at - y.at || x.i - y.i).map((e) => e.name);
  const got: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) got.push(e.event);
  assert.deepEqual(got, expected);
});

// A simulated restart ages its snapshot as the daemon does, through the state file (sim-node.ts loadStateFile).
test('snapshot ageing: claims that lapsed during the downtime stay listed as run out, lapsed leases go', () => {
  const lease = (ip: number, remainingMs: number) => ({ ip, chaddr: '02'.padEnd(32, '0'), state: 'leased' as const, remainingMs });
  const s = {
    version: 1 as const, nodeId: '0000000000000001', prefix: 0x0a000000, prefixLen: 24, blockSize: 32,
    blocks: [{ index: 1, remainingMs: 50000 }, { index: 2, remainingMs: 10000 }],
    leases: [lease(0x0a000041, 30000), lease(0x0a000042, 5000)],
  };
  const savedAt = 1_700_000_000_000;
  const aged = toPersisted(fromPersisted(s, savedAt), savedAt + 20000);
  assert.deepEqual(aged.blocks, [{ index: 1, remainingMs: 30000 }, { index: 2, remainingMs: -10000 }]);
  assert.deepEqual(aged.leases, [lease(0x0a000041, 10000)]);
});

const SERVER = 0xac1ffffe;

function reply(req: DhcpMessage, type: number, yiaddr: number, leaseSec = 300): DhcpMessage {
  const options = [
    { code: DhcpOptionCode.MessageType, data: Uint8Array.of(type) },
    { code: DhcpOptionCode.ServerIdentifier, data: ipv4ToBytes(SERVER) },
    { code: DhcpOptionCode.LeaseTime, data: u32ToBytes(leaseSec) },
  ];
  return { ...req, op: BOOTREPLY, yiaddr, options };
}

function sent(step: ClientStep): DhcpMessage {
  assert.ok(step.send, 'expected the client to send');
  return step.send;
}

test('client: DORA, renew at T1 by unicast, rebind at T2, expiry counted from the request', () => {
  const c = new DhcpClient(Uint8Array.of(2, 0, 0, 0, 0, 1), createRng(1));
  const discover = sent(c.start(1000));
  assert.equal(getMessageType(discover), DhcpMessageType.Discover);
  const request = sent(c.onReply(reply(discover, DhcpMessageType.Offer, 0x0a000005), 1010));
  assert.equal(getMessageType(request), DhcpMessageType.Request);
  assert.equal(getIpv4Option(request, DhcpOptionCode.RequestedAddress), 0x0a000005);
  assert.equal(getIpv4Option(request, DhcpOptionCode.ServerIdentifier), SERVER);
  assert.equal(request.ciaddr, 0);
  const bound = c.onReply(reply(request, DhcpMessageType.Ack, 0x0a000005), 1030);
  assert.equal(c.state, 'bound');
  assert.equal(bound.bound?.expiresAt, 1010 + 300000);
  assert.equal(bound.wakeAt, 1010 + 150000);
  const renew = sent(c.onTimer(1010 + 150000));
  assert.equal(c.state, 'renewing');
  assert.equal(renew.ciaddr, 0x0a000005);
  assert.equal(getIpv4Option(renew, DhcpOptionCode.RequestedAddress), undefined);
  assert.equal(getIpv4Option(renew, DhcpOptionCode.ServerIdentifier), undefined);
  const rebind = sent(c.onTimer(1010 + 262500));
  assert.equal(c.state, 'rebinding');
  assert.notEqual(rebind.xid, renew.xid);
  const expired = c.onTimer(1010 + 300000);
  assert.equal(expired.dropped, 0x0a000005);
  assert.equal(c.state, 'selecting');
  // The lapsed address is asked for again.
  assert.equal(getIpv4Option(sent(expired), DhcpOptionCode.RequestedAddress), 0x0a000005);
});

test('client: INIT-REBOOT asks for its address without server id; NAK restarts DISCOVER', () => {
  const c = new DhcpClient(Uint8Array.of(2, 0, 0, 0, 0, 2), createRng(2));
  const discover = sent(c.start(0));
  const request = sent(c.onReply(reply(discover, DhcpMessageType.Offer, 0x0a000009), 5));
  c.onReply(reply(request, DhcpMessageType.Ack, 0x0a000009), 10);
  const reboot = sent(c.start(60000));
  assert.equal(c.state, 'rebooting');
  assert.equal(reboot.ciaddr, 0);
  assert.equal(getIpv4Option(reboot, DhcpOptionCode.RequestedAddress), 0x0a000009);
  assert.equal(getIpv4Option(reboot, DhcpOptionCode.ServerIdentifier), undefined);
  // A reply with a stale xid is ignored.
  assert.deepEqual(c.onReply(reply(request, DhcpMessageType.Nak, 0), 60010), {});
  const after = c.onReply(reply(reboot, DhcpMessageType.Nak, 0), 60010);
  assert.equal(after.dropped, 0x0a000009);
  assert.equal(getMessageType(sent(after)), DhcpMessageType.Discover);
});

test('client: RELEASE carries ciaddr and the server identifier', () => {
  const c = new DhcpClient(Uint8Array.of(2, 0, 0, 0, 0, 3), createRng(3));
  const discover = sent(c.start(0));
  const request = sent(c.onReply(reply(discover, DhcpMessageType.Offer, 0x0a00000a), 5));
  c.onReply(reply(request, DhcpMessageType.Ack, 0x0a00000a), 10);
  const step = c.release();
  assert.equal(getMessageType(sent(step)), DhcpMessageType.Release);
  assert.equal(sent(step).ciaddr, 0x0a00000a);
  assert.equal(getIpv4Option(sent(step), DhcpOptionCode.ServerIdentifier), SERVER);
  assert.equal(c.state, 'off');
});

test('replay command parses back to the same scenario', () => {
  const s = { ...DEFAULT_SCENARIO, seed: 9, nodes: 50, loss: 0.05, partitionAt: 300, learning: 0 };
  const replay = formatReplay(s);
  assert.match(replay, /^npm run sim -- --seed 9 --nodes 50 .*--loss 0\.05/);
  const args = replay.replace('npm run sim -- ', '').split(' ');
  const parsed = parseScenarioArgs(args);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, s);
  assert.equal(parseScenarioArgs(['--nodes', 'x']).ok, false);
  assert.equal(parseScenarioArgs(['--wat', '1']).ok, false);
});

test('network: loss and duplication hit each reception with their chance, drawn per hit', () => {
  const net = new Network({ ...DEFAULT_NETWORK, loss: 0.1, duplicate: 0.01 }, createRng(3));
  let lost = 0;
  let duplicated = 0;
  let longestRun = 0;
  let run = 0;
  for (let i = 0; i < 200_000; i++) {
    if (net.isLost()) {
      lost++;
      run++;
      longestRun = Math.max(longestRun, run);
    } else run = 0;
    if (net.isDuplicated()) duplicated++;
  }
  assert.ok(Math.abs(lost / 200_000 - 0.1) < 0.003, `loss rate ${lost / 200_000}`);
  assert.ok(Math.abs(duplicated / 200_000 - 0.01) < 0.001, `duplication rate ${duplicated / 200_000}`);
  // Independent: runs of losses occur (0.1^4 * 200 000 = 20 runs of four expected).
  assert.ok(longestRun >= 4 && longestRun < 12, `longest run of losses ${longestRun}`);
  net.update({ loss: 0 });
  for (let i = 0; i < 1000; i++) assert.equal(net.isLost(), false);
  net.update({ loss: 1 });
  for (let i = 0; i < 1000; i++) assert.equal(net.isLost(), true);
});
