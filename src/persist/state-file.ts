// The on-disk JSON of PersistedState. Times are wall-clock ms since the epoch,
// because the monotonic clock restarts with the process (issue 6). The decoder
// checks every field and never throws; state-store.ts does the file IO and
// restart-policy.ts decides what of a file read back is still valid.
// Fields it does not know are ignored, so a file may gain optional fields (as
// `foreign` was added) and stay readable by the daemons before it.

import type { Ipv4, LeaseState, NodeId, PersistedState } from '../core/types';
import { err, ok, type Result } from '../wire/result';

export interface StateFileBlock {
  readonly index: number;
  readonly expiresAtWallMs: number;
}

/** A claim of another node's, as the core knew it (see PersistedState.foreign). */
export interface StateFileForeignClaim {
  readonly index: number;
  readonly owner?: NodeId;
  readonly ownerAddress?: string;
  readonly expiresAtWallMs: number;
}

export interface StateFileLease {
  readonly ip: Ipv4;
  /** 32 lowercase hex digits: all 16 chaddr bytes. */
  readonly chaddr: string;
  readonly state: LeaseState;
  readonly expiresAtWallMs: number;
}

/**
 * A moment on the monotonic clock of one boot (CLOCK_MONOTONIC runs across process
 * restarts). A restart in the same boot measures its downtime with it, so a wall
 * clock that jumped meanwhile (a Gluon node without RTC at its first NTP sync)
 * neither drops valid blocks nor keeps expired ones.
 */
export interface BootClock {
  /** /proc/sys/kernel/random/boot_id: changes with every boot. */
  readonly bootId: string;
  readonly monoMs: number;
}

export interface StateFile {
  readonly version: 1;
  readonly savedAtWallMs: number;
  /** Absent in files written without it: then only the wall clock measures the downtime. */
  readonly savedAt?: BootClock;
  readonly nodeId: NodeId;
  readonly prefix: Ipv4;
  readonly prefixLen: number;
  /** Addresses per block, as in the DDHCP header. */
  readonly blockSize: number;
  readonly blocks: readonly StateFileBlock[];
  /** Absent in files written before it: no claims of others known. */
  readonly foreign?: readonly StateFileForeignClaim[];
  readonly leases: readonly StateFileLease[];
}

export type StateFileError =
  | { readonly kind: 'tooLarge'; readonly length: number; readonly limit: number }
  | { readonly kind: 'badJson'; readonly message: string }
  | { readonly kind: 'badVersion' }
  /** `field` is a path such as `leases[3].chaddr`. */
  | { readonly kind: 'badField'; readonly field: string }
  | { readonly kind: 'tooMany'; readonly field: 'blocks' | 'foreign' | 'leases'; readonly count: number; readonly limit: number }
  | { readonly kind: 'duplicate'; readonly field: string };

export const MAX_STATE_FILE_CHARS = 64 * 1024 * 1024;
export const MAX_STATE_ENTRIES = 1 << 20;
const MAX_REMAINING_MS = 2 ** 50;
const BOOT_ID = /^[0-9a-f-]{1,64}$/;
const NODE_ID = /^[0-9a-f]{16}$/;
/** IPv6 text without zone: at most 45 characters (an embedded IPv4 address included). */
const IPV6_ADDRESS = /^[0-9a-f:.]{2,45}$/;
const LEASE_STATES: readonly string[] = ['offered', 'leased', 'declined'] satisfies readonly LeaseState[];

export function encodeStateFile(s: StateFile): string {
  return [...encodeStateFilePieces(s, Math.max(1, s.leases.length))].join('');
}

/**
 * The text of encodeStateFile in pieces of at most `leasesPerPiece` leases, so a
 * writer can let the event loop answer clients between them (10 000 leases take
 * tens of ms to encode); the pieces joined are exactly encodeStateFile(s).
 */
