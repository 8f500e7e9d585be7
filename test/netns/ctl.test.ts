// ddhcpdctl against running daemons in a 3-node mesh, as Gluon scripts use it:
// the router option set (-o 3:4:...) and removed (-r 3) when the gateway
// changes, the lease time (-l), and the operators' node-count one-liner.
// Clients here are udhcpc with a script that also records $router and $lease.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blockRows, nodeIdOf } from './ctl-text';
import { CLIENT_PREFIX_LEN, Lab, REPO, sh, waitFor, type DaemonHandle } from './lab';

const OPTION_SCRIPT = `#!/bin/sh
echo "$1|\${ip:-}|\${lease:-}|\${router:-}" >> "$LEASE_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr replace "$ip/\${mask:-${CLIENT_PREFIX_LEN}}" dev "$interface" ;;
esac
exit 0
`;

/** Killed by a signal, a child has exitCode null too: both must be null. */
function alive(d: DaemonHandle): boolean {
  return d.proc.exitCode === null && d.proc.signalCode === null;
}

interface OptionEvent {
  readonly state: string;
  readonly ip: string;
  readonly lease: string;
  readonly router: string;
}

/** udhcpc whose script logs the lease time and router it was given. */
class OptionClient {
  readonly logFile: string;
  readonly proc: ChildProcess;

  constructor(lab: Lab, readonly ns: string) {
    const script = path.join(lab.dir, 'udhcpc-options.script');
    writeFileSync(script, OPTION_SCRIPT);
    chmodSync(script, 0o755);
    this.logFile = path.join(lab.dir, `${ns}.options.log`);
    writeFileSync(this.logFile, '');
    this.proc = lab.track(spawn('ip', ['netns', 'exec', ns, 'udhcpc', '-i', 'eth0', '-f', '-s', script, '-t', '10', '-T', '1', '-A', '1'], {
      stdio: 'ignore',
      env: { ...process.env, LEASE_LOG: this.logFile },
    }));
  }

  events(): OptionEvent[] {
    return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
      const [state = '', ip = '', lease = '', router = ''] = l.split('|');
      return { state, ip, lease, router };
    });
  }

  waitBound(timeoutMs = 30_000): Promise<OptionEvent> {
    return waitFor(`udhcpc in ${this.ns} to bind`, () => this.events().find((e) => e.state === 'bound'), timeoutMs);
  }

  /** SIGUSR1: a unicast REQUEST to the server; resolves with the next bound/renew event. */
  async renew(timeoutMs = 20_000): Promise<OptionEvent> {
    const seen = this.events().length;
    this.proc.kill('SIGUSR1');
    const ev = await waitFor(`${this.ns} to renew`, () => this.events().slice(seen).find((e) => e.state !== ''), timeoutMs);
    assert.ok(ev.state === 'renew' || ev.state === 'bound', `renew ended in ${ev.state}`);
    return ev;
  }
}

describe('ddhcpdctl drives a running daemon in a 3-node mesh', { timeout: 180_000 }, () => {
  const lab = new Lab();
  const daemons: DaemonHandle[] = [];
  let first: OptionClient;

  before(async () => {
    for (let i = 0; i < 3; i++) lab.addNode(i);
    for (let i = 0; i < 3; i++) daemons.push(lab.startDaemon(i, ['-L', '-s', '2']));
    first = new OptionClient(lab, lab.addClient(0).ns);
    const bound = await first.waitBound(45_000);
    assert.equal(bound.router, '10.0.0.1', 'the lab starts with router 10.0.0.1');
    assert.equal(bound.lease, '60');
  });

  after(async () => {
    await lab.close();
  });

  const node0 = (): DaemonHandle => daemons[0] as DaemonHandle;

  test('-o 3:4:10.0.0.254 changes the router of the next lease, renewed or new', async () => {
    assert.equal(lab.ctl(node0(), ['-o', '3:4:10.0.0.254']), '');
    assert.match(lab.ctl(node0(), ['-d']), /^3\t4\t10\t0\t0\t254\t$/m);
    const renewed = await first.renew();
    assert.equal(renewed.router, '10.0.0.254');
    const fresh = new OptionClient(lab, lab.addClient(0).ns);
    assert.equal((await fresh.waitBound()).router, '10.0.0.254');
    fresh.proc.kill('SIGTERM');
  });

  test('-r 3 removes the router: the next lease has none', async () => {
    assert.equal(lab.ctl(node0(), ['-r', '3']), '');
    assert.doesNotMatch(lab.ctl(node0(), ['-d']), /^3\t/m);
    const renewed = await first.renew();
    assert.equal(renewed.router, '');
    assert.notEqual(renewed.ip, '');
  });

  test('-l 600 changes the lease time clients get', async () => {
    assert.equal(lab.ctl(node0(), ['-l', '600']), '');
    const renewed = await first.renew();
    assert.equal(renewed.lease, '600');
    const fresh = new OptionClient(lab, lab.addClient(0).ns);
    assert.equal((await fresh.waitBound()).lease, '600');
    fresh.proc.kill('SIGTERM');
  });

  test('the node-count one-liner prints distinct owners + 2 (5 for 3 nodes) on every node', async () => {
    const ids = daemons.map((d) => nodeIdOf(lab, d));
    assert.equal(new Set(ids).size, 3);
    // Settled: every node lists blocks of all three owners and nothing unowned (no claim in flight).
    for (const d of daemons) {
      await waitFor(`node ${d.node} to see all three owners`, () => {
        const owners = new Set(blockRows(lab, d).map((r) => r.owner));
        return owners.size === 3 && ids.every((id) => owners.has(id));
      }, 30_000, 250);
    }
    const ctl = path.join(REPO, 'dist', 'ddhcpdctl.js');
    for (const d of daemons) {
      const oneLiner = `'${process.execPath}' '${ctl}' -C '${d.ctl}' -b | tail -n+10 | sed -e 's/\\t\\+/ /g' | cut -d ' ' -f 3 | sort -u | wc -l`;
      const out = sh('ip', ['netns', 'exec', d.ns, 'sh', '-c', oneLiner]);
      assert.equal(out.trim(), '5', `node ${d.node}: one-liner printed ${out.trim()}:\n${lab.ctl(d, ['-b'])}`);
    }
  });

  test('every daemon stayed up', () => {
    for (const d of daemons) assert.ok(alive(d), `daemon ${d.node} died (${d.proc.exitCode ?? d.proc.signalCode}):\n${d.log.slice(-2000)}`);
  });
});
