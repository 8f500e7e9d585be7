// Watches a lab for the two safety properties of the block protocol: no block is
// ours at two connected daemons, and no address is held by two clients at once.
// Every daemon's block table is read through its control socket (a unix socket
// in the file system, so the test process connects to it directly, and all
// daemons are asked in the same instant); every client's address comes from its
// script log (clients.ts). Samples run on a timer until stopped.

import net from 'node:net';
import { encodeControlRequest } from '../../src/ctl/codec';
import type { DhcpClient } from './clients';
import { parseBlockRows, parseNodeId } from './ctl-text';
import type { DaemonHandle } from './lab';

const TENTATIVE = 1;
const OURS = 4;
const SHOW_BLOCKS = encodeControlRequest({ kind: 'showBlocks' });

/** One `-b` request on the control socket; undefined when the daemon does not answer (down, restarting). */
export interface OwnTable {
  readonly nodeId: string;
  readonly ours: Set<number>;
  /** Blocks a peer is inquiring, with that peer's id (our own claims in progress are not listed by `-b`). */
  readonly inquired: Map<number, string>;
}

export function readBlocks(h: DaemonHandle, timeoutMs = 2_000): Promise<OwnTable | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(h.ctl);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(v: OwnTable | undefined): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    }
    socket.once('connect', () => socket.write(SHOW_BLOCKS));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', () => finish(undefined));
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const nodeId = parseNodeId(text);
      if (nodeId === undefined) return finish(undefined);
      const rows = parseBlockRows(text);
      const ours = new Set(rows.filter((r) => r.state === OURS).map((r) => r.index));
      finish({ nodeId, ours, inquired: new Map(rows.filter((r) => r.state === TENTATIVE).map((r) => [r.index, r.owner])) });
    });
  });
}

export interface WatchedClient {
  readonly client: DhcpClient;
  /** The node whose br-client the client is plugged into. */
  node: number;
}

export interface MonitorOptions {
  readonly daemons: () => readonly DaemonHandle[];
  readonly clients: () => readonly WatchedClient[];
  /** Whether two nodes can hear each other now (default: always). Double ownership between nodes that cannot is counted, not a violation. */
  readonly connected?: (a: number, b: number) => boolean;
  /** Whether two clients must not share an address now (default: always). */
  readonly mustDiffer?: (a: WatchedClient, b: WatchedClient) => boolean;
}

export class SafetyMonitor {
  samples = 0;
  /** Samples in which at least one daemon did not answer. */
  partialSamples = 0;
  readonly blockViolations: string[] = [];
  readonly addressViolations: string[] = [];
  /** Samples in which a block was ours on two nodes that could not hear each other. */
  unconnectedOverlapSamples = 0;
  /** Date.now() of the last such sample. */
  lastUnconnectedOverlapAt: number | undefined;
  /** Samples in which two clients shared an address while they were allowed to. */
  toleratedDuplicateSamples = 0;
  readonly addressesSeen = new Set<string>();
  readonly nodeIds = new Set<string>();
  maxOwnedBlocks = 0;
  /** Per block, every node id seen inquiring or owning it: two or more mean the block was contended. */
  private readonly claimants = new Map<number, Set<string>>();
  private stopped = true;
  private loop: Promise<void> | undefined;
  private readonly started = Date.now();

  constructor(private readonly opts: MonitorOptions) {}

  /** Takes one sample of every daemon and client, and records what breaks the properties. */
  async sample(): Promise<void> {
    const daemons = this.opts.daemons();
    const tables = await Promise.all(daemons.map((d) => readBlocks(d)));
    const clients = this.opts.clients();
    const addresses = clients.map((c) => c.client.current());
    const at = `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
    this.samples++;
    if (tables.some((t) => t === undefined)) this.partialSamples++;

    const owners = new Map<number, number[]>();
    let owned = 0;
    tables.forEach((t, i) => {
      if (t === undefined) return;
      this.nodeIds.add(t.nodeId);
      const node = (daemons[i] as DaemonHandle).node;
      owned += t.ours.size;
      for (const b of t.ours) owners.set(b, [...(owners.get(b) ?? []), node]);
    });
    this.maxOwnedBlocks = Math.max(this.maxOwnedBlocks, owned);
    const claimant = (block: number, id: string): void => {
      const ids = this.claimants.get(block) ?? new Set<string>();
      ids.add(id);
      this.claimants.set(block, ids);
    };
    for (const t of tables) {
      if (t === undefined) continue;
      for (const b of t.ours) claimant(b, t.nodeId);
      for (const [b, id] of t.inquired) claimant(b, id);
    }
    const connected = this.opts.connected ?? (() => true);
    let unconnected = false;
    for (const [block, nodes] of owners) {
      for (let x = 0; x < nodes.length; x++) {
        for (let y = x + 1; y < nodes.length; y++) {
          const [a, b] = [nodes[x] as number, nodes[y] as number];
          if (connected(a, b)) this.blockViolations.push(`at ${at}: block ${block} is ours on nodes ${a} and ${b}`);
          else unconnected = true;
        }
      }
    }
    if (unconnected) {
      this.unconnectedOverlapSamples++;
      this.lastUnconnectedOverlapAt = Date.now();
    }

    const holders = new Map<string, number[]>();
    addresses.forEach((ip, i) => {
      if (ip === undefined) return;
      this.addressesSeen.add(ip);
      holders.set(ip, [...(holders.get(ip) ?? []), i]);
    });
    const mustDiffer = this.opts.mustDiffer ?? (() => true);
    let tolerated = false;
    for (const [ip, idx] of holders) {
      for (let x = 0; x < idx.length; x++) {
        for (let y = x + 1; y < idx.length; y++) {
          const [a, b] = [clients[idx[x] as number] as WatchedClient, clients[idx[y] as number] as WatchedClient];
          if (mustDiffer(a, b)) this.addressViolations.push(`at ${at}: ${ip} is held by ${a.client.ns} (node ${a.node}) and ${b.client.ns} (node ${b.node})`);
          else tolerated = true;
        }
      }
    }
    if (tolerated) this.toleratedDuplicateSamples++;
  }

  /** Samples every `intervalMs` (the next one starts when the last has finished) until stopped. */
  start(intervalMs: number): void {
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        await this.sample();
        if (!this.stopped) await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  contendedBlocks(): number {
    return [...this.claimants.values()].filter((ids) => ids.size > 1).length;
  }

  summary(): string {
    return `${this.samples} samples (${this.partialSamples} with a daemon down), ${this.addressesSeen.size} distinct addresses, ` +
      `${this.nodeIds.size} node ids, at most ${this.maxOwnedBlocks} blocks owned, ${this.contendedBlocks()} blocks inquired or owned by two nodes or more, ${this.unconnectedOverlapSamples} samples with a block ours ` +
      `on both sides of a partition, ${this.toleratedDuplicateSamples} with a tolerated shared address`;
  }
}
