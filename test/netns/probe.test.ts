// The probe before an offer, on a real link: a daemon that restarts without its state
// has forgotten that a udhcpc client holds an address; a new client must not get it.
// The old client's kernel answers the daemon's ARP probe (udhcpc's script configured
// the address), the address becomes its lease, and its renewal is granted. With the
// probe off the same run gives the held address away: the test sees the difference.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { DhcpClient } from './clients';
import { statistic } from './ctl-text';
import { Lab, waitFor, type DaemonHandle } from './lab';

/**
 * Both blocks of 8 of a /28 claimed at once (14 usable addresses, 8 spare wanted). The two
 * tests' nodes share the mesh: each has a network of its own.
 */
function wholeNetwork(node: number): string[] {
  return ['-N', `10.0.128.${128 + 16 * node}/28`, '-b', '3', '-s', '8', '--max-leases', '16', '-L'];
}

async function stopHard(h: DaemonHandle): Promise<void> {
  h.proc.kill('SIGKILL');
  await waitFor(`node ${h.node} to die`, () => h.proc.signalCode !== null || h.proc.exitCode !== null, 5_000, 20);
}

/** Client A leases, the daemon forgets everything, client B asks for A's address (option 50): B's address. */
async function forgetfulRestart(lab: Lab, node: number, probeArgs: readonly string[]): Promise<{ a: string; b: string; daemon: DaemonHandle; old: DhcpClient }> {
  lab.addNode(node);
  const first = lab.startDaemon(node, [...wholeNetwork(node), ...probeArgs]);
  const old = DhcpClient.udhcpc(lab, lab.addClient(node).ns);
  const a = await old.waitBound(30_000);
  await stopHard(first);
  rmSync(first.stateDir, { recursive: true, force: true });
  const daemon = lab.startDaemon(node, [...wholeNetwork(node), ...probeArgs]);
  const b = await DhcpClient.udhcpc(lab, lab.addClient(node).ns, ['-r', a]).waitBound(30_000);
  return { a, b, daemon, old };
}

describe('ARP probe before an offer, after a restart without state', { timeout: 120_000 }, () => {
  const lab = new Lab();
  after(async () => {
    await lab.close();
  });

  test('the address a client still holds is probed, kept for it, and the newcomer gets another', async () => {
    const { a, b, daemon, old } = await forgetfulRestart(lab, 0, []);
    assert.notEqual(b, a, 'the new client got the address the old one holds');
    assert.ok(statistic(lab, daemon, 'arp.send_probe') >= 2, 'probes went out');
    assert.equal(statistic(lab, daemon, 'arp.probe_answered'), 1);
    assert.match(daemon.log, new RegExp(`${a.replace(/\./g, '\\.')} answers ARP from`));
    // The old client keeps its address at the new owner.
    const renewed = await old.renew(10_000);
    assert.deepEqual([renewed.state, renewed.ip], ['renew', a]);
  });

  test('with --probe-ms 0 the same restart gives the held address away (as C does)', async () => {
    const { a, b, daemon } = await forgetfulRestart(lab, 1, ['--probe-ms', '0']);
    assert.equal(b, a);
    assert.equal(statistic(lab, daemon, 'arp.send_probe'), 0);
  });
});
