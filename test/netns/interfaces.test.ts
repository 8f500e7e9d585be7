// Interface tracking under a running daemon: br-client down and up, deleted and
// re-created with a new index, interfaces that appear only after the daemon
// started, and bat0 down and up. The daemon must keep running, keep its blocks
// and leases, and serve and announce again once the interface is back.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { blockOf, blockRows, nodeIdOf, ownBlocks, statistic } from './ctl-text';
import { CLIENT_PREFIX_LEN, Lab, NEXT_NODE_IP, NEXT_NODE_MAC, sh, sleep, waitFor, type DaemonHandle } from './lab';

/** Killed by a signal, a child has exitCode null too: both must be null. */
function alive(d: DaemonHandle): boolean {
  return d.proc.exitCode === null && d.proc.signalCode === null;
}

/** Open sockets of the daemon (`ip netns exec` execs node, so the pid is the daemon's). */
function socketCount(d: DaemonHandle): number {
  const dir = `/proc/${d.proc.pid ?? 0}/fd`;
  return readdirSync(dir).filter((fd) => {
    try {
      return readlinkSync(`${dir}/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

function ifindexOf(ns: string, dev: string): number | undefined {
  const m = /^(\d+):/.exec(sh('ip', ['-n', ns, '-o', 'link', 'show', 'dev', dev], { allowFail: true }));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** waitFor, but a timeout shows the daemon's log (the only witness of what it saw). */
async function waitLogged<T>(d: DaemonHandle, what: string, fn: () => T | undefined | false, timeoutMs: number, stepMs?: number): Promise<T> {
  try {
    return await waitFor(what, fn, timeoutMs, stepMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}; daemon ${d.node} ${alive(d) ? 'running' : `died (${d.proc.exitCode ?? d.proc.signalCode})`}, log:\n${d.log.slice(-4000)}`);
  }
}

function makeClientBridge(ns: string, ports: readonly string[]): void {
  sh('ip', ['-n', ns, 'link', 'add', 'br-client', 'address', NEXT_NODE_MAC, 'type', 'bridge']);
  sh('ip', ['-n', ns, 'addr', 'add', `${NEXT_NODE_IP}/${CLIENT_PREFIX_LEN}`, 'dev', 'br-client']);
  sh('ip', ['-n', ns, 'link', 'set', 'br-client', 'up']);
  for (const p of ports) sh('ip', ['-n', ns, 'link', 'set', p, 'master', 'br-client', 'up']);
}

/** Leased count in the -b row of the block holding `ip` ("offered/leased"), or -1 if the row is missing. */
function leasedIn(lab: Lab, d: DaemonHandle, ip: string): number {
  const row = blockRows(lab, d).find((r) => r.index === blockOf(ip));
  const m = row === undefined ? null : /^\d+\/(\d+)$/.exec(row.leases);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

describe('interface tracking under a running daemon', { timeout: 240_000 }, () => {
  const lab = new Lab();
  const ports: string[] = [];
  let d0: DaemonHandle;
  let d1: DaemonHandle;
  let first: DhcpClient;
  let firstIp: string;
  const lateNs = lab.nodeNs(2);
  let lateCreated = false;

  const addServedClient = async (): Promise<{ client: DhcpClient; ip: string }> => {
    const c = lab.addClient(0);
    ports.push(c.port);
    const client = DhcpClient.udhcpc(lab, c.ns);
    return { client, ip: await waitLogged(d0, `a lease for ${c.ns}`, () => client.current(), 30_000) };
  };

  /** Once the DHCP socket is open again: a new client is served, and the old lease is intact and renews. */
  const assertServesAgain = async (opensBefore: number): Promise<void> => {
    await waitLogged(d0, 'the DHCP socket to be re-opened', () => count(d0.log, 'serving DHCP on br-client') > opensBefore, 10_000);
    const next = await addServedClient();
    assert.ok(ownBlocks(lab, d0).has(blockOf(next.ip)), `${next.ip} is not in a block of node 0`);
    assert.notEqual(next.ip, firstIp);
    // The lease the daemon gave before the outage is still there, and the client keeps its address.
    assert.ok(leasedIn(lab, d0, firstIp) >= 1, `lease of ${firstIp} gone:\n${lab.ctl(d0, ['-b'])}`);
    const ev = await first.renew();
    assert.equal(ev.state, 'renew');
    assert.equal(ev.ip, firstIp);
    assert.ok(alive(d0), `daemon died:\n${d0.log.slice(-2000)}`);
  };

  before(async () => {
    lab.addNode(0);
    lab.addNode(1);
    d0 = lab.startDaemon(0, ['-L', '-s', '2']);
    d1 = lab.startDaemon(1, ['-L', '-s', '2']);
    const c = await addServedClient();
    first = c.client;
    firstIp = c.ip;
  });

  after(async () => {
    await lab.close();
    if (lateCreated) sh('ip', ['netns', 'del', lateNs], { allowFail: true });
  });

  test('(1) br-client down and up: serves the next client, leases intact', async () => {
    const opens = count(d0.log, 'serving DHCP on br-client');
    const waits = count(d0.log, 'client interface br-client is down; waiting for it');
    sh('ip', ['-n', d0.ns, 'link', 'set', 'br-client', 'down']);
    await waitLogged(d0, 'the daemon to notice br-client is down', () => count(d0.log, 'client interface br-client is down; waiting for it') > waits, 5_000);
    await sleep(1_000);
    assert.equal(count(d0.log, 'client interface br-client is down; waiting for it'), waits + 1, 'logged once per outage');
    sh('ip', ['-n', d0.ns, 'link', 'set', 'br-client', 'up']);
    await assertServesAgain(opens);
  });

  test('(2) br-client deleted and re-created with a new index: same', async () => {
    const opens = count(d0.log, 'serving DHCP on br-client');
    const oldIndex = ifindexOf(d0.ns, 'br-client');
    sh('ip', ['-n', d0.ns, 'link', 'del', 'br-client']);
    await waitLogged(d0, 'the daemon to notice br-client is gone', () => d0.log.includes('client interface br-client is missing; waiting for it'), 5_000);
    await sleep(500);
    makeClientBridge(d0.ns, ports);
    assert.notEqual(ifindexOf(d0.ns, 'br-client'), oldIndex);
    await assertServesAgain(opens);
  });

  test('(4) bat0 down and up: blocks kept, announcing resumes', async () => {
    const id0 = nodeIdOf(lab, d0);
    const owned = ownBlocks(lab, d0);
    assert.ok(owned.size > 0);
    const seenByPeer = (): boolean => {
      const rows = blockRows(lab, d1);
      return [...owned].every((i) => rows.some((r) => r.index === i && r.state === 2 && r.owner === id0));
    };
    assert.ok(seenByPeer(), 'node 1 does not see node 0 blocks before the outage');
    sh('ip', ['-n', d0.ns, 'link', 'set', 'bat0', 'down']);
    await waitLogged(d0, 'the daemon to notice bat0 is down', () => d0.log.includes('server interface bat0 is down; waiting for it'), 5_000);
    const sentWhileDown = statistic(lab, d0, 'mcast.send_updateclaim');
    const heardWhileDown = statistic(lab, d0, 'mcast.recv_updateclaim');
    await sleep(6_000); // longer than the 5 s refresh interval (-B 20 / 4), far shorter than the 20 s block timeout
    assert.equal(statistic(lab, d0, 'mcast.send_updateclaim'), sentWhileDown, 'counted sends on a down interface');
    const mesh = count(d0.log, 'mesh sockets open on bat0');
    sh('ip', ['-n', d0.ns, 'link', 'set', 'bat0', 'up']);
    await waitLogged(d0, 'mesh sockets to be re-opened', () => count(d0.log, 'mesh sockets open on bat0') > mesh, 5_000);
    await waitLogged(d0, 'UPDATECLAIMs to go out again', () => statistic(lab, d0, 'mcast.send_updateclaim') > sentWhileDown, 15_000, 250);
    await waitLogged(d0, 'UPDATECLAIMs of node 1 to be heard again', () => statistic(lab, d0, 'mcast.recv_updateclaim') > heardWhileDown, 15_000, 250);
    for (const i of owned) assert.ok(ownBlocks(lab, d0).has(i), `node 0 lost block ${i}`);
    assert.ok(seenByPeer(), 'node 1 lost node 0 blocks');
    assert.ok(leasedIn(lab, d0, firstIp) >= 1);
    assert.ok(alive(d0), `daemon died:\n${d0.log.slice(-2000)}`);
  });

  test('(3) started before its interfaces exist: waits, logs once, serves once they appear', async () => {
    sh('ip', ['netns', 'add', lateNs]);
    lateCreated = true;
    sh('ip', ['-n', lateNs, 'link', 'set', 'lo', 'up']);
    const d2 = lab.startDaemon(2, ['-L', '-s', '2']);
    await waitLogged(d2, 'the daemon to say it waits', () => d2.log.includes('client interface br-client is missing; waiting for it') &&
      d2.log.includes('server interface bat0 is missing; waiting for it'), 10_000);
    await sleep(1_000);
    assert.ok(alive(d2), `daemon died without its interfaces:\n${d2.log}`);
    sh('ip', ['-n', lab.hub, 'link', 'add', 'm2', 'type', 'veth', 'peer', 'name', 'bat0', 'netns', lateNs]);
    sh('ip', ['-n', lab.hub, 'link', 'set', 'm2', 'master', 'br-mesh', 'up']);
    sh('ip', ['-n', lateNs, 'link', 'set', 'bat0', 'up']);
    makeClientBridge(lateNs, []);
    const c = lab.addClient(2);
    const client = DhcpClient.udhcpc(lab, c.ns);
    const ip = await waitLogged(d2, 'a lease from the late node', () => client.current(), 30_000);
    assert.ok(ownBlocks(lab, d2).has(blockOf(ip)), `${ip} not in a block of the late node`);
    await waitLogged(d2, 'the late node to announce', () => statistic(lab, d2, 'mcast.send_updateclaim') > 0, 15_000, 250);
    for (const dev of ['client interface br-client', 'server interface bat0']) {
      const waits = count(d2.log, `${dev} is missing; waiting for it`) + count(d2.log, `${dev} is down; waiting for it`);
      assert.equal(waits, 1, `${dev}: expected one waiting line:\n${d2.log}`);
    }
    assert.ok(alive(d2), `daemon died:\n${d2.log.slice(-2000)}`);
  });

  test('(5) port 67 taken by another program at start: logged, retried, served once it is free', async () => {
    const ns = lab.addNode(3);
    const blocker = lab.track(spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
      "require('node:dgram').createSocket('udp4').bind(67, () => console.log('bound'))"], { stdio: ['ignore', 'pipe', 'ignore'] }));
    await new Promise((resolve) => blocker.stdout?.once('data', resolve));
    const d3 = lab.startDaemon(3, ['-L', '-s', '2']);
    await waitLogged(d3, 'the daemon to report port 67 in use', () => d3.log.includes('cannot open DHCP socket on br-client'), 10_000);
    const socketsBefore = socketCount(d3);
    await sleep(11_000); // two more failed attempts, 5 s apart
    assert.ok(socketCount(d3) - socketsBefore < 2, `a failed attempt leaks its socket: ${socketsBefore} -> ${socketCount(d3)}`);
    blocker.kill('SIGKILL');
    await waitLogged(d3, 'the DHCP socket to open once the port is free', () => d3.log.includes('serving DHCP on br-client'), 15_000);
    const c = lab.addClient(3);
    const client = DhcpClient.udhcpc(lab, c.ns);
    const ip = await waitLogged(d3, 'a lease from node 3', () => client.current(), 30_000);
    assert.ok(ownBlocks(lab, d3).has(blockOf(ip)));
    assert.equal(count(d3.log, 'cannot open DHCP socket on br-client'), 1, 'a repeating failure is logged once');
    assert.ok(alive(d3));
  });

  test('the daemons stayed up throughout', () => {
    for (const d of [d0, d1]) assert.ok(alive(d), `daemon ${d.node} died (${d.proc.exitCode ?? d.proc.signalCode}):\n${d.log.slice(-2000)}`);
  });
});
