// The blob_attr TLV that every ubus message is built from (ubus-vectors README
// section 3): a 32-bit header (extended flag, 7-bit id, 24-bit length including
// the header), the payload, then zero padding to 4 bytes. Reading is total and
// bounds-checked; nothing here knows what an id means.

import { viewOf } from '../bytes';
import { err, ok, type Result } from '../result';

export const BLOB_HEADER_LEN = 4;
/** The 24-bit length field's largest value. */
export const BLOB_MAX_LEN = 0xffffff;
const EXTENDED = 0x80000000;

export interface RawAttr {
  readonly id: number;
  /** Set on every blobmsg attribute, clear on plain ubus attributes. */
  readonly extended: boolean;
  /** The payload without header and padding (a view into the input). */
  readonly payload: Uint8Array;
}

export type BlobError =
  | { readonly kind: 'truncated'; readonly offset: number; readonly need: number; readonly got: number }
  | { readonly kind: 'badLength'; readonly offset: number; readonly length: number };

export function padTo4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Splits `bytes` into its attributes. Like libubox's blob_for_each_attr, each
 * attribute's padded length must fit in what is left, so a parent's length
 * always covers the padding of its last child.
 */
export function readAttrs(bytes: Uint8Array, baseOffset = 0): Result<RawAttr[], BlobError> {
  const view = viewOf(bytes);
  const out: RawAttr[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < BLOB_HEADER_LEN) {
      return err({ kind: 'truncated', offset: baseOffset + pos, need: BLOB_HEADER_LEN, got: left });
    }
    const word = view.getUint32(pos);
    const length = word & BLOB_MAX_LEN;
    if (length < BLOB_HEADER_LEN) return err({ kind: 'badLength', offset: baseOffset + pos, length });
    if (padTo4(length) > left) {
      return err({ kind: 'truncated', offset: baseOffset + pos, need: padTo4(length), got: left });
    }
    out.push({
      id: (word >>> 24) & 0x7f,
      extended: (word & EXTENDED) !== 0,
      payload: bytes.subarray(pos + BLOB_HEADER_LEN, pos + length),
    });
    pos += padTo4(length);
  }
  return ok(out);
}

/** Reads one attribute that must fill `bytes` exactly (the top-level blob of a message). */
export function readSingleAttr(bytes: Uint8Array): Result<RawAttr, BlobError> {
  if (bytes.length < BLOB_HEADER_LEN) return err({ kind: 'truncated', offset: 0, need: BLOB_HEADER_LEN, got: bytes.length });
  const word = viewOf(bytes).getUint32(0);
  const length = word & BLOB_MAX_LEN;
  if (length < BLOB_HEADER_LEN || length > bytes.length) return err({ kind: 'badLength', offset: 0, length });
  return ok({ id: (word >>> 24) & 0x7f, extended: (word & EXTENDED) !== 0, payload: bytes.subarray(BLOB_HEADER_LEN, length) });
}

/**
 * One attribute with header and padding. A payload too long for the 24-bit
 * field gets a wrong header; callers compare the total against the message
 * limit (1 MiB, far below 16 MiB) before sending, so such bytes never leave.
 */
export function encodeAttr(id: number, extended: boolean, payload: Uint8Array): Uint8Array {
  const length = BLOB_HEADER_LEN + payload.length;
  const out = new Uint8Array(padTo4(length));
  viewOf(out).setUint32(0, ((extended ? EXTENDED : 0) | ((id & 0x7f) << 24) | (length & BLOB_MAX_LEN)) >>> 0);
  out.set(payload, BLOB_HEADER_LEN);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();
// Lenient on purpose: a stray Latin-1 byte in some UCI comment must not make a
// whole reply unreadable. ignoreBOM keeps a leading U+FEFF instead of eating it.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 bytes plus the NUL terminator C strings carry on the wire. */
export function encodeCString(text: string): Uint8Array {
  const body = utf8.encode(text);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/** The text before the final NUL, or undefined when the last byte is not NUL. */
export function decodeCString(payload: Uint8Array): string | undefined {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) return undefined;
  return utf8Decoder.decode(payload.subarray(0, payload.length - 1));
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8.encode(text);
}
