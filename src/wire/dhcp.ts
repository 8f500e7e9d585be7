// Total codec for BOOTP/DHCP packets (RFC 2131 section 2, RFC 2132, RFC 3396).
// The decoder merges option overload (52) and split options into one entry per
// code; the encoder never overloads, splits long values and pads to 300 bytes.

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

export function decodeDhcp(bytes: Uint8Array): Result<DhcpMessage, DhcpDecodeError> {
  if (bytes.length < DHCP_FIXED_BYTES) return err({ kind: 'tooShort', need: DHCP_FIXED_BYTES, got: bytes.length });
  const view = viewOf(bytes);
  const op = view.getUint8(0);
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return err({ kind: 'badOp', op });
  const hlen = view.getUint8(2);
  if (hlen > MAX_HLEN) return err({ kind: 'badHardwareLength', hlen });
  if (view.getUint32(COOKIE_AT) !== MAGIC_COOKIE) return err({ kind: 'badMagicCookie' });

  const merged = new Map<number, Uint8Array[]>();
  const main = readOptionArea(bytes, { start: DHCP_FIXED_BYTES, end: bytes.length }, merged);
  if (!main.ok) return main;
  let sname = copy(bytes, SNAME_AT, SNAME_BYTES);
  let file = copy(bytes, FILE_AT, FILE_BYTES);
  if (main.value !== 0) {
    // RFC 2131 section 4.1: the options field first, then file, then sname.
    if ((main.value & OVERLOAD_FILE) !== 0) {
      const r = readOptionArea(bytes, { start: FILE_AT, end: FILE_AT + FILE_BYTES }, merged);
      if (!r.ok) return r;
      file = new Uint8Array(FILE_BYTES);
    }
    if ((main.value & OVERLOAD_SNAME) !== 0) {
      const r = readOptionArea(bytes, { start: SNAME_AT, end: SNAME_AT + SNAME_BYTES }, merged);
      if (!r.ok) return r;
      sname = new Uint8Array(SNAME_BYTES);
    }
  }
  // The overload is undone here, so option 52 itself is not kept.
  merged.delete(DhcpOptionCode.Overload);
  const options: DhcpOption[] = [];
  for (const [code, parts] of merged) options.push({ code, data: concat(parts) });

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
    chaddr: copy(bytes, CHADDR_AT, 16),
    sname,
    file,
    options,
  });
}

/**
 * Reads TLV options of one area into `merged` (RFC 3396: repeated codes are
 * concatenated, in order of appearance; Map keeps the first position). Returns
 * the overload value (0 if none) seen in this area. A missing End is tolerated.
 */
function readOptionArea(bytes: Uint8Array, area: Area, merged: Map<number, Uint8Array[]>): Result<number, DhcpDecodeError> {
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
    const data = bytes.subarray(at + 2, at + 2 + len);
    if (code === DhcpOptionCode.Overload) {
      const value = data[0] ?? 0;
      // Only the options field may announce overload, with one byte of 1, 2 or 3.
      if (area.start !== DHCP_FIXED_BYTES || len !== 1 || value < 1 || value > 3) return err({ kind: 'badOption', code, offset: at });
      overload = value;
    }
    const parts = merged.get(code);
    if (parts === undefined) merged.set(code, [data]);
    else parts.push(data);
    at += 2 + len;
  }
  return ok(overload);
}

export function encodeDhcp(msg: DhcpMessage): Uint8Array {
  // Pad and End are framing, and we never overload: such entries are not options to write.
  const options = msg.options.filter(
    (o) => o.code !== DhcpOptionCode.Pad && o.code !== DhcpOptionCode.End && o.code !== DhcpOptionCode.Overload,
  );
  const bodyLength = options.reduce((n, o) => n + encodedOptionLength(o.data.length), 0) + 1;
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
  out.set(msg.chaddr.subarray(0, 16), CHADDR_AT);
  out.set(msg.sname.subarray(0, SNAME_BYTES), SNAME_AT);
  out.set(msg.file.subarray(0, FILE_BYTES), FILE_AT);
  view.setUint32(COOKIE_AT, MAGIC_COOKIE);
  let at = DHCP_FIXED_BYTES;
  for (const o of options) at = writeOption(out, at, o.code & 0xff, o.data);
  out[at] = DhcpOptionCode.End;
  return out;
}

/** RFC 3396 section 5: a value longer than 255 bytes goes out as consecutive instances. */
function encodedOptionLength(dataLength: number): number {
  return dataLength + 2 * Math.max(1, Math.ceil(dataLength / MAX_OPTION_BYTES));
}

function writeOption(out: Uint8Array, start: number, code: number, data: Uint8Array): number {
  let at = start;
  let from = 0;
  do {
    const chunk = data.subarray(from, from + MAX_OPTION_BYTES);
    out[at] = code;
    out[at + 1] = chunk.length;
    out.set(chunk, at + 2);
    at += 2 + chunk.length;
    from += MAX_OPTION_BYTES;
  } while (from < data.length);
  return at;
}

function copy(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, start + length));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return new Uint8Array(parts[0]);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
