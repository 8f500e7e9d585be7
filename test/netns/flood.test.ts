// A running daemon under a flood: 10 000 malformed and random datagrams on each
// of UDP 67, 1234 (multicast and unicast) and 1235, then half-open and garbage
// control-socket connections. Afterwards every packet is accounted for in the
// counters, memory is back near where it started and a real client gets a lease.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeControlRequest, MAX_CONTROL_REQUEST_BYTES } from '../../src/ctl/codec';
import { DhcpClient } from './clients';
import { ownBlocks, waitSettled } from './ctl-text';
import { Lab, REPO, sh, sleep, waitFor, type DaemonHandle } from './lab';
import { linkLocalOf, memoryOf, readStats, runTool, seeded, statDeltas, udpBufferDrops, type FloodResult } from './packet-tools';

const COUNT = 10_000;
const MESH = { nodeId: '0000000000000000', prefix: 0x0a008000, prefixLen: 17, blockSize: 4 };
/** Datagrams per port of the warm-up flood the baseline is measured after: as many as the flood's. */
const WARM_UP_COUNT = COUNT;
/**
 * How far RssAnon may end above its level after the warm-up flood: V8's heap slack.
 * 40 000 datagrams keeping 200 bytes each would exceed it.
 */
const RSS_ANON_BOUND_KB = 8 * 1024;

