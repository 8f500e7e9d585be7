// Real DHCP clients in a client namespace: busybox udhcpc and ISC dhclient,
// each with a tiny script that records every state change in a log file and
// configures the address, so renewals go out unicast as on a real device.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_PREFIX_LEN, sh, waitFor, type Lab } from './lab';

const UDHCPC_SCRIPT = `#!/bin/sh
echo "$1 \${ip:-} \${serverid:-} \${lease:-}" >> "$LEASE_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr replace "$ip/\${mask:-${CLIENT_PREFIX_LEN}}" dev "$interface" ;;
esac
exit 0
`;

// ISC dhclient gives its script a fresh environment, so the log path is written into the script.
const dhclientScript = (logFile: string): string => `#!/bin/sh
LEASE_LOG='${logFile}'
echo "$reason \${new_ip_address:-} \${new_dhcp_server_identifier:-} \${new_dhcp_lease_time:-}" >> "$LEASE_LOG"
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/${CLIENT_PREFIX_LEN}" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev "$interface" ;;
esac
exit 0
`;

export interface LeaseEvent {
  readonly state: string;
  readonly ip: string;
  readonly serverId: string;
}

export class DhcpClient {
  private constructor(
    readonly kind: 'udhcpc' | 'dhclient',
    readonly ns: string,
    readonly logFile: string,
    readonly proc: ChildProcess,
  ) {}

  static udhcpc(lab: Lab, ns: string, extra: readonly string[] = []): DhcpClient {
    const script = path.join(lab.dir, 'udhcpc.script');
    if (!existsSync(script)) {
      writeFileSync(script, UDHCPC_SCRIPT);
      chmodSync(script, 0o755);
    }
    const logFile = path.join(lab.dir, `${ns}.udhcpc.log`);
    writeFileSync(logFile, '');
    const proc = spawn('ip', ['netns', 'exec', ns, 'udhcpc', '-i', 'eth0', '-f', '-s', script, '-t', '10', '-T', '1', '-A', '1', ...extra], {
      stdio: 'ignore',
      env: { ...process.env, LEASE_LOG: logFile },
    });
    lab.track(proc);
    return new DhcpClient('udhcpc', ns, logFile, proc);
  }

  /** dhclient, optionally seeded with a lease file so it starts in INIT-REBOOT. */
  static dhclient(lab: Lab, ns: string, leaseFileText?: string): DhcpClient {
    const logFile = path.join(lab.dir, `${ns}.dhclient.log`);
    const script = path.join(lab.dir, `${ns}.dhclient.script`);
    writeFileSync(script, dhclientScript(logFile));
    chmodSync(script, 0o755);
    const leaseFile = path.join(lab.dir, `${ns}.leases`);
    writeFileSync(logFile, '');
    writeFileSync(leaseFile, leaseFileText ?? '');
    const proc = spawn('ip', ['netns', 'exec', ns, 'dhclient', '-d', '-v', '-sf', script, '-lf', leaseFile,
      '-pf', path.join(lab.dir, `${ns}.pid`), 'eth0'], { stdio: 'ignore', env: { ...process.env, LEASE_LOG: logFile } });
    lab.track(proc);
    return new DhcpClient('dhclient', ns, logFile, proc);
  }

  events(): LeaseEvent[] {
    return readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
      const [state = '', ip = '', serverId = ''] = l.split(' ');
      return { state, ip, serverId };
    });
  }

  private static readonly BOUND = new Set(['bound', 'renew', 'BOUND', 'RENEW', 'REBIND', 'REBOOT']);

  /** The address of the latest bind or renew, if the latest event is one. */
  current(): string | undefined {
    const last = this.events().at(-1);
    return last !== undefined && DhcpClient.BOUND.has(last.state) && last.ip !== '' ? last.ip : undefined;
  }

  waitBound(timeoutMs = 30_000): Promise<string> {
    return waitFor(`${this.kind} in ${this.ns} to get a lease`, () => this.current(), timeoutMs);
  }

  /** The address configured on eth0 (what the client really uses). */
  configured(): string | undefined {
    const out = sh('ip', ['-n', this.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { allowFail: true });
    return /inet (\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1];
  }

  /** udhcpc: SIGUSR1 renews (unicast to the server identifier); waits for the next renew event. */
  async renew(timeoutMs = 20_000): Promise<LeaseEvent> {
    const before = this.events().length;
    this.proc.kill('SIGUSR1');
    return waitFor(`${this.ns} to renew`, () => {
      const ev = this.events().slice(before);
      return ev.find((e) => e.state === 'renew' || e.state === 'bound' || e.state === 'nak' || e.state === 'deconfig');
    }, timeoutMs);
  }

  /** udhcpc: SIGUSR2 sends DHCPRELEASE and deconfigures. */
  release(): void {
    this.proc.kill('SIGUSR2');
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}
