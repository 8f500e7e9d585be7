// Packet loss and partitions for the lab, made with nftables (these kernels have
// no netem): random loss of the mesh traffic (UDP 1234 multicast, 1235 unicast)
// on bat0 inside node namespaces, and a partition of the hub bridge between two
// groups of nodes. Every table lives in a namespace the lab created and is
// removed by name; deleting the namespace removes it too.

import { execFileSync } from 'node:child_process';
import type { Lab } from './lab';

const LOSS_TABLE = 'ddhcpd_loss';
const PARTITION_TABLE = 'ddhcpd_partition';
const MESH_PORTS = '{ 1234, 1235 }';

function nft(ns: string, script: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
}

function nftText(ns: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Sum of the `counter packets N` of a table's rules. */
function countedPackets(ns: string, family: string, table: string): number {
  const text = nftText(ns, ['list', 'table', family, table]);
  let sum = 0;
  for (const m of text.matchAll(/counter packets (\d+)/g)) sum += Number(m[1]);
  return sum;
}

export interface Loss {
  /** Mesh packets dropped so far, over every node. */
  dropped(): number;
  remove(): void;
}

/**
 * Drops `percent` % of the mesh packets on bat0 in each node namespace, drawn per packet:
 * on input (each receiver loses its copy of a multicast independently, as on a radio
 * link) and/or on output (every receiver misses the same packet).
 */
export function meshLoss(lab: Lab, nodes: readonly number[], percent: number, where: { input: boolean; output: boolean }): Loss {
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) throw new Error(`loss percent ${percent}`);
  const chain = (hook: 'input' | 'output', dev: 'iifname' | 'oifname'): string =>
    `  chain ${hook} { type filter hook ${hook} priority 0; policy accept; ` +
    `${dev} "bat0" meta l4proto udp th dport ${MESH_PORTS} numgen random mod 100 < ${percent} counter drop; }\n`;
  const script = `table inet ${LOSS_TABLE} {\n${where.input ? chain('input', 'iifname') : ''}${where.output ? chain('output', 'oifname') : ''}}\n`;
  const namespaces = nodes.map((i) => lab.nodeNs(i));
  for (const ns of namespaces) nft(ns, script);
  return {
    dropped: () => namespaces.reduce((s, ns) => s + countedPackets(ns, 'inet', LOSS_TABLE), 0),
    remove: () => {
      for (const ns of namespaces) nft(ns, `delete table inet ${LOSS_TABLE}\n`);
    },
  };
}

export interface Partition {
  /** Frames the hub bridge dropped between the groups so far. */
  dropped(): number;
  heal(): void;
}

/** The hub bridge forwards nothing between a node of `a` and a node of `b` (both ways, every frame). */
export function partition(lab: Lab, a: readonly number[], b: readonly number[]): Partition {
  const ports = (g: readonly number[]): string => `{ ${g.map((i) => `"m${i}"`).join(', ')} }`;
  nft(lab.hub, `table bridge ${PARTITION_TABLE} {\n  chain forward { type filter hook forward priority 0; policy accept;\n` +
    `    iifname ${ports(a)} oifname ${ports(b)} counter drop;\n    iifname ${ports(b)} oifname ${ports(a)} counter drop;\n  }\n}\n`);
  return {
    dropped: () => countedPackets(lab.hub, 'bridge', PARTITION_TABLE),
    heal: () => nft(lab.hub, `delete table bridge ${PARTITION_TABLE}\n`),
  };
}