describe('flood of malformed input', { timeout: 180_000 }, () => {
  const lab = new Lab();
  let daemon: DaemonHandle;
  let clientNs = '';
  const attackerNs = lab.addNode(1);
  let daemonLl = '';
  const baseline = { rssAnonKb: 0, vmRssKb: 0 };

  before(async () => {
    lab.addNode(0);
    daemon = startWithRouterFlags(() => lab.startDaemon(0, ['-L', '-s', '3']));
    const c = lab.addClient(0);
    clientNs = c.ns;
    // The flooder sits on the client segment with a static address outside the managed range.
    sh('ip', ['-n', clientNs, 'addr', 'add', '10.0.99.99/16', 'dev', 'eth0']);
    await waitFor('the daemon to own a block', () => { try { return ownBlocks(lab, daemon).size > 0; } catch { return false; } }, 20_000, 250);
    daemonLl = await waitFor('link-local address of node 0', () => linkLocalOf(lab.nodeNs(0), 'bat0'), 10_000);
    await waitFor('the attacker link-local address', () => linkLocalOf(attackerNs, 'bat0'), 10_000);
    // "Where it started": a daemon that has served a client and answered ddhcpdctl.
    const warm = lab.addClient(0);
    await DhcpClient.udhcpc(lab, warm.ns).waitBound(20_000);
    lab.ctl(daemon, ['-s']);
    // Its arrival may have started a claim: no INQUIRE of it may fall into a flood round.
    await waitSettled(lab, daemon);
    // One flood first, so that the baseline already holds what a flood costs once (the
    // bytecode of the decoders' error paths, V8's young generation grown under the allocation
    // rate: 3-8 MB, varying with the machine); what the next flood adds is what it keeps.
    await floodRound(7, WARM_UP_COUNT);
    await sleep(1000);
    Object.assign(baseline, memoryOf(daemon.proc.pid ?? 0));
  });

  after(async () => {
    await lab.close();
  });

  const stats = (): Map<string, number> => readStats(lab.ctl(daemon, ['-s']));

  /** One round: `count` datagrams to each port at once; then every one of them must be found in the counters. */
  async function floodRound(seed: number, count: number): Promise<void> {
    const s0 = stats();
    const kernel0 = udpBufferDrops(lab.nodeNs(0));
    const cpu0 = cpuMsOf(daemon.proc.pid ?? 0);
    const started = Date.now();
    const [[dhcp], [mcast, ucast, direct]] = await Promise.all([
      runTool<FloodResult[]>(clientNs, { op: 'flood', iface: 'eth0', receiverPid: daemon.proc.pid ?? 0, floods: [{ proto: 'dhcp', count, seed, to: '10.0.0.1', port: 67 }] }),
      runTool<FloodResult[]>(attackerNs, {
        op: 'flood', iface: 'bat0', receiverPid: daemon.proc.pid ?? 0, mesh: MESH, floods: [
          { proto: 'ddhcp', count, seed: seed + 1, to: 'ff02::1234%bat0', port: 1234 },
          { proto: 'ddhcp', count, seed: seed + 2, to: `${daemonLl}%bat0`, port: 1234 },
          { proto: 'ddhcp', count, seed: seed + 3, to: `${daemonLl}%bat0`, port: 1235 },
        ],
      }),
    ]);
    assert.ok(dhcp !== undefined && mcast !== undefined && ucast !== undefined && direct !== undefined);
    await sleep(500);
    const s1 = stats();
    const kernelDrops = udpBufferDrops(lab.nodeNs(0)) - kernel0;
    process.stdout.write(`# flood seed ${seed}: 4 x ${count} datagrams in ${Date.now() - started} ms, daemon CPU ${cpuMsOf(daemon.proc.pid ?? 0) - cpu0} ms, kernel buffer drops ${kernelDrops}\n`);

    assert.equal(kernelDrops, 0, 'the flood is paced by the daemon\'s queues so that the kernel drops nothing; otherwise the counts cannot add up');
    const d = (name: string): number => (s1.get(name) ?? 0) - (s0.get(name) ?? 0);
    assert.equal(d('dhcp.recv_pkg'), count);
    assert.equal(d('mcast.recv_pkg'), 2 * count);
    assert.equal(d('direct.recv_pkg'), count);
    assert.deepEqual(statDeltas(s0, s1, 'drop.dhcp.'), dhcp.decodeErrors);
    assert.deepEqual(statDeltas(s0, s1, 'drop.mcast.'), sumCounts(mcast.decodeErrors, ucast.decodeErrors));
    assert.deepEqual(statDeltas(s0, s1, 'drop.direct.'), direct.decodeErrors);
    // What decodes is another mesh's traffic or a BOOTREPLY: dropped by the core, never acted on.
    assert.equal(d('drop.core.foreignMesh'), mcast.decoded + ucast.decoded + direct.decoded);
    assert.equal(d('drop.core.unknownDhcpMessage'), dhcp.decoded);
    assert.equal(d('dhcp.send_pkg') + d('mcast.send_inquire') + d('direct.send_pkg'), 0, 'the flood drew no answer');
  }

  test('every datagram is counted, decode errors by kind, and memory stays bounded', async () => {
    const pid = daemon.proc.pid ?? 0;
    // The same file, not the same name: in a chroot /proc/<pid>/exe reads as the host's path.
    const exe = statSync(`/proc/${pid}/exe`);
    const node = statSync(process.execPath);
    assert.deepEqual([exe.dev, exe.ino], [node.dev, node.ino], 'ip netns exec must have exec()d node: the pid is the daemon');
    await floodRound(67, COUNT);
    await sleep(1000);
    const flooded = memoryOf(pid);
    process.stdout.write(`# flood: RssAnon ${baseline.rssAnonKb} -> ${flooded.rssAnonKb} kB, VmRSS ${baseline.vmRssKb} -> ${flooded.vmRssKb} kB\n`);
    assert.ok(flooded.rssAnonKb < baseline.rssAnonKb + RSS_ANON_BOUND_KB, `RssAnon ${flooded.rssAnonKb} kB vs ${baseline.rssAnonKb} kB before`);
  });

  test('half-open and garbage control connections are refused or answered, and counted', async () => {
    const s0 = stats();
    const rnd = seeded(1500);
    let garbageOk = 0;
    const garbage: Uint8Array[] = [];
    while (garbage.length < 400) {
      const len = 1 + Math.floor(rnd() * (rnd() < 0.9 ? 40 : 3 * MAX_CONTROL_REQUEST_BYTES));
      const g = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      // A garbage request that happens to be valid could change the log level or options.
      if (decodeControlRequest(g).ok) garbageOk++;
      else garbage.push(g);
    }
    // Counted once connected: a full listen backlog may refuse a connect on a loaded machine.
    let made = 0;
    const connect = (): net.Socket => {
      const s = net.connect(daemon.ctl);
      s.once('connect', () => made++);
      s.on('error', () => undefined);
      return s;
    };
    for (let i = 0; i < garbage.length; i += 8) {
      await Promise.all(garbage.slice(i, i + 8).map((g) => new Promise<void>((resolve) => {
        const s = connect();
        s.on('connect', () => s.end(g));
        s.on('close', () => resolve());
        s.resume();
      })));
    }
    const slammed = Array.from({ length: 200 }, () => connect());
    slammed.forEach((s) => s.on('connect', () => s.destroy()));
    await sleep(300);
    // Half-open: a first byte that asks for more, or nothing at all, and then silence.
    const stalled = Array.from({ length: 60 }, (_, i) => {
      const s = connect();
      s.resume();
      if (i % 2 === 0) s.on('connect', () => s.write(Uint8Array.of(3)));
      return s;
    });
    await waitFor('the daemon to close every stalled connection', () => stalled.every((s) => s.destroyed || s.readableEnded), 20_000, 200);
    for (const s of stalled) s.destroy();
    await sleep(2500);
    const s1 = stats();
    const d = (name: string): number => (s1.get(name) ?? 0) - (s0.get(name) ?? 0);
    process.stdout.write(`# ctl flood: ${made} connections, ${d('ctl.connections')} served, ${d('ctl.refused')} refused, drops ${JSON.stringify(statDeltas(s0, s1, 'drop.ctl.'))} (${garbageOk} valid garbage skipped)\n`);
    // The ddhcpdctl -s that read s1 is one more connection, served and not dropped.
    assert.equal(d('ctl.connections') + d('ctl.refused'), made + 1);
    const drops = Object.values(statDeltas(s0, s1, 'drop.ctl.')).reduce((a, b) => a + b, 0);
    assert.equal(drops, d('ctl.connections') - 1, 'every served flood connection ends in exactly one counted refusal');
    assert.ok(d('ctl.refused') > 0 && d('drop.ctl.idle') > 0, 'both the connection bound and the idle timeout were exercised');
  });

  test('afterwards memory is back near its level and a real client gets a lease', async () => {
    const pid = daemon.proc.pid ?? 0;
    const started = Date.now();
    const c = lab.addClient(0);
    const client = DhcpClient.udhcpc(lab, c.ns);
    const ip = await client.waitBound(20_000);
    process.stdout.write(`# after the flood: lease ${ip} in ${Date.now() - started} ms\n`);
    assert.equal(daemon.proc.exitCode, null);
    const mem = memoryOf(pid);
    process.stdout.write(`# after the flood: RssAnon ${mem.rssAnonKb} kB, VmRSS ${mem.vmRssKb} kB\n`);
    assert.ok(mem.rssAnonKb < baseline.rssAnonKb + RSS_ANON_BOUND_KB, `RssAnon ${mem.rssAnonKb} kB vs ${baseline.rssAnonKb} kB before`);
  });

});

/**
 * The daemon runs with the V8 flags the OpenWrt wrapper gives it (files/usr/sbin/ddhcpd),
 * so memory is measured as on a router. Only the exec line counts, not flags its comments name.
 */
function startWithRouterFlags(start: () => DaemonHandle): DaemonHandle {
  const wrapper = readFileSync(path.join(REPO, 'files', 'usr', 'sbin', 'ddhcpd'), 'utf8').replace(/\\\n/g, ' ');
  const execLine = /exec\s+"\$node"\s+(.*?)\s+"\$bindir/.exec(wrapper)?.[1] ?? '';
  const flags = execLine.split(/\s+/).filter((f) => f.startsWith('--'));
  assert.ok(flags.some((f) => f.startsWith('--max-old-space-size')), `no V8 flags found in the wrapper: ${flags.join(' ')}`);
  const saved = process.env['NODE_OPTIONS'];
  process.env['NODE_OPTIONS'] = flags.join(' ');
  try {
    return start();
  } finally {
    if (saved === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = saved;
  }
}

/** User + system CPU time of a process, in ms (clock ticks are 10 ms on Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function sumCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