export function* encodeStateFilePieces(s: StateFile, leasesPerPiece: number): Generator<string, void, undefined> {
  const line = (v: unknown): string => JSON.stringify(v);
  yield encodeStateFileHead(s);
  if (s.leases.length === 0) {
    yield '[]\n}\n';
    return;
  }
  const step = Number.isFinite(leasesPerPiece) && leasesPerPiece >= 1 ? Math.floor(leasesPerPiece) : s.leases.length;
  for (let i = 0; i < s.leases.length; i += step) {
    const lines = s.leases.slice(i, i + step).map((l) => line({ ip: l.ip, chaddr: l.chaddr, state: l.state, expiresAtWallMs: l.expiresAtWallMs }));
    yield `${i === 0 ? '[\n    ' : ',\n    '}${lines.join(',\n    ')}`;
  }
  yield '\n  ]\n}\n';
}

/** The text before the leases: the header fields and the blocks, up to `"leases": `. */
export function encodeStateFileHead(s: Omit<StateFile, 'leases'>): string {
  // One entry per line: small diffs when inspecting, still plain JSON.
  const line = (v: unknown): string => JSON.stringify(v);
  const blocks = s.blocks.map((b) => line({ index: b.index, expiresAtWallMs: b.expiresAtWallMs }));
  const foreign = s.foreign?.map((c) => line({ index: c.index, owner: c.owner, ownerAddress: c.ownerAddress, expiresAtWallMs: c.expiresAtWallMs }));
  return (
    `{\n  "version": 1,\n  "savedAtWallMs": ${line(s.savedAtWallMs)},\n` +
    (s.savedAt === undefined ? '' : `  "bootId": ${line(s.savedAt.bootId)},\n  "savedAtMonoMs": ${line(s.savedAt.monoMs)},\n`) +
    `  "nodeId": ${line(s.nodeId)},\n` +
    `  "prefix": ${line(s.prefix)},\n  "prefixLen": ${line(s.prefixLen)},\n  "blockSize": ${line(s.blockSize)},\n` +
    `  "blocks": ${listText(blocks)},\n` +
    (foreign === undefined ? '' : `  "foreign": ${listText(foreign)},\n`) +
    '  "leases": '
  );
}

function listText(lines: readonly string[]): string {
  return lines.length === 0 ? '[]' : `[\n    ${lines.join(',\n    ')}\n  ]`;
}

