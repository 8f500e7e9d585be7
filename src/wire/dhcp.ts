// Total codec for BOOTP/DHCP packets (RFC 2131 section 2, RFC 2132, RFC 3396).
// The decoder merges option overload (52) and split options into one entry per
// code; the encoder never overloads, splits long values and pads to 300 bytes.
// Both run per packet under load (bench/RESULTS.md): the decoder copies the
// packet once and hands out views into that private copy, and the encoder
// copies whole fields without subarray views; both allocate far less.

import { BOOTREPLY, BOOTREQUEST, DHCP_FIXED_BYTES, DhcpOptionCode, type DhcpDecodeError, type DhcpMessage, type DhcpOption } from './dhcp-message';
import { viewOf } from './bytes';
import { err, ok, type Result } from './result';

const CHADDR_AT = 28;
const SNAME_AT = 44;
const SNAME_BYTES = 64;
const FILE_AT = 108;
const FILE_BYTES = 128;
const COOKIE_AT = 236;
const MAGIC_COOKIE = 0x63825363;
const MAX_HLEN = 16;
const MAX_OPTION_BYTES = 255;
/** RFC 1542 section 3.5 minimum BOOTP message; some clients drop shorter replies. */
const MIN_PACKET_BYTES = 300;

const OVERLOAD_FILE = 1;
const OVERLOAD_SNAME = 2;

interface Area {
  readonly start: number;
  readonly end: number;
}

/** Options in order of first appearance; `index` finds a code's entry to append repeats to. */
interface Collected {
  readonly options: DhcpOption[];
  readonly index: Map<number, number>;
}

export function decodeDhcp(bytes: Uint8Array): Result<DhcpMessage, DhcpDecodeError> {
  if (bytes.length < DHCP_FIXED_BYTES) return err({ kind: 'tooShort', need: DHCP_FIXED_BYTES, got: bytes.length });
  // One copy, so the message never aliases a receive buffer its caller may reuse.
  const own = new Uint8Array(bytes);
  // Every fixed-field read below lies within the first DHCP_FIXED_BYTES, checked above.
  const view = viewOf(own);
  const op = view.getUint8(0);
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return err({ kind: 'badOp', op });
  const hlen = view.getUint8(2);
  if (hlen > MAX_HLEN) return err({ kind: 'badHardwareLength', hlen });
  if (view.getUint32(COOKIE_AT) !== MAGIC_COOKIE) return err({ kind: 'badMagicCookie' });

  const found: Collected = { options: [], index: new Map() };
  const main = readOptionArea(own, { start: DHCP_FIXED_BYTES, end: own.length }, found);
  if (!main.ok) return main;
  let sname: Uint8Array | undefined;
  let file: Uint8Array | undefined;
  if (main.value !== 0) {
    // RFC 2131 section 4.1: the options field first, then file, then sname.
    if ((main.value & OVERLOAD_FILE) !== 0) {
      const r = readOptionArea(own, { start: FILE_AT, end: FILE_AT + FILE_BYTES }, found);
      if (!r.ok) return r;
      file = new Uint8Array(FILE_BYTES);
    }
    if ((main.value & OVERLOAD_SNAME) !== 0) {
      const r = readOptionArea(own, { start: SNAME_AT, end: SNAME_AT + SNAME_BYTES }, found);
      if (!r.ok) return r;
      sname = new Uint8Array(SNAME_BYTES);
    }
  }
  // The overload is undone here, so option 52 itself is not kept.
  const options = found.index.has(DhcpOptionCode.Overload) ? found.options.filter((o) => o.code !== DhcpOptionCode.Overload) : found.options;

  return ok({
    op,
    htype: view.getUint8(1),
    hlen,
    hops: view.getUint8(3),
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: view.getUint32(12),
    yiaddr: view.getUint32(16),
    siaddr: view.getUint32(20),
    giaddr: view.getUint32(24),
    chaddr: fieldView(own, CHADDR_AT, 16),
    sname: sname ?? fieldView(own, SNAME_AT, SNAME_BYTES),
    file: file ?? fieldView(own, FILE_AT, FILE_BYTES),
    options,
  });
}

/**
 * Reads TLV options of one area into `found` (RFC 3396: repeated codes are
 * concatenated, in order of appearance, at the first one's position). Returns
 * the overload value (0 if none) seen in this area. A missing End is tolerated.
 */
