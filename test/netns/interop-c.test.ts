// A mixed mesh: one C ddhcpd (freifunk-gluon/ddhcpd) beside our daemon. Runs
// only when DDHCPD_C_BINARY names a C build (we do not ship or build it); it
// checks block consensus and roaming renewals in both directions, which
// exercises the C daemon's byte-reversed lease address.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { blockOf, ownBlocks, statistic } from './ctl-text';
import { Lab, LAB_OPTIONS, MESH_NETWORK, sleep, type DaemonHandle } from './lab';

const C_BINARY = process.env['DDHCPD_C_BINARY'];
const skip = C_BINARY === undefined || !existsSync(C_BINARY)
  ? 'set DDHCPD_C_BINARY to a C ddhcpd build to run the mixed-mesh test' : false;

describe('mixed mesh: C ddhcpd and ours', { skip, timeout: 180_000 }, () => {
  const lab = new Lab();
  let ours: DaemonHandle;
  let cCtl = '';

  before(async () => {
    lab.addNode(0);
    lab.addNode(1);
    cCtl = path.join(lab.dir, 'c-ctl');
    // The C node's default server identifier is prefix.1; give it the next-node address like Gluon does.
    const c = spawn('ip', ['netns', 'exec', lab.nodeNs(0), C_BINARY as string, '-c', 'br-client', '-i', 'bat0', '-N', MESH_NETWORK,
      '-b', '2', '-t', '2', '-B', '20', '-L', '-s', '2', '-C', cCtl, ...LAB_OPTIONS, '-o', '54:4:10.0.0.1'], { stdio: 'ignore' });
    lab.track(c);
    ours = lab.startDaemon(1, ['-L', '-s', '2']);
    await sleep(6000);
  });

  after(async () => {
    await lab.close();
  });

  test('a client of the C node roams to ours and keeps its address (we forward, C ACKs)', async () => {
    const c = lab.addClient(0);
    const client = DhcpClient.udhcpc(lab, c.ns);
    const ip = await client.waitBound(30_000);
    assert.ok(!ownBlocks(lab, ours).has(blockOf(ip)), 'the C node should own this block');
    lab.roam(c.port, 0, 1);
    const ev = await client.renew();
    assert.equal(ev.state, 'renew');
    assert.equal(ev.ip, ip);
    assert.ok(statistic(lab, ours, 'direct.recv_leaseack') >= 1);
  });

  test('a client of ours roams to the C node and keeps its address (C forwards, we ACK)', async () => {
    const c = lab.addClient(1);
    const client = DhcpClient.udhcpc(lab, c.ns);
    const ip = await client.waitBound(30_000);
    assert.ok(ownBlocks(lab, ours).has(blockOf(ip)));
    lab.roam(c.port, 1, 0);
    const ev = await client.renew();
    assert.equal(ev.state, 'renew');
    assert.equal(ev.ip, ip);
    assert.ok(statistic(lab, ours, 'direct.send_leaseack') >= 1);
  });
});