export function decodeStateFile(text: string): Result<StateFile, StateFileError> {
  if (text.length > MAX_STATE_FILE_CHARS) return err({ kind: 'tooLarge', length: text.length, limit: MAX_STATE_FILE_CHARS });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // Deep nesting surfaces as RangeError; both mean "not our file".
    return err({ kind: 'badJson', message: e instanceof Error ? e.message.slice(0, 200) : 'unparsable' });
  }
  if (!isRecord(raw)) return err({ kind: 'badField', field: '(root)' });
  if (raw['version'] !== 1) return err({ kind: 'badVersion' });

  const savedAtWallMs = raw['savedAtWallMs'];
  if (!isWallMs(savedAtWallMs)) return bad('savedAtWallMs');
  const bootId = raw['bootId'];
  const savedAtMonoMs = raw['savedAtMonoMs'];
  const hasBoot = bootId !== undefined || savedAtMonoMs !== undefined;
  if (hasBoot && (typeof bootId !== 'string' || !BOOT_ID.test(bootId))) return bad('bootId');
  if (hasBoot && !isWallMs(savedAtMonoMs)) return bad('savedAtMonoMs');
  const nodeId = raw['nodeId'];
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) return bad('nodeId');
  const prefixLen = raw['prefixLen'];
  if (!isIntIn(prefixLen, 0, 32)) return bad('prefixLen');
  const prefix = raw['prefix'];
  if (!isIntIn(prefix, 0, 0xffffffff) || (prefix & ~maskOf(prefixLen)) !== 0) return bad('prefix');
  const blockSize = raw['blockSize'];
  // One header byte carries it (so at most 128), and blocks must tile the network.
  if (!isIntIn(blockSize, 1, 128) || (blockSize & (blockSize - 1)) !== 0 || blockSize > 2 ** (32 - prefixLen)) {
    return bad('blockSize');
  }
  const numBlocks = 2 ** (32 - prefixLen) / blockSize;

  const blocks = decodeList(raw['blocks'], 'blocks', (v, at) => decodeBlock(v, at, numBlocks), (b) => b.index);
  if (!blocks.ok) return blocks;
  // A block is ours or another's, never both, and each has one entry: at most numBlocks of them.
  const foreign = raw['foreign'] === undefined
    ? undefined
    : decodeList(raw['foreign'], 'foreign', (v, at) => decodeForeignClaim(v, at, numBlocks), (c) => c.index, numBlocks);
  if (foreign !== undefined && !foreign.ok) return foreign;
  if (foreign !== undefined) {
    const ours = new Set(blocks.value.map((b) => b.index));
    const both = foreign.value.findIndex((c) => ours.has(c.index));
    if (both >= 0) return err({ kind: 'duplicate', field: `foreign[${both}]` });
  }
  const leases = decodeList(raw['leases'], 'leases', (v, at) => decodeLease(v, at, prefix, prefixLen), (l) => l.ip);
  if (!leases.ok) return leases;
  const savedAt = hasBoot ? { savedAt: { bootId: bootId as string, monoMs: savedAtMonoMs as number } } : {};
  const foreignField = foreign === undefined ? {} : { foreign: foreign.value };
  return ok({ version: 1, savedAtWallMs, ...savedAt, nodeId, prefix, prefixLen, blockSize, blocks: blocks.value, ...foreignField, leases: leases.value });
}

function decodeList<T>(
  raw: unknown,
  field: 'blocks' | 'foreign' | 'leases',
  decodeOne: (v: unknown, at: string) => Result<T, StateFileError>,
  keyOf: (item: T) => number,
  limit = MAX_STATE_ENTRIES,
): Result<T[], StateFileError> {
  if (!Array.isArray(raw)) return bad(field);
  if (raw.length > limit) return err({ kind: 'tooMany', field, count: raw.length, limit });
  const out: T[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i++) {
    const r = decodeOne(raw[i] as unknown, `${field}[${i}]`);
    if (!r.ok) return r;
    const key = keyOf(r.value);
    // Two entries for one block or address: the file is not one we wrote.
    if (seen.has(key)) return err({ kind: 'duplicate', field: `${field}[${i}]` });
    seen.add(key);
    out.push(r.value);
  }
  return ok(out);
}

function decodeBlock(v: unknown, at: string, numBlocks: number): Result<StateFileBlock, StateFileError> {
  if (!isRecord(v)) return bad(at);
  const index = v['index'];
  if (!isIntIn(index, 0, numBlocks - 1)) return bad(`${at}.index`);
  const expiresAtWallMs = v['expiresAtWallMs'];
  if (!isWallMs(expiresAtWallMs)) return bad(`${at}.expiresAtWallMs`);
  return ok({ index, expiresAtWallMs });
}

function decodeForeignClaim(v: unknown, at: string, numBlocks: number): Result<StateFileForeignClaim, StateFileError> {
  if (!isRecord(v)) return bad(at);
  const index = v['index'];
  if (!isIntIn(index, 0, numBlocks - 1)) return bad(`${at}.index`);
  const owner = v['owner'];
  if (owner !== undefined && (typeof owner !== 'string' || !NODE_ID.test(owner))) return bad(`${at}.owner`);
  const ownerAddress = v['ownerAddress'];
  if (ownerAddress !== undefined && !isOwnerAddress(ownerAddress)) return bad(`${at}.ownerAddress`);
  const expiresAtWallMs = v['expiresAtWallMs'];
  if (!isWallMs(expiresAtWallMs)) return bad(`${at}.expiresAtWallMs`);
  return ok({ index, ...(owner === undefined ? {} : { owner }), ...(ownerAddress === undefined ? {} : { ownerAddress }), expiresAtWallMs });
}