function readOptionArea(bytes: Uint8Array, area: Area, found: Collected): Result<number, DhcpDecodeError> {
  let overload = 0;
  let at = area.start;
  while (at < area.end) {
    const code = bytes[at] ?? DhcpOptionCode.End;
    if (code === DhcpOptionCode.End) break;
    if (code === DhcpOptionCode.Pad) {
      at += 1;
      continue;
    }
    const len = bytes[at + 1];
    if (at + 1 >= area.end || len === undefined || at + 2 + len > area.end) return err({ kind: 'badOption', code, offset: at });
    if (code === DhcpOptionCode.Overload) {
      const value = len === 1 ? (bytes[at + 2] ?? 0) : 0;
      // Only the options field may announce overload, with one byte of 1, 2 or 3.
      if (area.start !== DHCP_FIXED_BYTES || len !== 1 || value < 1 || value > 3) return err({ kind: 'badOption', code, offset: at });
      overload = value;
    }
    const i = found.index.get(code);
    if (i === undefined) {
      found.index.set(code, found.options.length);
      found.options.push({ code, data: fieldView(bytes, at + 2, len) });
    } else {
      const prev = found.options[i];
      if (prev !== undefined) found.options[i] = { code, data: append(prev.data, bytes, at + 2, len) };
    }
    at += 2 + len;
  }
  return ok(overload);
}

export function encodeDhcp(msg: DhcpMessage): Uint8Array {
  let bodyLength = 1;
  for (const o of msg.options) if (isWritable(o.code)) bodyLength += encodedOptionLength(o.data.length);
  const out = new Uint8Array(Math.max(MIN_PACKET_BYTES, DHCP_FIXED_BYTES + bodyLength));
  const view = viewOf(out);
  view.setUint8(0, msg.op);
  view.setUint8(1, msg.htype);
  view.setUint8(2, msg.hlen);
  view.setUint8(3, msg.hops);
  view.setUint32(4, msg.xid);
  view.setUint16(8, msg.secs);
  view.setUint16(10, msg.flags);
  view.setUint32(12, msg.ciaddr);
  view.setUint32(16, msg.yiaddr);
  view.setUint32(20, msg.siaddr);
  view.setUint32(24, msg.giaddr);
  copyIn(out, CHADDR_AT, msg.chaddr, 16);
  copyIn(out, SNAME_AT, msg.sname, SNAME_BYTES);
  copyIn(out, FILE_AT, msg.file, FILE_BYTES);
  view.setUint32(COOKIE_AT, MAGIC_COOKIE);
  let at = DHCP_FIXED_BYTES;
  for (const o of msg.options) if (isWritable(o.code)) at = writeOption(out, at, o.code & 0xff, o.data);
  out[at] = DhcpOptionCode.End;
  return out;
}

/** Pad and End are framing, and we never overload: such entries are not options to write. */
function isWritable(code: number): boolean {
  return code !== DhcpOptionCode.Pad && code !== DhcpOptionCode.End && code !== DhcpOptionCode.Overload;
}

/** RFC 3396 section 5: a value longer than 255 bytes goes out as consecutive instances. */
function encodedOptionLength(dataLength: number): number {
  if (dataLength <= MAX_OPTION_BYTES) return dataLength + 2;
  return dataLength + 2 * Math.ceil(dataLength / MAX_OPTION_BYTES);
}

function writeOption(out: Uint8Array, start: number, code: number, data: Uint8Array): number {
  if (data.length <= MAX_OPTION_BYTES) {
    out[start] = code;
    out[start + 1] = data.length;
    out.set(data, start + 2);
    return start + 2 + data.length;
  }
  let at = start;
  let from = 0;
  do {
    const n = Math.min(MAX_OPTION_BYTES, data.length - from);
    out[at] = code;
    out[at + 1] = n;
    copyRange(out, at + 2, data, from, n);
    at += 2 + n;
    from += MAX_OPTION_BYTES;
  } while (from < data.length);
  return at;
}

/** At most `max` bytes of `src` into `out` at `at` (the rest of the field stays zero). */
function copyIn(out: Uint8Array, at: number, src: Uint8Array, max: number): void {
  copyRange(out, at, src, 0, Math.min(max, src.length));
}

/** set() without a subarray when the whole source fits: a JS byte loop costs more, most of all under --jitless. */
function copyRange(out: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  out.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
}

/** A Uint8Array over bytes[start, start+length) of the decoder's private copy. */
function fieldView(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}

function append(head: Uint8Array, bytes: Uint8Array, start: number, length: number): Uint8Array {
  const out = new Uint8Array(head.length + length);
  out.set(head);
  out.set(bytes.subarray(start, start + length), head.length);
  return out;
}
