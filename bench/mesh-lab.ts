// Mesh nodes for the time-to-lease bench, in a Lab of test/netns/lab.ts (a hub
// bridge as the mesh, br-client on every node): each node runs our daemon or the
// C ddhcpd (DDHCPD_C_BINARY) with the timers the scenario asks for, and udhcpc
// clients stamp every state change with the time, so the bench reads when each
// client was leased instead of polling for it. The Lab kills what is tracked.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_OPTIONS, MESH_NETWORK, NEXT_NODE_IP, sh, sleep, type Lab } from '../test/netns/lab';
import { bundlePath, ctlBundlePath } from './servers';

export type Impl = 'ours' | 'c';

export interface Timers {
  readonly tentativeSec: number;
  readonly blockTimeoutSec: number;
  readonly learning: boolean;
}

/** The C daemon's defaults (`-t 15`, `-B 60`), with `-b 2 -s 2` as in the issue. */
export const C_TIMERS: Timers = { tentativeSec: 15, blockTimeoutSec: 60, learning: true };
/** What the package's UCI defaults give (block_timeout 300, learning 1). */
export const PACKAGE_TIMERS: Timers = { tentativeSec: 15, blockTimeoutSec: 300, learning: true };

export const MESH_PREFIX_LEN = Number(MESH_NETWORK.split('/')[1]);
export const BLOCK_SIZE_POW = 2;
export const BLOCK_COUNT = 2 ** (32 - MESH_PREFIX_LEN - BLOCK_SIZE_POW);

export function cBinary(): string | undefined {
  const b = process.env['DDHCPD_C_BINARY'];
  return b !== undefined && b !== '' && existsSync(b) ? b : undefined;
}

export function describeFlags(t: Timers): string {
  return `-b ${BLOCK_SIZE_POW} -s 2 -t ${t.tentativeSec} -B ${t.blockTimeoutSec}${t.learning ? '' : ' -L'}`;
}

export interface MeshNode {
  readonly impl: Impl;
  readonly index: number;
  readonly ns: string;
  readonly ctlPath: string;
  readonly proc: ChildProcess;
  /** Epoch ms when the daemon was spawned. */
  readonly startedAt: number;
  /** Its log lines that match (the first 20). */
  matching(re: RegExp): string[];
  /** The last lines of its output, to say why a daemon died. */
  tail(): string;
}

/** Undefined while the daemon runs; else how it ended and its last log lines. */
export function exitNote(node: MeshNode): string | undefined {
  const p = node.proc;
  if (p.exitCode === null && p.signalCode === null) return undefined;
  return `${node.impl} node ${node.index} exited (code ${p.exitCode}, signal ${p.signalCode}): ${node.tail().trim().split('\n').slice(-4).join(' | ')}`;
}

export function startNode(lab: Lab, index: number, impl: Impl, timers: Timers, extra: readonly string[] = []): MeshNode {
  const ns = lab.nodeNs(index);
  const ctlPath = path.join(lab.dir, `ctl-${index}`);
  const flags = ['-c', 'br-client', '-i', 'bat0', '-N', MESH_NETWORK, '-b', String(BLOCK_SIZE_POW), '-s', '2',
    '-t', String(timers.tentativeSec), '-B', String(timers.blockTimeoutSec), ...(timers.learning ? [] : ['-L']),
    // A lease of an hour: none lapses during a run, so an address seen twice is a real duplicate.
    '-C', ctlPath, ...LAB_OPTIONS, '-o', '51:4:0.0.14.16'];
  const c = cBinary();
  let cmd: string[];
  if (impl === 'ours') cmd = [process.execPath, bundlePath(), ...flags, '--state-dir', path.join(lab.dir, `state-${index}`), ...extra];
  // The C node's default server identifier is the network's .1; Gluon gives it the next-node address.
  else if (c !== undefined) cmd = [c, ...flags, '-o', `54:4:${NEXT_NODE_IP}`, ...extra];
  else throw new Error('DDHCPD_C_BINARY is not set');
  // A file, not a pipe: a bench process busy making namespaces cannot stall a daemon's logging.
  const logFile = path.join(lab.dir, `node-${index}.log`);
  const fd = openSync(logFile, 'a');
  const proc = lab.track(spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', fd, fd] }));
  closeSync(fd);
  const lines = (): string[] => readFileSync(logFile, 'utf8').split('\n');
  return {
    impl, index, ns, ctlPath, proc, startedAt: Date.now(),
    matching: (re) => lines().filter((l) => re.test(l)).slice(0, 20),
    tail: () => lines().slice(-5).join('\n'),
  };
}

/**
 * Adds node `index` and waits until its bat0 has a usable link-local address:
 * the C daemon exits when its first multicast fails during duplicate address
 * detection, and on a Gluon node bat0 is up long before ddhcpd starts.
 */
export async function addReadyNode(lab: Lab, index: number): Promise<void> {
  const ns = lab.addNode(index);
  // Generous: the other scenarios' namespace set-up runs synchronously in this process.
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const out = sh('ip', ['-n', ns, '-6', 'addr', 'show', 'dev', 'bat0', 'scope', 'link'], { allowFail: true });
    if (out.includes('fe80') && !out.includes('tentative')) return;
    await sleep(100);
  }
  throw new Error(`${ns}: bat0 has no usable link-local address`);
}

