// Total codec for DDHCP node-to-node messages (test/vectors/ddhcp-vectors/README.md,
// "Wire format"). Checks only what the bytes alone can tell: length, command,
// count. Prefix, block size, index range and the C byte-order quirk are the core's.

import {
  DDHCP_HEADER_BYTES,
  DDHCP_LEASE_MESSAGE_BYTES,
  DdhcpCommand,
  type ClaimEntry,
  type DdhcpDecodeError,
  type DdhcpMessage,
  type LeasePayload,
} from './ddhcp-message';
import { bytesToHex, fitBytes, viewOf } from './bytes';
import { err, ok, type Result } from './result';

const CLAIM_ENTRY_BYTES = 7;
const INQUIRE_ENTRY_BYTES = 4;
const NODE_ID_BYTES = 8;
const CHADDR_BYTES = 16;
/** The count field is one byte; an encoder given more entries writes the first 255. */
const MAX_ENTRIES = 255;

/**
 * Node ids already read, by their two 32-bit words: every peer's id comes again with each
 * refresh, and one string object per id lets the cores that keep it compare it by
 * reference (core/foreign-table.ts). A flood of made-up ids only empties it again.
 */
const knownIds = new Map<number, Map<number, string>>();
let knownIdCount = 0;
const MAX_KNOWN_IDS = 4096;

function readNodeId(bytes: Uint8Array, view: DataView): string {
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const byLo = knownIds.get(hi);
  const known = byLo?.get(lo);
  if (known !== undefined) return known;
  if (knownIdCount >= MAX_KNOWN_IDS) {
    knownIds.clear();
    knownIdCount = 0;
  }
  const id = bytesToHex(bytes.subarray(0, NODE_ID_BYTES));
  if (byLo === undefined || knownIdCount === 0) knownIds.set(hi, new Map([[lo, id]]));
  else byLo.set(lo, id);
  knownIdCount++;
  return id;
}

export function decodeDdhcp(bytes: Uint8Array): Result<DdhcpMessage, DdhcpDecodeError> {
  // The C receiver reads the header before checking the length; we check first.
  if (bytes.length < DDHCP_HEADER_BYTES) {
    return err({ kind: 'tooShort', need: DDHCP_HEADER_BYTES, got: bytes.length });
  }
  const view = viewOf(bytes);
  const command = view.getUint8(14);
  const count = view.getUint8(15);
  const nodeId = readNodeId(bytes, view);
  const prefix = view.getUint32(8);
  const prefixLen = view.getUint8(12);
  const blockSize = view.getUint8(13);
  const expected = expectedLength(command, count);
  if (expected === undefined) return err({ kind: 'unknownCommand', command });
  if (bytes.length !== expected) return err({ kind: 'badLength', command, expected, got: bytes.length });

  // Each message is an object literal, not a spread of a header object: a spread's extra
  // fields land outside the object, and every peer's claim is read field by field in
  // every core (3x slower per claim in a simulated mesh of 1000 nodes, bench/RESULTS.md).
  switch (command) {
    case DdhcpCommand.UpdateClaim: {
      const claims: ClaimEntry[] = [];
      for (let i = 0; i < count; i++) {
        const at = DDHCP_HEADER_BYTES + i * CLAIM_ENTRY_BYTES;
        claims.push({ blockIndex: view.getUint32(at), timeoutSec: view.getUint16(at + 4), reserved: view.getUint8(at + 6) });
      }
      return ok({ nodeId, prefix, prefixLen, blockSize, command, claims });
    }
    case DdhcpCommand.Inquire: {
      const blocks: number[] = [];
      for (let i = 0; i < count; i++) blocks.push(view.getUint32(DDHCP_HEADER_BYTES + i * INQUIRE_ENTRY_BYTES));
      return ok({ nodeId, prefix, prefixLen, blockSize, command, blocks });
    }
    case DdhcpCommand.RenewLease:
    case DdhcpCommand.LeaseAck:
    case DdhcpCommand.LeaseNak:
    case DdhcpCommand.Release: {
      const lease: LeasePayload = {
        addressRaw: view.getUint32(16),
        xid: view.getUint32(20),
        leaseSeconds: view.getUint32(24),
        // A plain copy: Buffer#slice would alias (and pin) the receive buffer.
        chaddr: new Uint8Array(bytes.subarray(28, 28 + CHADDR_BYTES)),
      };
      return ok({ nodeId, prefix, prefixLen, blockSize, command, count, lease });
    }
    default:
      return err({ kind: 'unknownCommand', command });
  }
}

/** Undefined for a command we do not know. RELEASE (19) is accepted, unlike C's length table. */
function expectedLength(command: number, count: number): number | undefined {
  switch (command) {
    case DdhcpCommand.UpdateClaim:
      return DDHCP_HEADER_BYTES + CLAIM_ENTRY_BYTES * count;
    case DdhcpCommand.Inquire:
      return DDHCP_HEADER_BYTES + INQUIRE_ENTRY_BYTES * count;
    case DdhcpCommand.RenewLease:
    case DdhcpCommand.LeaseAck:
    case DdhcpCommand.LeaseNak:
    case DdhcpCommand.Release:
      return DDHCP_LEASE_MESSAGE_BYTES;
    default:
      return undefined;
  }
}

export function encodeDdhcp(msg: DdhcpMessage): Uint8Array {
  switch (msg.command) {
    case DdhcpCommand.UpdateClaim: {
      const claims = msg.claims.slice(0, MAX_ENTRIES);
      const { out, view } = allocate(msg, DDHCP_HEADER_BYTES + CLAIM_ENTRY_BYTES * claims.length, claims.length);
      claims.forEach((c, i) => {
        const at = DDHCP_HEADER_BYTES + i * CLAIM_ENTRY_BYTES;
        view.setUint32(at, c.blockIndex);
        view.setUint16(at + 4, c.timeoutSec);
        view.setUint8(at + 6, c.reserved);
      });
      return out;
    }
    case DdhcpCommand.Inquire: {
      const blocks = msg.blocks.slice(0, MAX_ENTRIES);
      const { out, view } = allocate(msg, DDHCP_HEADER_BYTES + INQUIRE_ENTRY_BYTES * blocks.length, blocks.length);
      blocks.forEach((b, i) => view.setUint32(DDHCP_HEADER_BYTES + i * INQUIRE_ENTRY_BYTES, b));
      return out;
    }
    default: {
      const { out, view } = allocate(msg, DDHCP_LEASE_MESSAGE_BYTES, msg.count);
      view.setUint32(16, msg.lease.addressRaw);
      view.setUint32(20, msg.lease.xid);
      view.setUint32(24, msg.lease.leaseSeconds);
      out.set(fitBytes(msg.lease.chaddr, CHADDR_BYTES), 28);
      return out;
    }
  }
}

function allocate(msg: DdhcpMessage, length: number, count: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(length);
  const view = viewOf(out);
  writeNodeId(out, msg.nodeId);
  view.setUint32(8, msg.prefix);
  view.setUint8(12, msg.prefixLen);
  view.setUint8(13, msg.blockSize);
  view.setUint8(14, msg.command);
  view.setUint8(15, count);
  return { out, view };
}

/** NodeId is 16 hex digits by contract; a malformed digit writes as 0 rather than failing. */
function writeNodeId(out: Uint8Array, nodeId: string): void {
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const byte = parseInt(nodeId.slice(2 * i, 2 * i + 2), 16);
    out[i] = Number.isNaN(byte) ? 0 : byte;
  }
}
