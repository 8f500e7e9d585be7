// Several daemons meshed over IPv6 link-local multicast in network namespaces,
// serving real udhcpc and dhclient clients, as on a Gluon mesh where every
// node's br-client carries the same next-node MAC and address.

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { blockOf, blockRows, nodeIdOf, ownBlocks, statistic } from './ctl-text';
import { Lab, sh, sleep, waitFor, type DaemonHandle } from './lab';

describe('three-node mesh with real clients', { timeout: 240_000 }, () => {
  const lab = new Lab();
  const daemons: DaemonHandle[] = [];
  const hookLog = path.join(lab.dir, 'hook-0.log');
  const clients: { client: DhcpClient; node: number; port: string; mac: string }[] = [];

  before(async () => {
    const hook = path.join(lab.dir, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$@" >> "${hookLog}"\n`);
    chmodSync(hook, 0o755);
    for (let i = 0; i < 3; i++) lab.addNode(i);
    // Started in the same second: the C daemon seeded its choice with time(NULL) and picked the same block.
    for (let i = 0; i < 3; i++) daemons.push(lab.startDaemon(i, ['-L', '-s', '3', ...(i === 0 ? ['-H', hook] : [])]));
    for (let node = 0; node < 3; node++) {
      for (let j = 0; j < 3; j++) {
        const c = lab.addClient(node);
        const client = j === 2 ? DhcpClient.dhclient(lab, c.ns) : DhcpClient.udhcpc(lab, c.ns);
        clients.push({ client, node, port: c.port, mac: c.mac });
      }
    }
    await Promise.all(clients.map((c) => c.client.waitBound(45_000)));
  });

  after(async () => {
    await lab.close();
  });

  test('(a) every client has a unique address inside a block its own server owns', () => {
    const addresses = clients.map((c) => c.client.current());
    assert.equal(new Set(addresses).size, clients.length, `duplicate addresses: ${addresses.join(' ')}`);
    for (const c of clients) {
      const ip = c.client.current();
      assert.ok(ip !== undefined);
      const owned = ownBlocks(lab, daemons[c.node] as DaemonHandle);
      assert.ok(owned.has(blockOf(ip)), `${ip} (block ${blockOf(ip)}) is not in a block of node ${c.node}: ${[...owned].join(',')}`);
      assert.equal(c.client.configured(), ip);
    }
  });

  test('(c) nodes started in the same second never own the same block, and agree on owners', () => {
    const owned = daemons.map((d) => ownBlocks(lab, d));
    const ids = daemons.map((d) => nodeIdOf(lab, d));
    assert.equal(new Set(ids).size, 3, 'node ids must differ');
    assert.ok(!ids.includes('0000000000000000'));
    for (let a = 0; a < 3; a++) {
      for (let b = a + 1; b < 3; b++) {
        const both = [...(owned[a] ?? [])].filter((x) => owned[b]?.has(x));
        assert.deepEqual(both, [], `nodes ${a} and ${b} both own ${both.join(',')}`);
      }
    }
    // Every node sees every other node's blocks as claimed (state 2) by that node's id.
    for (let a = 0; a < 3; a++) {
      const rows = blockRows(lab, daemons[a] as DaemonHandle);
      for (let b = 0; b < 3; b++) {
        if (a === b) continue;
        for (const index of owned[b] ?? []) {
          const row = rows.find((r) => r.index === index);
          assert.ok(row !== undefined && row.state === 2 && row.owner === ids[b], `node ${a} does not see block ${index} of node ${b}`);
        }
      }
    }
  });

  test('(b) a roamed client keeps its address on renew, forwarded to the owner', async () => {
    const roamer = clients.find((c) => c.client.kind === 'udhcpc' && c.node === 0);
    assert.ok(roamer !== undefined);
    const ip = roamer.client.current();
    const forwardedBefore = statistic(lab, daemons[1] as DaemonHandle, 'direct.send_renewlease');
    const ackedBefore = statistic(lab, daemons[0] as DaemonHandle, 'direct.send_leaseack');
    lab.roam(roamer.port, 0, 1);
    roamer.node = 1;
    const ev = await roamer.client.renew();
    assert.equal(ev.state, 'renew');
    assert.equal(ev.ip, ip);
    assert.ok(statistic(lab, daemons[1] as DaemonHandle, 'direct.send_renewlease') > forwardedBefore);
    assert.ok(statistic(lab, daemons[0] as DaemonHandle, 'direct.send_leaseack') > ackedBefore);
  });

  test("(d) asking another node for a second client's address (INIT-REBOOT) gets NAK", async () => {
    const victim = clients.find((c) => c.node === 0 && c.client.kind === 'udhcpc' && c.client.current() !== undefined);
    assert.ok(victim !== undefined);
    const stolen = victim.client.current() as string;
    const naksBefore = statistic(lab, daemons[2] as DaemonHandle, 'dhcp.send_nak');
    const thief = lab.addClient(2);
    const leaseFile = `lease {\n  interface "eth0";\n  fixed-address ${stolen};\n  option subnet-mask 255.255.0.0;\n` +
      `  option dhcp-lease-time 600;\n  option dhcp-server-identifier 10.0.0.1;\n  renew 4 2037/01/01 00:00:00;\n` +
      `  rebind 4 2037/01/01 00:00:00;\n  expire 4 2037/01/01 00:00:00;\n}\n`;
    const client = DhcpClient.dhclient(lab, thief.ns, leaseFile);
    const got = await client.waitBound(45_000);
    assert.notEqual(got, stolen);
    assert.ok(statistic(lab, daemons[2] as DaemonHandle, 'dhcp.send_nak') > naksBefore, 'node 2 sent no DHCPNAK');
    assert.equal(victim.client.current(), stolen);
    client.stop();
  });

  test('(e) a DHCPRELEASE sent at a non-owner frees the lease at the owner', async () => {
    const c = clients.find((x) => x.node === 0 && x.client.kind === 'udhcpc');
    assert.ok(c !== undefined);
    const ip = c.client.current() as string;
    lab.roam(c.port, 0, 2);
    c.node = 2;
    c.client.release();
    await waitFor('the release hook at the owner', () => readFileSync(hookLog, 'utf8').includes(`release ${ip} ${c.mac}`), 10_000);
    assert.ok(statistic(lab, daemons[2] as DaemonHandle, 'direct.send_release') >= 1);
  });

  test('(f) the DHCP socket does not answer on a second interface of the node', async () => {
    const ns = lab.nodeNs(0);
    sh('ip', ['-n', ns, 'link', 'add', 'br-wan', 'type', 'bridge']);
    sh('ip', ['-n', ns, 'addr', 'add', '192.168.77.1/24', 'dev', 'br-wan']);
    sh('ip', ['-n', ns, 'link', 'set', 'br-wan', 'up']);
    const before = statistic(lab, daemons[0] as DaemonHandle, 'dhcp.recv_pkg');
    const c = lab.addClient(0, undefined, 'br-wan');
    const client = DhcpClient.udhcpc(lab, c.ns, ['-n', '-t', '3']);
    await waitFor('udhcpc on the second interface to give up', () => client.proc.exitCode !== null, 30_000);
    await sleep(200);
    assert.equal(client.current(), undefined);
    assert.equal(statistic(lab, daemons[0] as DaemonHandle, 'dhcp.recv_pkg'), before, 'daemon received packets from br-wan');
  });
});
