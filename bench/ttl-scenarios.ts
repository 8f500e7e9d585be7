// The time-to-lease scenarios, each in a Lab of its own (test/netns/lab.ts):
// a node starting cold into a running mesh, a crowd of udhcpc clients at one
// node, steady arrivals and a flood from perfdhcp as a relay. Each returns its
// figures; ttl-report.ts formats them.

import { spawn } from 'node:child_process';
import { Lab, sh, sleep } from '../test/netns/lab';
import {
  addClient, addReadyNode, BLOCK_COUNT, blockRows, exitNote, C_TIMERS, describeFlags, OURS_STATE, settle, startNode, statistic, waitAllBound,
  type Impl, type LeaseClient, type MeshNode, type Timers,
} from './mesh-lab';
import { parsePerfdhcp } from './perfdhcp';

const RELAY_IP = '10.0.0.2';

/**
 * A settled mesh: `count` nodes started without a learning phase, each owning a
 * block. `prepare` runs between making the namespaces and starting the daemons:
 * a burst of new ports on br-client overflows the C daemon's netlink socket
 * (it exits, "Error in epoll"), and phones joining over WiFi add no interfaces.
 */
async function runningMesh(lab: Lab, impl: Impl, timers: Timers, count: number, prepare?: () => void): Promise<MeshNode[]> {
  for (let i = 0; i < count; i++) await addReadyNode(lab, i);
  prepare?.();
  const nodes: MeshNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(startNode(lab, i, impl, { ...timers, learning: false }));
  // Three INQUIREs half a tentative timeout apart, then the claim; slack for a busy host.
  if (!(await settle(nodes, (timers.tentativeSec * 2 + 20) * 1000))) throw new Error(`${impl}: the mesh did not settle`);
  return nodes;
}

