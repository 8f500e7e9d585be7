// A hostile peer on the mesh (a namespace on the mesh bridge with no daemon)
// and hostile local input: claims for out-of-range blocks and with our own node
// id, INQUIRE floods, unsolicited LEASEACKs, RENEWLEASEs with a wrong MAC, a
// DHCPDECLINE, a hook that hangs and floods output from a path full of shell
// syntax. The daemon must keep serving and never give one address to two clients.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bytesToHex, swapBytes32 } from '../../src/wire/bytes';
import { decodeDdhcp, encodeDdhcp } from '../../src/wire/ddhcp';
import { DdhcpCommand, type DdhcpMessage } from '../../src/wire/ddhcp-message';
import { DhcpClient } from './clients';
import { blockRows, nodeIdOf, ownBlocks, statistic } from './ctl-text';
import { Lab, sh, sleep, waitFor, type DaemonHandle } from './lab';
import { linkLocalOf, readStats, runTool, statDeltas, type DeclineResult, type SendResult } from './packet-tools';

const MESH = { prefix: 0x0a008000, prefixLen: 17, blockSize: 4 };
const ATTACKER_ID = '7fffffffffffffff';
const NUM_BLOCKS = 8192;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function hexOf(msg: DdhcpMessage): string {
  return bytesToHex(encodeDdhcp(msg));
}

function macBytes(mac: string): Uint8Array {
  const out = new Uint8Array(16);
  out.set(mac.split(':').map((h) => parseInt(h, 16)));
  return out;
}