/** Our ddhcpdctl speaks the C control protocol, so it reads C nodes too. */
export function ctl(node: MeshNode, args: readonly string[]): string {
  return sh('ip', ['netns', 'exec', node.ns, process.execPath, ctlBundlePath(), '-C', node.ctlPath, '-t', '5', ...args], { allowFail: true });
}

export interface BlockRow {
  readonly index: number;
  readonly state: number;
  readonly owner: string;
}

export function blockRows(node: MeshNode): { nodeId: string | undefined; rows: BlockRow[] } {
  const text = ctl(node, ['-b']);
  const rows: BlockRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\t(\d)\t([0-9A-Fa-f]{16})\t/.exec(line);
    if (m !== null) rows.push({ index: Number(m[1]), state: Number(m[2]), owner: (m[3] ?? '').toUpperCase() });
  }
  return { nodeId: /^node id\t([0-9A-Fa-f]{16})$/m.exec(text)?.[1]?.toUpperCase(), rows };
}

/** State 4 is "ours" in the C numbering the control socket prints. */
export const OURS_STATE = 4;

export function statistic(node: MeshNode, name: string): number | undefined {
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}\\s+(-?\\d+)$`, 'm').exec(ctl(node, ['-s']));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Waits until every node owns a block: a settled mesh. */
export async function settle(nodes: readonly MeshNode[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (nodes.every((n) => blockRows(n).rows.some((r) => r.state === OURS_STATE))) return true;
    await sleep(500);
  }
  return false;
}

// Busybox's date has no %N; the shell's $EPOCHREALTIME is bash only. GNU date is on the host.
const STAMPED_SCRIPT = `#!/bin/sh
echo "$(date +%s%3N) $1 \${ip:-}" >> "$LEASE_LOG"
exit 0
`;

export interface LeaseClient {
  readonly ns: string;
  readonly startedAt: number;
  /** Epoch ms of the first bind, and its address. */
  bound(): { at: number; ip: string } | undefined;
  /** The address of the latest event if it is a bind or renewal. */
  current(): string | undefined;
}

/** Makes the client's namespace now; `start` runs udhcpc (retrying every second, as a phone does). */
export function addClient(lab: Lab, node: number): { ns: string; start: () => LeaseClient } {
  const script = path.join(lab.dir, 'stamped.script');
  if (!existsSync(script)) {
    writeFileSync(script, STAMPED_SCRIPT);
    chmodSync(script, 0o755);
  }
  const { ns } = lab.addClient(node);
  const logFile = path.join(lab.dir, `${ns}.events`);
  writeFileSync(logFile, '');
  return {
    ns,
    start: () => {
      const startedAt = Date.now();
      lab.track(spawn('ip', ['netns', 'exec', ns, 'udhcpc', '-i', 'eth0', '-f', '-s', script, '-t', '10', '-T', '1', '-A', '1'],
        { stdio: 'ignore', env: { ...process.env, LEASE_LOG: logFile } }));
      let seen: { at: number; ip: string } | undefined;
      const events = (): string[][] => readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split(' '));
      return {
        ns,
        startedAt,
        bound: () => {
          if (seen !== undefined) return seen;
          for (const [at, state, ip] of events()) {
            if (state === 'bound' && ip !== undefined && ip !== '') return (seen = { at: Number(at), ip });
          }
          return undefined;
        },
        current: () => {
          const [, state, ip] = events().at(-1) ?? [];
          return (state === 'bound' || state === 'renew') && ip !== undefined && ip !== '' ? ip : undefined;
        },
      };
    },
  };
}

/** Waits until every client is bound or the time is up; polls the event files. */
export async function waitAllBound(clients: readonly LeaseClient[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !clients.every((c) => c.bound() !== undefined)) await sleep(200);
}