function isOwnerAddress(v: unknown): v is string {
  return typeof v === 'string' && IPV6_ADDRESS.test(v) && v.includes(':');
}

/**
 * What the file keeps of a claim's owner: only fields the decoder accepts, so a peer that
 * sent an odd id or address costs its own entry's owner, never the whole file on reading.
 */
function writableOwnerOf(c: { readonly owner?: NodeId; readonly ownerAddress?: string }): { owner?: NodeId; ownerAddress?: string } {
  return {
    ...(typeof c.owner === 'string' && NODE_ID.test(c.owner) ? { owner: c.owner } : {}),
    ...(isOwnerAddress(c.ownerAddress) ? { ownerAddress: c.ownerAddress } : {}),
  };
}

function decodeLease(v: unknown, at: string, prefix: number, prefixLen: number): Result<StateFileLease, StateFileError> {
  if (!isRecord(v)) return bad(at);
  const ip = v['ip'];
  if (!isIntIn(ip, 0, 0xffffffff) || ((ip & maskOf(prefixLen)) >>> 0) !== prefix) return bad(`${at}.ip`);
  const chaddr = v['chaddr'];
  if (typeof chaddr !== 'string' || !/^[0-9a-f]{32}$/.test(chaddr)) return bad(`${at}.chaddr`);
  const state = v['state'];
  if (typeof state !== 'string' || !LEASE_STATES.includes(state)) return bad(`${at}.state`);
  const expiresAtWallMs = v['expiresAtWallMs'];
  if (!isWallMs(expiresAtWallMs)) return bad(`${at}.expiresAtWallMs`);
  return ok({ ip, chaddr, state: state as LeaseState, expiresAtWallMs });
}

/** Whole milliseconds, so the file never holds fractions of the monotonic clock. */
export function fromPersisted(p: PersistedState, nowWallMs: number, boot?: BootClock): StateFile {
  const now = wholeMs(nowWallMs);
  return {
    ...fileHeadOf(p, now, boot),
    leases: p.leases.map((l) => ({ ip: l.ip, chaddr: l.chaddr, state: l.state, expiresAtWallMs: now + wholeMs(l.remainingMs) })),
  };
}

/** Everything of the file but its leases, saved at `now` (whole milliseconds). */
export function fileHeadOf(p: Omit<PersistedState, 'leases'>, now: number, boot: BootClock | undefined): Omit<StateFile, 'leases'> {
  return {
    version: 1,
    savedAtWallMs: now,
    ...(boot === undefined ? {} : { savedAt: { bootId: boot.bootId, monoMs: wholeMs(boot.monoMs) } }),
    nodeId: p.nodeId,
    prefix: p.prefix,
    prefixLen: p.prefixLen,
    blockSize: p.blockSize,
    blocks: p.blocks.map((b) => ({ index: b.index, expiresAtWallMs: now + wholeMs(b.remainingMs) })),
    // A claim with less than a millisecond left would only be dropped when read back.
    ...(p.foreign === undefined
      ? {}
      : { foreign: p.foreign.filter((c) => wholeMs(c.remainingMs) > 0).map((c) => ({ index: c.index, ...writableOwnerOf(c), expiresAtWallMs: now + wholeMs(c.remainingMs) })) }),
  };
}

/** Bounded well below 2^53 so that now + remaining stays exact and decodable. */
export function wholeMs(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.floor(Math.min(ms, MAX_REMAINING_MS)) : 0;
}

function bad(field: string): { readonly ok: false; readonly error: StateFileError } {
  return err({ kind: 'badField', field });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Any whole, non-negative ms a JSON number can carry exactly. */
function isWallMs(v: unknown): v is number {
  return isIntIn(v, 0, Number.MAX_SAFE_INTEGER);
}

function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}
