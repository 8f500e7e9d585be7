// The `ddhcpdctl -b` block table in both directions: built from a CoreView and
// rendered in the C daemon's exact layout (block.c block_show_status, vectors
// b.json), and parsed back from that text (ours or a C daemon's) for --json.
// Scripts cut this text by line and tab, so the layout must not drift.

import type { BlockState, CoreView, Millis } from '../core/types';
import { BlockStateCode } from '../core/types';
import { formatIpv4 } from '../wire/bytes';
import { err, ok, type Result } from '../wire/result';

/** The C daemon's block_refresh_factor, fixed at 4 in main.c and printed as such. */
export const REFRESH_FACTOR = 4;

export interface BlockRow {
  readonly index: number;
  readonly state: BlockState;
  /** 16 lower-case hex digits; zeros where nobody owns the block. */
  readonly owner: string;
  readonly claimCount: number;
  /** Only for blocks this node holds leases in. */
  readonly leases: { readonly offered: number; readonly leased: number } | null;
  readonly timeoutSec: number;
}

export interface BlockTable {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly tentativeTimeoutSec: number;
  readonly blockTimeoutSec: number;
  readonly refreshFactor: number;
  readonly spareLeases: number;
  /** `prefix/len`, e.g. 10.0.128.0/17. */
  readonly network: string;
  readonly nodeId: string;
  readonly blocks: readonly BlockRow[];
}

const NO_OWNER = '0000000000000000';
const HEADER_LINES = 9;
const STATE_BY_CODE = new Map<number, BlockState>(
  (Object.entries(BlockStateCode) as [BlockState, number][]).map(([name, code]) => [code, name]),
);

/**
 * Rows are the blocks whose timeout is still ahead, as in C; C also lists every
 * free block for the first block timeout after start, which says nothing, and our
 * view has no free blocks to list. Our own blocks are always shown.
 */
export function buildBlockTable(view: CoreView, nowMs: Millis): BlockTable {
  const cfg = view.config;
  const blockSize = 2 ** cfg.blockSizePow;
  const blocks: BlockRow[] = [];
  for (const b of view.blocks()) {
    const remainingMs = b.timeoutAt === undefined ? 0 : b.timeoutAt - nowMs;
    if (remainingMs <= 0 && b.state !== 'ours') continue;
    const owner = b.owner ?? (b.state === 'ours' ? cfg.nodeId : NO_OWNER);
    blocks.push({
      index: b.index,
      state: b.state,
      owner: owner.toLowerCase(),
      claimCount: b.claimCount,
      // C prints leased as size - free - offered, so declined addresses count as leased.
      leases: b.leases === undefined ? null : { offered: b.leases.offered, leased: blockSize - b.leases.free - b.leases.offered },
      timeoutSec: Math.max(0, Math.ceil(remainingMs / 1000)),
    });
  }
  return {
    blockSize,
    blockCount: 2 ** (32 - cfg.prefixLen - cfg.blockSizePow),
    tentativeTimeoutSec: cfg.tentativeTimeoutSec,
    blockTimeoutSec: cfg.blockTimeoutSec,
    refreshFactor: REFRESH_FACTOR,
    // C forces spare_leases_needed to 0 with -S and prints that.
    spareLeases: cfg.dhcpEnabled ? cfg.spareLeases : 0,
    network: `${formatIpv4(cfg.prefix)}/${cfg.prefixLen}`,
    nodeId: cfg.nodeId.toLowerCase(),
    blocks,
  };
}

export function formatBlockTable(view: CoreView, nowMs: Millis): string {
  return renderBlockTable(buildBlockTable(view, nowMs));
}

export function formatBlockTableJson(view: CoreView, nowMs: Millis): string {
  return `${JSON.stringify(buildBlockTable(view, nowMs), null, 2)}\n`;
}

