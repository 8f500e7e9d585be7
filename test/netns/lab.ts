// A Gluon-like lab in network namespaces, made and removed by the tests:
// a hub namespace whose bridge is the mesh (every node's bat0 is a veth into
// it), one namespace per node with br-client carrying the same next-node MAC
// and IPv4 address on every node, and one namespace per DHCP client, plugged
// into a node's br-client (roaming moves the plug). addGluonNode wires a node
// as a Gluon node really is (bat0 a port of br-client, the next-node address on
// local-node). Names carry a random tag, and only what this lab created is removed.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const NEXT_NODE_IP = '10.0.0.1';
export const NEXT_NODE_MAC = '02:00:0a:00:00:01';
export const CLIENT_PREFIX_LEN = 16;
export const MESH_NETWORK = '10.0.128.0/17';
/** Options every lab daemon gets: the clients' subnet is the /16, the managed blocks only its upper half. */
export const LAB_OPTIONS = ['-o', '1:4:255.255.0.0', '-o', '28:4:10.0.255.255', '-o', '3:4:10.0.0.1', '-o', '51:4:0.0.0.60'];

export function sh(cmd: string, args: readonly string[], opts: { allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (opts.allowFail === true) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr ?? err.message}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs: number, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export interface DaemonHandle {
  readonly node: number;
  readonly ns: string;
  readonly ctl: string;
  readonly stateDir: string;
  proc: ChildProcess;
  log: string;
}

export class Lab {
  readonly tag = `dd${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ddhcpd-lab-'));
  readonly hub = `${this.tag}-hub`;
  private readonly namespaces: string[] = [];
  private readonly daemons: DaemonHandle[] = [];
  private readonly children: ChildProcess[] = [];
  private clientCount = 0;

  constructor() {
    this.addNs(this.hub);
    sh('ip', ['-n', this.hub, 'link', 'add', 'br-mesh', 'type', 'bridge']);
    sh('ip', ['-n', this.hub, 'link', 'set', 'br-mesh', 'up']);
  }

  private addNs(name: string): void {
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  nodeNs(i: number): string {
    return `${this.tag}-n${i}`;
  }

  /** A node namespace with bat0 in the mesh and br-client with the next-node address. */
  addNode(i: number): string {
    const ns = this.nodeNs(i);
    this.addNs(ns);
    sh('ip', ['-n', this.hub, 'link', 'add', `m${i}`, 'type', 'veth', 'peer', 'name', 'bat0', 'netns', ns]);
    sh('ip', ['-n', this.hub, 'link', 'set', `m${i}`, 'master', 'br-mesh', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'bat0', 'up']);
    sh('ip', ['-n', ns, 'link', 'add', 'br-client', 'address', NEXT_NODE_MAC, 'type', 'bridge']);
    sh('ip', ['-n', ns, 'addr', 'add', `${NEXT_NODE_IP}/${CLIENT_PREFIX_LEN}`, 'dev', 'br-client']);
    sh('ip', ['-n', ns, 'link', 'set', 'br-client', 'up']);
    return ns;
  }

  /**
   * A node wired as Gluon wires it (gluon-client-bridge, gluon-mesh-batman-adv):
   * bat0 is a port of br-client, and the next-node MAC and address sit on
   * local-node, a veth whose peer local-port is another port of br-client.
   * arp_ignore=1 keeps br-client from answering ARP for local-node's address.
   */
  addGluonNode(i: number, nextNode: { readonly mac: string; readonly ip: string; readonly prefixLen: number }): string {
    const ns = this.nodeNs(i);
    this.addNs(ns);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1']);
    sh('ip', ['-n', this.hub, 'link', 'add', `m${i}`, 'type', 'veth', 'peer', 'name', 'bat0', 'netns', ns]);
    sh('ip', ['-n', this.hub, 'link', 'set', `m${i}`, 'master', 'br-mesh', 'up']);
    sh('ip', ['-n', ns, 'link', 'add', 'br-client', 'address', `02:00:00:00:${(i & 255).toString(16).padStart(2, '0')}:01`, 'type', 'bridge']);
    sh('ip', ['-n', ns, 'link', 'set', 'bat0', 'master', 'br-client', 'up']);
    sh('ip', ['-n', ns, 'link', 'add', 'local-node', 'address', nextNode.mac, 'type', 'veth', 'peer', 'name', 'local-port']);
    sh('ip', ['-n', ns, 'link', 'set', 'local-port', 'master', 'br-client', 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${nextNode.ip}/${nextNode.prefixLen}`, 'dev', 'local-node']);
    sh('ip', ['-n', ns, 'link', 'set', 'local-node', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'br-client', 'up']);
    return ns;
  }

  /**
   * Stand-ins, in the mesh hub, for Gluon's ebtables filters between nodes: the
   * shared next-node MAC never crosses the mesh, and neither does a client's
   * DHCP, so each node serves its own clients.
   */
  filterMeshLikeGluon(nextNodeMac: string): void {
    sh('ip', ['netns', 'exec', this.hub, 'nft', 'add', 'table', 'bridge', 'gluon']);
    sh('ip', ['netns', 'exec', this.hub, 'nft', 'add', 'chain', 'bridge', 'gluon', 'mesh', '{ type filter hook forward priority 0; }']);
    sh('ip', ['netns', 'exec', this.hub, 'nft', 'add', 'rule', 'bridge', 'gluon', 'mesh', 'ether', 'saddr', nextNodeMac, 'drop']);
    sh('ip', ['netns', 'exec', this.hub, 'nft', 'add', 'rule', 'bridge', 'gluon', 'mesh', 'udp', 'dport', '{ 67, 68 }', 'drop']);
  }

  /** A client namespace whose eth0 is plugged into node `node`'s bridge (or `bridge`). */
  addClient(node: number, mac?: string, bridge = 'br-client'): { ns: string; port: string; mac: string } {
    const id = this.clientCount++;
    const ns = `${this.tag}-c${id}`;
    const port = `c${id}`;
    const m = mac ?? `02:6e:6c:${((id >> 8) & 255).toString(16).padStart(2, '0')}:${(id & 255).toString(16).padStart(2, '0')}:${(0x10 + node).toString(16)}`;
    this.addNs(ns);
    sh('ip', ['-n', this.nodeNs(node), 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', m, 'up']);
    sh('ip', ['-n', this.nodeNs(node), 'link', 'set', port, 'master', bridge, 'up']);
    return { ns, port, mac: m };
  }

  /** Roaming: move the client's plug from one node's bridge to another's. */
  roam(port: string, from: number, to: number): void {
    sh('ip', ['-n', this.nodeNs(from), 'link', 'set', port, 'netns', this.nodeNs(to)]);
    sh('ip', ['-n', this.nodeNs(to), 'link', 'set', port, 'master', 'br-client', 'up']);
  }

  startDaemon(node: number, extraArgs: readonly string[] = [], stateDir?: string): DaemonHandle {
    return this.startDaemonWithArgs(node, ['-c', 'br-client', '-i', 'bat0', '-N', MESH_NETWORK, '-b', '2',
      '-t', '2', '-B', '20', '-v', '-v', ...LAB_OPTIONS, ...extraArgs], stateDir);
  }

  /** A daemon with exactly `args` and the lab's control socket and state directory (e.g. a command line derived from UCI). */
  startDaemonWithArgs(node: number, args: readonly string[], stateDir?: string): DaemonHandle {
    const ns = this.nodeNs(node);
    const ctl = path.join(this.dir, `ctl-${node}`);
    const dir = stateDir ?? path.join(this.dir, `state-${node}`);
    const argv = [path.join(REPO, 'dist', 'ddhcpd.js'), ...args, '-C', ctl, '--state-dir', dir];
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    const handle: DaemonHandle = { node, ns, ctl, stateDir: dir, proc, log: '' };
    proc.stderr?.on('data', (d: Buffer) => {
      if (handle.log.length < 1 << 20) handle.log += d.toString();
    });
    this.daemons.push(handle);
    return handle;
  }

  restartDaemon(h: DaemonHandle, extraArgs: readonly string[] = []): DaemonHandle {
    const next = this.startDaemon(h.node, extraArgs, h.stateDir);
    return next;
  }

  track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }

  /** Runs ddhcpdctl (ours) inside the node's namespace. */
  ctl(h: DaemonHandle, args: readonly string[]): string {
    return sh('ip', ['netns', 'exec', h.ns, process.execPath, path.join(REPO, 'dist', 'ddhcpdctl.js'), '-C', h.ctl, ...args]);
  }

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of this.daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGTERM');
    await sleep(300);
    for (const d of this.daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    for (const ns of [...this.namespaces].reverse()) sh('ip', ['netns', 'del', ns], { allowFail: true });
    // Daemon logs outlive the lab so a failed run can be read afterwards.
    const keep = path.join(tmpdir(), 'ddhcpd-lab-logs');
    mkdirSync(keep, { recursive: true });
    this.daemons.forEach((d, i) => writeFileSync(path.join(keep, `${this.tag}-node${d.node}-${i}.log`), d.log));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
