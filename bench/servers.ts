// The DHCP servers the load bench compares, each started in the server
// namespace pinned to one core and serving the same pool to relayed clients:
// our daemon (plain node, or with the router flags of files/usr/sbin/ddhcpd),
// dnsmasq and Kea. Each reports its pid and when it is ready to serve.

import { type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchNet } from './netns';
import { POOL_FIRST, POOL_LAST, POOL_NETWORK, RELAY_IP, SERVER_IP, sleep } from './netns';

export const REPO = path.resolve(__dirname, '..');
/**
 * The daemon under test. main.ts copies dist/ to its work directory first, so
 * a rebuild in the checkout during a long run cannot change what is measured;
 * BENCH_BUNDLE runs another build (e.g. an older commit's) for a comparison.
 */
export function bundlePath(): string {
  return process.env['BENCH_BUNDLE'] ?? path.join(REPO, 'dist', 'ddhcpd.js');
}

export function ctlBundlePath(): string {
  return path.join(path.dirname(bundlePath()), 'ddhcpdctl.js');
}

/** Copies the built daemon (bundles and native modules) to `dir` and measures that copy from now on. */
export function pinBuild(dir: string): void {
  const from = path.dirname(bundlePath());
  mkdirSync(dir, { recursive: true });
  for (const f of ['ddhcpd.js', 'ddhcpdctl.js', 'ddhcpd_native.node', 'netlink.node']) copyFileSync(path.join(from, f), path.join(dir, f));
  process.env['BENCH_BUNDLE'] = path.join(dir, 'ddhcpd.js');
}
export const LEASE_SECONDS = 3600;

/** ddhcpd-defaults: the package as installed (router flags, UCI defaults, learning on, no saved state). */
export type ServerKind = 'ddhcpd' | 'ddhcpd-router' | 'ddhcpd-defaults' | 'dnsmasq' | 'kea';

export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly proc: ChildProcess;
  readonly dir: string;
  /** Control socket, for our daemon only. */
  readonly ctl: string | undefined;
  log(): string;
  stop(): Promise<void>;
}

/** Node flags the package's wrapper passes (read from files/usr/sbin/ddhcpd, so the bench follows it). */
export function readRouterFlags(): string[] {
  const text = readFileSync(path.join(REPO, 'files', 'usr', 'sbin', 'ddhcpd'), 'utf8');
  const joined = text.replace(/\\\n/g, ' ');
  const m = /exec\s+"\$node"\s+(.*?)\s+"\$bindir/.exec(joined);
  return (m?.[1] ?? '').split(/\s+/).filter((f) => f.startsWith('--'));
}

export interface DdhcpdSetup {
  readonly blockSizePow: number;
  readonly spareLeases: number;
  /** Extra daemon flags (e.g. -L, -t 2). */
  readonly extra: readonly string[];
  /** Extra node flags before the bundle (router flags, --cpu-prof, -r probe). */
  readonly nodeFlags: readonly string[];
  readonly stateDir?: string;
}

export function ddhcpdArgs(dir: string, s: DdhcpdSetup): { args: string[]; ctl: string } {
  const ctl = path.join(dir, 'ctl');
  const lease = [(LEASE_SECONDS >>> 24) & 255, (LEASE_SECONDS >>> 16) & 255, (LEASE_SECONDS >>> 8) & 255, LEASE_SECONDS & 255].join('.');
  const args = [...s.nodeFlags, bundlePath(), '-c', 'eth0', '-i', 'bat0', '-N', POOL_NETWORK, '-b', String(s.blockSizePow),
    '-s', String(s.spareLeases), '-C', ctl, '--state-dir', s.stateDir ?? path.join(dir, 'state'),
    '-o', '1:4:255.255.0.0', '-o', `3:4:${SERVER_IP}`, '-o', `51:4:${lease}`, ...s.extra];
  return { args, ctl };
}

function track(net: BenchNet, kind: ServerKind, dir: string, ctl: string | undefined, cpu: number, cmd: string, args: string[], env?: NodeJS.ProcessEnv): RunningServer {
  const proc = net.spawnIn(net.server, cpu, cmd, args, env === undefined ? {} : { env: { ...process.env, ...env } });
  let log = '';
  const keep = (d: Buffer): void => {
    if (log.length < 1 << 16) log += d.toString();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (proc.pid === undefined) throw new Error(`cannot start ${cmd}`);
  const pid = proc.pid;
  return {
    kind,
    pid,
    proc,
    dir,
    ctl,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export function startDdhcpd(net: BenchNet, dir: string, cpu: number, setup: DdhcpdSetup, kind: ServerKind = 'ddhcpd'): RunningServer {
  mkdirSync(dir, { recursive: true });
  const { args, ctl } = ddhcpdArgs(dir, setup);
  return track(net, kind, dir, ctl, cpu, process.execPath, args);
}

export function startDnsmasq(net: BenchNet, dir: string, cpu: number): RunningServer {
  mkdirSync(dir, { recursive: true });
  const args = ['--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--no-ping', '--leasefile-ro',
    '--dhcp-lease-max=65536', '--interface=eth0', '--bind-interfaces', '--pid-file=', '--user=root', '--quiet-dhcp',
    '--log-facility=-', `--dhcp-range=${POOL_FIRST},${POOL_LAST},255.255.0.0,${LEASE_SECONDS}s`,
    `--dhcp-option=3,${SERVER_IP}`, '--dhcp-authoritative'];
  return track(net, 'dnsmasq', dir, undefined, cpu, 'dnsmasq', args);
}

export function startKea(net: BenchNet, dir: string, cpu: number): RunningServer {
  mkdirSync(dir, { recursive: true });
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: ['eth0'], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: false, 'lfc-interval': 0 },
      'valid-lifetime': LEASE_SECONDS,
      subnet4: [{ id: 1, subnet: '10.0.0.0/16', pools: [{ pool: `${POOL_FIRST} - ${POOL_LAST}` }], 'option-data': [{ name: 'routers', data: SERVER_IP }] }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stderr' }], severity: 'WARN' }],
    },
  };
  const file = path.join(dir, 'kea-dhcp4.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return track(net, 'kea', dir, undefined, cpu, 'kea-dhcp4', ['-c', file], { KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir });
}

export { RELAY_IP };