describe('hostile peer on the mesh, hostile local input', { timeout: 180_000 }, () => {
  const lab = new Lab();
  const attacker = lab.addNode(9);
  // A hook directory whose name a shell would run: the daemon must treat it as a path.
  const hookDir = path.join(lab.dir, 'hook dir $(touch PWNED); x');
  const hook = path.join(hookDir, 'hook.sh');
  const hookLog = path.join(lab.dir, 'hook.log');
  const daemons: DaemonHandle[] = [];
  const clients: { client: DhcpClient; node: number; mac: string }[] = [];
  let victimLl = '';

  before(async () => {
    mkdirSync(hookDir, { recursive: true });
    // Logs its arguments, then floods output and hangs on every lease.
    writeFileSync(hook, `echo "$(date +%s.%N) $# $*" >> '${hookLog}'\n[ "$1" = lease ] || exit 0\nhead -c 2000000 /dev/zero\nsleep 60\n`);
    chmodSync(hook, 0o644);
    lab.addNode(0);
    lab.addNode(1);
    daemons.push(lab.startDaemon(0, ['-L', '-s', '3', '-H', hook]));
    daemons.push(lab.startDaemon(1, ['-L', '-s', '3']));
    for (const node of [0, 0, 0, 1]) {
      const c = lab.addClient(node);
      // A hostname a shell would run, sent by the client: it must never reach one.
      clients.push({ client: DhcpClient.udhcpc(lab, c.ns, ['-x', `hostname:$(touch ${path.join(lab.dir, 'PWNED2')})`]), node, mac: c.mac });
    }
    await Promise.all(clients.map((c) => c.client.waitBound(45_000)));
    victimLl = await waitFor('node 0 link-local address', () => linkLocalOf(lab.nodeNs(0), 'bat0'), 10_000);
    await waitFor('the attacker link-local address', () => linkLocalOf(attacker, 'bat0'), 10_000);
  });

  after(async () => {
    await lab.close();
  });

  const victim = (): DaemonHandle => daemons[0] as DaemonHandle;
  const header = (nodeId = ATTACKER_ID): { nodeId: string; prefix: number; prefixLen: number; blockSize: number } => ({ nodeId, ...MESH });
  const multicast = (packets: string[], gapMs = 2): Promise<SendResult> =>
    runTool<SendResult>(attacker, { op: 'send', packets, to: 'ff02::1234%bat0', port: 1234, iface: 'bat0', gapMs });
  const toVictim = (packets: string[], listenMs = 0): Promise<SendResult> =>
    runTool<SendResult>(attacker, { op: 'send', packets, to: `${victimLl}%bat0`, port: 1235, iface: 'bat0', bindPort: 1235, listenMs });

  test('claims for out-of-range blocks and claims with our own node id change nothing', async () => {
    const v = victim();
    const ours = ownBlocks(lab, v);
    const ourId = nodeIdOf(lab, v).toLowerCase();
    const free = [...Array(NUM_BLOCKS).keys()].find((i) => !blockRows(lab, v).some((r) => r.index === i)) ?? 0;
    const s0 = readStats(lab.ctl(v, ['-s']));
    const outOfRange = [NUM_BLOCKS, NUM_BLOCKS + 1, 0x7fffffff, 0xffffffff];
    await multicast([
      hexOf({ ...header(), command: DdhcpCommand.UpdateClaim, claims: outOfRange.map((blockIndex) => ({ blockIndex, timeoutSec: 65535, reserved: 0 })) }),
      hexOf({ ...header(), command: DdhcpCommand.Inquire, blocks: outOfRange }),
      // Our own id, for our blocks (a short timeout) and for a free one.
      hexOf({ ...header(ourId), command: DdhcpCommand.UpdateClaim, claims: [...ours, free].map((blockIndex) => ({ blockIndex, timeoutSec: 1, reserved: 0 })) }),
      hexOf({ ...header(ourId), command: DdhcpCommand.Inquire, blocks: [...ours] }),
    ]);
    await sleep(300);
    const s1 = readStats(lab.ctl(v, ['-s']));
    const drops = statDeltas(s0, s1, 'drop.core.');
    assert.equal(drops['blockOutOfRange'], 2 * outOfRange.length);
    assert.equal(drops['ownMulticast'], 2);
    const now = ownBlocks(lab, v);
    assert.ok([...ours].every((b) => now.has(b)), `our blocks ${[...ours].join(',')} are still ours: ${[...now].join(',')}`);
    const rows = blockRows(lab, v);
    assert.ok(!rows.some((r) => r.index >= NUM_BLOCKS || r.index === free), `no row for an out-of-range or spoofed block: ${rows.map((r) => r.index).join(',')}`);
  });

  test('an INQUIRE flood for our blocks does not turn into an UPDATECLAIM flood', async () => {
    const v = victim();
    const ours = [...ownBlocks(lab, v)];
    const s0 = readStats(lab.ctl(v, ['-s']));
    const started = Date.now();
    const inquire = hexOf({ ...header('0000000000000001'), command: DdhcpCommand.Inquire, blocks: ours });
    await multicast(Array.from({ length: 2000 }, () => inquire), 20);
    await sleep(300);
    const elapsedMs = Date.now() - started;
    const s1 = readStats(lab.ctl(v, ['-s']));
    const d = (n: string): number => (s1.get(n) ?? 0) - (s0.get(n) ?? 0);
    // Each block is re-announced at most once a second (plus the refresh every B/4 = 5 s).
    const bound = Math.ceil(elapsedMs / 1000) + 1 + Math.ceil(elapsedMs / 5000) + 1;
    process.stdout.write(`# INQUIRE flood: ${d('mcast.recv_inquire')} received in ${elapsedMs} ms, ${d('mcast.send_updateclaim')} UPDATECLAIMs sent (bound ${bound})\n`);
    assert.equal(d('mcast.recv_inquire'), 2000);
    assert.ok(d('mcast.send_updateclaim') >= 1, 'it does answer');
    assert.ok(d('mcast.send_updateclaim') <= bound, `${d('mcast.send_updateclaim')} UPDATECLAIMs for 2000 INQUIREs`);
    const now = ownBlocks(lab, v);
    assert.ok(ours.every((b) => now.has(b)), 'our blocks are still ours');
  });

  test('LEASEACKs and LEASENAKs nobody asked for are dropped; no client is told anything', async () => {
    const v = victim();
    const s0 = readStats(lab.ctl(v, ['-s']));
    const ip = ipToNumber(clients[0]?.client.current() ?? '0.0.0.0');
    const packets = Array.from({ length: 50 }, (_, i) => hexOf({
      ...header(), command: i % 2 === 0 ? DdhcpCommand.LeaseAck : DdhcpCommand.LeaseNak, count: 0,
      lease: { addressRaw: i % 4 < 2 ? ip : swapBytes32(ip + i), xid: 0x1000 + i, leaseSeconds: 3600, chaddr: macBytes(`02:66:66:00:00:${(i & 255).toString(16).padStart(2, '0')}`) },
    }));
    await toVictim(packets, 200);
    const s1 = readStats(lab.ctl(v, ['-s']));
    assert.equal(statDeltas(s0, s1, 'drop.core.')['unsolicitedReply'], 50);
    assert.equal((s1.get('dhcp.send_pkg') ?? 0) - (s0.get('dhcp.send_pkg') ?? 0), 0);
  });

  test("a RENEWLEASE for another client's address with a wrong MAC gets LEASENAK, in either byte order", async () => {
    const v = victim();
    const target = clients.find((c) => c.node === 0);
    assert.ok(target !== undefined);
    const ip = ipToNumber(target.client.current() ?? '0.0.0.0');
    const wrong = macBytes('02:66:66:66:66:66');
    const renew = (addressRaw: number, xid: number): string =>
      hexOf({ ...header(), command: DdhcpCommand.RenewLease, count: 0, lease: { addressRaw, xid, leaseSeconds: 0, chaddr: wrong } });
    const r = await toVictim([renew(ip, 0xbad1), renew(swapBytes32(ip), 0xbad2)], 3000);
    const answers = r.replies.map((x) => decodeDdhcp(Uint8Array.from(Buffer.from(x.hex, 'hex'))));
    assert.equal(answers.length, 2, `replies: ${JSON.stringify(r.replies)}`);
    for (const a of answers) {
      assert.ok(a.ok && 'lease' in a.value, 'a lease message');
      assert.equal(a.value.command, DdhcpCommand.LeaseNak);
    }
    // The real holder still renews its address.
    const ev = await target.client.renew();
    assert.deepEqual([ev.state, ev.ip], ['renew', numberToIp(ip)]);
    assert.ok(statistic(lab, v, 'direct.send_leasenak') >= 2);
  });

  test('DHCPDECLINE keeps the address out of use, is counted and logged', async () => {
    const v = victim();
    const c = lab.addClient(0);
    sh('ip', ['-n', c.ns, 'addr', 'add', '10.0.99.98/16', 'dev', 'eth0']);
    const before = statistic(lab, v, 'dhcp.recv_decline');
    // The same client asks again: without the DECLINE it would be offered its own lease back.
    const r = await runTool<DeclineResult>(c.ns, { op: 'decline', iface: 'eth0', server: '10.0.0.1', macs: ['02:de:c1:1e:00:01', '02:de:c1:1e:00:01'] });
    assert.notEqual(r.nextOffer, r.declined, 'the declined address is not offered again, not even to the client that had it');
    assert.equal(statistic(lab, v, 'dhcp.recv_decline'), before + 1);
    await waitFor('the DECLINE log line', () => v.log.includes(`declined ${numberToIp(r.declined)}`), 5_000);
    // A real client afterwards gets yet another address.
    const fresh = DhcpClient.udhcpc(lab, lab.addClient(0).ns);
    const got = await fresh.waitBound(20_000);
    assert.notEqual(got, numberToIp(r.declined));
    clients.push({ client: fresh, node: 0, mac: '' });
  });

  test('the daemon still serves, and no address went to two clients', async () => {
    const c = lab.addClient(0);
    const started = Date.now();
    const fresh = DhcpClient.udhcpc(lab, c.ns);
    await fresh.waitBound(20_000);
    const ms = Date.now() - started;
    process.stdout.write(`# lease after the hostile traffic, with the hook hanging: ${ms} ms\n`);
    // Every lease hook hangs for 10 s and they queue up: serving must not wait for them.
    assert.ok(ms < 6000, `lease took ${ms} ms`);
    clients.push({ client: fresh, node: 0, mac: c.mac });
    const all = clients.map((x) => x.client.current());
    assert.ok(all.every((ip) => ip !== undefined), `every client holds an address: ${all.join(' ')}`);
    assert.equal(new Set(all).size, all.length, `duplicate address: ${all.join(' ')}`);
    for (const d of daemons) assert.equal(d.proc.exitCode, null, `node ${d.node} is running`);
  });

  test('local: control socket 0600; the hook runs as a file with arguments, its hang and output do not stall the daemon', async () => {
    assert.equal(statSync(victim().ctl).mode & 0o777, 0o600);
    const readCalls = (): string[][] => (existsSync(hookLog) ? readFileSync(hookLog, 'utf8').trim().split('\n').map((l) => l.split(' ')) : []);
    // The second lease hook starts when the first (hanging) one is killed, 10 s after it began.
    const leases = await waitFor('two lease hook calls', () => {
      const l = readCalls().filter((c) => c[2] === 'lease');
      return l.length >= 2 ? l : undefined;
    }, 25_000, 250);
    for (const c of leases) {
      assert.equal(c[1], '3', 'three arguments: lease IP MAC');
      assert.match(c[3] ?? '', /^10\.0\.\d+\.\d+$/);
      assert.match(c[4] ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }
    // A hook that sleeps 60 s is killed at 10 s: the next call starts then, not a minute later.
    const gapSec = Number(leases[1]?.[0]) - Number(leases[0]?.[0]);
    assert.ok(gapSec >= 9 && gapSec < 20, `second hook call ${gapSec.toFixed(1)} s after the first`);
    assert.match(victim().log, /ran longer than 10 s; killed/);
    assert.equal(existsSync(path.join(lab.dir, 'PWNED')), false, 'the hook path was run by a shell');
    assert.equal(existsSync(path.join(lab.dir, 'PWNED2')), false, 'a client hostname reached a shell');
    assert.equal(existsSync(path.join(hookDir, '..', 'PWNED')), false);
  });
});
