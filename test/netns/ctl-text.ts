// Reads the daemon's state through the real control socket with our
// ddhcpdctl, parsing the C-compatible text (the same text scripts parse).

import { waitFor, type DaemonHandle, type Lab } from './lab';

export interface BlockRow {
  readonly index: number;
  readonly state: number;
  readonly owner: string;
  readonly leases: string;
}

export function blockRows(lab: Lab, h: DaemonHandle): BlockRow[] {
  return parseBlockRows(lab.ctl(h, ['-b']));
}

/** The rows of a `-b` reply (however it was fetched). */
export function parseBlockRows(text: string): BlockRow[] {
  const rows: BlockRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\t(\d)\t([0-9A-F]{16})\t(\d+)\t(\S+)\t/.exec(line);
    if (m !== null) rows.push({ index: Number(m[1]), state: Number(m[2]), owner: m[3] ?? '', leases: m[5] ?? '' });
  }
  return rows;
}

export function nodeIdOf(lab: Lab, h: DaemonHandle): string {
  const id = parseNodeId(lab.ctl(h, ['-b']));
  if (id === undefined) throw new Error('no node id line in ddhcpdctl -b');
  return id;
}

export function parseNodeId(text: string): string | undefined {
  return /^node id\t([0-9A-F]{16})$/m.exec(text)?.[1];
}

export function statistic(lab: Lab, h: DaemonHandle, name: string): number {
  const m = new RegExp(`^${name.replace(/\./g, '\\.')} (-?\\d+)$`, 'm').exec(lab.ctl(h, ['-s']));
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

export function ownBlocks(lab: Lab, h: DaemonHandle): Set<number> {
  return new Set(blockRows(lab, h).filter((r) => r.state === 4).map((r) => r.index));
}

const PREFIX = (10 << 24) | (0 << 16) | (128 << 8);

export function blockOf(ip: string, blockSizePow = 2): number {
  const n = ip.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
  return (n - PREFIX) >>> blockSizePow;
}

/**
 * Until the node's own blocks have not changed for longer than a claim takes at the labs'
 * -t 2 (2.4 s) and none is being claimed: claims follow the clients of the last claim
 * latency, so a test that counts packets or blocks waits for them to settle first.
 */
export async function waitSettled(lab: Lab, h: DaemonHandle): Promise<void> {
  let last = '';
  let since = Date.now();
  await waitFor(`node ${h.node}'s blocks to settle`, () => {
    const rows = blockRows(lab, h);
    const now = JSON.stringify(rows.filter((r) => r.state === 4).map((r) => r.index).sort((a, b) => a - b));
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return rows.every((r) => r.state !== 3) && Date.now() - since > 3_000;
  }, 20_000, 200);
}
