// The bench network: a server namespace and a client namespace joined by one
// veth pair (eth0 on both sides, 10.0.0.1/16 and 10.0.0.2/16), and a veth pair
// inside the server namespace as the mesh interface (bat0). Names carry a
// random tag; only what this object created is removed, also on SIGINT/SIGTERM.

import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const SERVER_IP = '10.0.0.1';
export const RELAY_IP = '10.0.0.2';
export const SUBNET_LEN = 16;
/** The pool every server hands out: our managed network, dnsmasq's range and Kea's pool are the same addresses. */
export const POOL_NETWORK = '10.0.128.0/17';
export const POOL_FIRST = '10.0.128.1';
export const POOL_LAST = '10.0.255.254';

export function run(cmd: string, args: readonly string[], allowFail = false): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr ?? err.message}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const live = new Set<BenchNet>();
let handlersInstalled = false;

function installSignalCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const net of live) net.closeSync();
      process.exit(130);
    });
  }
}

export class BenchNet {
  readonly tag = `bn${randomBytes(3).toString('hex')}`;
  readonly server = `${this.tag}-srv`;
  readonly client = `${this.tag}-cli`;
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor() {
    installSignalCleanup();
    live.add(this);
    try {
      for (const ns of [this.server, this.client]) {
        run('ip', ['netns', 'add', ns]);
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      run('ip', ['-n', this.server, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.client]);
      run('ip', ['-n', this.server, 'addr', 'add', `${SERVER_IP}/${SUBNET_LEN}`, 'dev', 'eth0']);
      run('ip', ['-n', this.client, 'addr', 'add', `${RELAY_IP}/${SUBNET_LEN}`, 'dev', 'eth0']);
      // No dummy module everywhere: a veth pair gives the mesh side a link-local address.
      run('ip', ['-n', this.server, 'link', 'add', 'bat0', 'type', 'veth', 'peer', 'name', 'bat0p']);
      for (const [ns, dev] of [[this.server, 'eth0'], [this.client, 'eth0'], [this.server, 'bat0'], [this.server, 'bat0p']] as const) {
        run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      }
    } catch (e) {
      this.closeSync();
      throw e;
    }
  }

  /** Starts `cmd` inside a namespace pinned to `cpu`; `ip netns exec` and taskset exec, so the pid is the command's. */
  spawnIn(ns: string, cpu: number | undefined, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const pin = cpu === undefined ? [] : ['taskset', '-c', String(cpu)];
    const child = spawn('ip', ['netns', 'exec', ns, ...pin, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  execIn(ns: string, cmd: string, args: readonly string[], allowFail = false): string {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], allowFail);
  }

  /** Waits until the IPv6 link-local address of bat0 is usable (DAD done), so the daemon's mesh side is ready. */
  async waitLinkLocal(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const out = run('ip', ['-n', this.server, '-6', 'addr', 'show', 'dev', 'bat0', 'scope', 'link'], true);
      if (out.includes('fe80') && !out.includes('tentative')) return;
      await sleep(100);
    }
    throw new Error('bat0 has no usable link-local address');
  }

  /** Kills what we started and deletes our namespaces (idempotent, synchronous for signal handlers). */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [this.client, this.server]) run('ip', ['netns', 'del', ns], true);
  }
}