async function inLab<T>(fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = new Lab();
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

export interface ColdStartFigures {
  readonly impl: Impl;
  readonly timers: Timers;
  /** Seconds from the daemon's start to its client's lease; undefined: not within the timeout. */
  readonly secs: readonly (number | undefined)[];
  readonly timeoutSec: number;
}

/**
 * New nodes with no saved state (a fresh state directory, hence a new node id)
 * join a settled 2-node mesh, STAGGER_MS apart (the C daemon seeds rand() with
 * the second). Each has a client asking since a second before the daemon starts.
 */
export async function coldStart(impl: Impl, timers: Timers, repeats: number): Promise<ColdStartFigures> {
  const STAGGER_MS = 3000;
  const timeoutSec = timers.blockTimeoutSec + timers.tentativeSec * 3 + 30;
  return inLab(async (lab) => {
    const mesh = await runningMesh(lab, impl, timers, 2);
    const joined: { node: MeshNode; client: LeaseClient }[] = [];
    for (let r = 0; r < repeats; r++) {
      await addReadyNode(lab, 2 + r);
      const client = addClient(lab, 2 + r).start();
      await sleep(1000);
      joined.push({ node: startNode(lab, 2 + r, impl, timers), client });
      if (r < repeats - 1) await sleep(STAGGER_MS);
    }
    await waitAllBound(joined.map((j) => j.client), timeoutSec * 1000);
    const died = [...mesh, ...joined.map((j) => j.node)].map(exitNote).filter((n) => n !== undefined);
    if (died.length > 0) throw new Error(died.join('; '));
    const secs = joined.map(({ node, client }) => {
      const b = client.bound();
      return b === undefined ? undefined : (b.at - node.startedAt) / 1000;
    });
    return { impl, timers, secs, timeoutSec };
  });
}

export interface CrowdFigures {
  readonly impl: Impl;
  readonly clients: number;
  /** Seconds from each client's start to its lease, leased ones only. */
  readonly secs: readonly number[];
  readonly duplicates: number;
  readonly timeoutSec: number;
}

/** `count` udhcpc clients start at once at node 0 of a settled 2-node mesh (`-L`, C's timers). */
export async function crowd(impl: Impl, count: number, timeoutSec: number): Promise<CrowdFigures> {
  return inLab(async (lab) => {
    let pending: ReturnType<typeof addClient>[] = [];
    const nodes = await runningMesh(lab, impl, C_TIMERS, 2, () => (pending = Array.from({ length: count }, () => addClient(lab, 0))));
    const clients = pending.map((p) => p.start());
    await waitAllBound(clients, timeoutSec * 1000);
    const died = nodes.map(exitNote).filter((n) => n !== undefined);
    if (died.length > 0) throw new Error(died.join('; '));
    const bound = clients.map((c) => ({ c, b: c.bound() })).filter((x) => x.b !== undefined);
    const byIp = new Map<string, number>();
    for (const c of clients) {
      const ip = c.current();
      if (ip !== undefined) byIp.set(ip, (byIp.get(ip) ?? 0) + 1);
    }
    const duplicates = [...byIp.values()].filter((n) => n > 1).reduce((a, n) => a + n, 0);
    return { impl, clients: count, secs: bound.map(({ c, b }) => ((b?.at ?? 0) - c.startedAt) / 1000), duplicates, timeoutSec };
  });
}

interface PerfdhcpResult {
  readonly discovers: number;
  readonly acks: number;
}

/** perfdhcp as a relay on node 0's client segment; `macBase` keeps each run's clients apart. */
async function perfdhcp(ns: string, rate: number, periodSec: number, clients: number, macBase: string, seed: number): Promise<PerfdhcpResult> {
  const args = ['-4', '-l', RELAY_IP, '-r', String(rate), '-R', String(clients), '-b', `mac=${macBase}`, '-p', String(periodSec),
    '-s', String(seed), '-W', '1000000', '10.0.0.1'];
  const child = spawn('ip', ['netns', 'exec', ns, 'perfdhcp', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), (periodSec + 30) * 1000);
  await new Promise<void>((r) => child.once('exit', () => r()));
  clearTimeout(killer);
  const report = parsePerfdhcp(out);
  if (report.discoverOffer.sent === 0) throw new Error(`perfdhcp sent nothing: ${out.slice(0, 400)}`);
  return { discovers: report.discoverOffer.sent, acks: report.requestAck.received };
}

function relaySegment(lab: Lab): string {
  const { ns } = lab.addClient(0);
  sh('ip', ['-n', ns, 'addr', 'add', `${RELAY_IP}/16`, 'dev', 'eth0']);
  return ns;
}

export interface SteadyFigures {
  readonly rate: number;
  readonly periodSec: number;
  readonly flags: string;
  readonly first: PerfdhcpResult;
  readonly second: PerfdhcpResult;
}

/** Our daemon only: the C ddhcpd does not answer relayed requests. */
export async function steady(rate: number, periodSec: number): Promise<SteadyFigures> {
  return inLab(async (lab) => {
    let ns = '';
    await runningMesh(lab, 'ours', C_TIMERS, 2, () => (ns = relaySegment(lab)));
    const first = await perfdhcp(ns, rate, periodSec, rate * periodSec, '02:70:01:00:00:00', 1);
    const second = await perfdhcp(ns, rate, periodSec, rate * periodSec, '02:70:02:00:00:00', 2);
    return { rate, periodSec, flags: describeFlags({ ...C_TIMERS, learning: false }), first, second };
  });
}

export interface FloodFigures {
  readonly clients: number;
  readonly rate: number;
  readonly periodSec: number;
  readonly flags: string;
  readonly sent: PerfdhcpResult;
  /** Blocks the other node's table gives the flooded node, and the flooded node's own count. */
  readonly heldSeenByPeer: number;
  readonly heldOwnView: number;
  readonly blockCount: number;
  readonly claimLimit: number | undefined;
  readonly logLines: readonly string[];
}

const LIMIT_LINE = /limit|max[-_ ]?leases|cap\b/i;

/** Random MACs at node 0 of a settled 2-node mesh; node 1's block table says how much node 0 took. */
export async function flood(clients: number, rate: number, periodSec: number): Promise<FloodFigures> {
  return inLab(async (lab) => {
    let ns = '';
    const [flooded, peer] = await runningMesh(lab, 'ours', C_TIMERS, 2, () => (ns = relaySegment(lab)));
    if (flooded === undefined || peer === undefined) throw new Error('no mesh');
    const sent = await perfdhcp(ns, rate, periodSec, clients, '02:71:00:00:00:00', 3);
    // Claims under way when the flood ends land within a tentative timeout.
    await sleep(C_TIMERS.tentativeSec * 1000 + 2000);
    const own = blockRows(flooded);
    const seen = blockRows(peer).rows.filter((r) => r.owner === own.nodeId).length;
    return {
      clients, rate, periodSec, sent, flags: describeFlags({ ...C_TIMERS, learning: false }),
      heldSeenByPeer: seen,
      heldOwnView: own.rows.filter((r) => r.state === OURS_STATE).length,
      blockCount: BLOCK_COUNT,
      claimLimit: statistic(flooded, 'drop.core.claimLimit'),
      logLines: flooded.matching(LIMIT_LINE),
    };
  });
}