/** The trailing spaces, the 6-space indents and the 3 tabs after `owner` are C's (README quirk 4). */
export function renderBlockTable(t: BlockTable): string {
  const lines = [
    `block size/number\t${t.blockSize}/${t.blockCount} `,
    `      tentative timeout\t${t.tentativeTimeoutSec}`,
    `      timeout\t${t.blockTimeoutSec}`,
    `      refresh factor\t${t.refreshFactor}`,
    `      spare leases needed\t${t.spareLeases}`,
    `      network: ${t.network} `,
    `node id\t${t.nodeId.toUpperCase()}`,
    'ddhcp blocks',
    'index\tstate\towner\t\t\tclaim\tleases\ttimeout',
  ];
  for (const r of t.blocks) {
    const leases = r.leases === null ? '-' : `${r.leases.offered}/${r.leases.leased}`;
    lines.push(`${r.index}\t${BlockStateCode[r.state]}\t${r.owner.toUpperCase()}\t${r.claimCount}\t${leases}\t${r.timeoutSec}`);
  }
  lines.push('', `blocks in use: ${t.blocks.length}`);
  return `${lines.join('\n')}\n`;
}

/** Parses the text of either daemon; any deviation from the layout is an error naming the line. */
export function parseBlockTable(text: string): Result<BlockTable, string> {
  const lines = text.split('\n');
  if (lines.pop() !== '') return err('block table does not end with a newline');
  if (lines.length < HEADER_LINES + 2) return err(`block table has only ${lines.length} lines`);
  const head = [
    /^block size\/number\t(\d+)\/(\d+) $/,
    /^ {6}tentative timeout\t(\d+)$/,
    /^ {6}timeout\t(\d+)$/,
    /^ {6}refresh factor\t(\d+)$/,
    /^ {6}spare leases needed\t(\d+)$/,
    /^ {6}network: (\d+\.\d+\.\d+\.\d+\/\d+) $/,
    /^node id\t([0-9A-F]{16})$/,
    /^ddhcp blocks$/,
    /^index\tstate\towner\t\t\tclaim\tleases\ttimeout$/,
  ];
  const fields: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const m = head[i]?.exec(lines[i] ?? '');
    if (!m) return err(`block table line ${i + 1} is not the expected header: ${clip(lines[i] ?? '')}`);
    fields.push(...m.slice(1));
  }
  const footer = /^blocks in use: (\d+)$/.exec(lines[lines.length - 1] ?? '');
  if (lines[lines.length - 2] !== '' || !footer) return err('block table lacks the blank line and "blocks in use: N"');
  const blocks: BlockRow[] = [];
  for (let i = HEADER_LINES; i < lines.length - 2; i++) {
    const row = parseRow(lines[i] ?? '');
    if (!row.ok) return err(`block table line ${i + 1}: ${row.error}`);
    blocks.push(row.value);
  }
  if (Number(footer[1]) !== blocks.length) return err(`"blocks in use: ${footer[1]}" but ${blocks.length} rows`);
  const [size, count, tentative, timeout, refresh, spare, network, nodeId] = fields as [
    string, string, string, string, string, string, string, string,
  ];
  return ok({
    blockSize: Number(size),
    blockCount: Number(count),
    tentativeTimeoutSec: Number(tentative),
    blockTimeoutSec: Number(timeout),
    refreshFactor: Number(refresh),
    spareLeases: Number(spare),
    network,
    nodeId: nodeId.toLowerCase(),
    blocks,
  });
}

function parseRow(line: string): Result<BlockRow, string> {
  const m = /^(\d+)\t(\d+)\t([0-9A-F]{16})\t(\d+)\t(-|(\d+)\/(-?\d+))\t(-?\d+)$/.exec(line);
  if (!m) return err(`not a block row: ${clip(line)}`);
  const state = STATE_BY_CODE.get(Number(m[2]));
  if (state === undefined) return err(`unknown block state ${m[2]}`);
  return ok({
    index: Number(m[1]),
    state,
    owner: (m[3] ?? '').toLowerCase(),
    claimCount: Number(m[4]),
    leases: m[5] === '-' ? null : { offered: Number(m[6]), leased: Number(m[7]) },
    timeoutSec: Number(m[8]),
  });
}

function clip(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
