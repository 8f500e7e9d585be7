// blobmsg: the named, typed attributes inside ubus DATA and SIGNATURE
// (ubus-vectors README section 5). Decoding keeps every wire type (INT8 vs
// INT32 vs INT64, field order, array element names) so encoding gives the same
// bytes back; the JSON helpers follow libubox's blobmsg_json rules.

import { viewOf } from '../bytes';
import { err, ok, type Result } from '../result';
import { concatBytes, decodeCString, decodeUtf8, encodeAttr, encodeCString, encodeUtf8, padTo4, readAttrs, type BlobError } from './blob';

export const BlobmsgType = {
  unspec: 0, array: 1, table: 2, string: 3, int64: 4, int32: 5, int16: 6, int8: 7, double: 8,
} as const;

export type BlobmsgValue =
  | { readonly type: 'unspec' }
  | { readonly type: 'array'; readonly items: readonly BlobmsgField[] }
  | { readonly type: 'table'; readonly items: readonly BlobmsgField[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'int64'; readonly value: bigint }
  | { readonly type: 'int32' | 'int16'; /** Signed, as blobmsg_format_json prints it. */ readonly value: number }
  /** Also JSON's booleans. */
  | { readonly type: 'int8'; readonly value: number }
  | { readonly type: 'double'; readonly value: number };

/** Array elements carry a name too (normally empty); keeping it keeps the bytes. */
export interface BlobmsgField {
  readonly name: string;
  readonly value: BlobmsgValue;
}

export type BlobmsgError =
  | BlobError
  | { readonly kind: 'notBlobmsg'; readonly offset: number }
  | { readonly kind: 'badName'; readonly offset: number }
  | { readonly kind: 'badValue'; readonly offset: number; readonly type: number; readonly length: number }
  | { readonly kind: 'unknownType'; readonly offset: number; readonly type: number }
  | { readonly kind: 'tooDeep'; readonly offset: number };

/** Deeper nesting than any real reply; bounds recursion on hostile input. */
export const MAX_BLOBMSG_DEPTH = 32;

const FIXED_LEN: Readonly<Record<number, number>> = { 4: 8, 5: 4, 6: 2, 7: 1, 8: 8 };

/** Decodes a sequence of blobmsg attributes (a table's or array's body, or ubus DATA). */
export function decodeBlobmsgFields(bytes: Uint8Array, baseOffset = 0, depth = 0): Result<BlobmsgField[], BlobmsgError> {
  if (depth > MAX_BLOBMSG_DEPTH) return err({ kind: 'tooDeep', offset: baseOffset });
  const attrs = readAttrs(bytes, baseOffset);
  if (!attrs.ok) return attrs;
  const out: BlobmsgField[] = [];
  for (const a of attrs.value) {
    const offset = baseOffset + (a.payload.byteOffset - bytes.byteOffset) - 4;
    if (!a.extended) return err({ kind: 'notBlobmsg', offset });
    const p = a.payload;
    if (p.length < 3) return err({ kind: 'badName', offset });
    const nameLen = (p[0]! << 8) | p[1]!;
    const hdrLen = padTo4(2 + nameLen + 1);
    if (hdrLen > p.length || p[2 + nameLen] !== 0) return err({ kind: 'badName', offset });
    const name = decodeUtf8(p.subarray(2, 2 + nameLen));
    const value = decodeValue(a.id, p.subarray(hdrLen), offset + 4 + hdrLen, depth);
    if (!value.ok) return value;
    out.push({ name, value: value.value });
  }
  return ok(out);
}

function decodeValue(type: number, v: Uint8Array, offset: number, depth: number): Result<BlobmsgValue, BlobmsgError> {
  const fixed = FIXED_LEN[type];
  if (fixed !== undefined && v.length !== fixed) return err({ kind: 'badValue', offset, type, length: v.length });
  const view = viewOf(v);
  switch (type) {
    case BlobmsgType.unspec:
      return v.length === 0 ? ok({ type: 'unspec' }) : err({ kind: 'badValue', offset, type, length: v.length });
    case BlobmsgType.array:
    case BlobmsgType.table: {
      const items = decodeBlobmsgFields(v, offset, depth + 1);
      if (!items.ok) return items;
      return ok({ type: type === BlobmsgType.array ? 'array' : 'table', items: items.value });
    }
    case BlobmsgType.string: {
      const s = decodeCString(v);
      return s === undefined ? err({ kind: 'badValue', offset, type, length: v.length }) : ok({ type: 'string', value: s });
    }
    case BlobmsgType.int64:
      return ok({ type: 'int64', value: view.getBigInt64(0) });
    case BlobmsgType.int32:
      return ok({ type: 'int32', value: view.getInt32(0) });
    case BlobmsgType.int16:
      return ok({ type: 'int16', value: view.getInt16(0) });
    case BlobmsgType.int8:
      return ok({ type: 'int8', value: view.getUint8(0) });
    case BlobmsgType.double:
      return ok({ type: 'double', value: view.getFloat64(0) });
    default:
      return err({ kind: 'unknownType', offset, type });
  }
}

export function encodeBlobmsgFields(fields: readonly BlobmsgField[]): Uint8Array {
  return concatBytes(fields.map(encodeBlobmsgField));
}

export function encodeBlobmsgField(field: BlobmsgField): Uint8Array {
  const name = encodeUtf8(field.name);
  const hdr = new Uint8Array(padTo4(2 + name.length + 1));
  hdr[0] = (name.length >> 8) & 255;
  hdr[1] = name.length & 255;
  hdr.set(name, 2);
  const v = field.value;
  return encodeAttr(BlobmsgType[v.type], true, concatBytes([hdr, encodeValueBytes(v)]));
}

function encodeValueBytes(v: BlobmsgValue): Uint8Array {
  const fixed = (n: number, write: (d: DataView) => void): Uint8Array => {
    const out = new Uint8Array(n);
    write(viewOf(out));
    return out;
  };
  switch (v.type) {
    case 'unspec':
      return new Uint8Array(0);
    case 'array':
    case 'table':
      return encodeBlobmsgFields(v.items);
    case 'string':
      return encodeCString(v.value);
    case 'int64':
      return fixed(8, (d) => d.setBigInt64(0, BigInt.asIntN(64, v.value)));
    case 'int32':
      return fixed(4, (d) => d.setUint32(0, v.value >>> 0));
    case 'int16':
      return fixed(2, (d) => d.setUint16(0, v.value & 0xffff));
    case 'int8':
      return fixed(1, (d) => d.setUint8(0, v.value & 0xff));
    case 'double':
      return fixed(8, (d) => d.setFloat64(0, v.value));
  }
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** JSON → blobmsg as `ubus call` does it: integers INT32 if they fit, else INT64; booleans INT8; other numbers DOUBLE. */
export function jsonToBlobmsg(value: JsonValue): BlobmsgValue {
  if (value === null) return { type: 'unspec' };
  if (typeof value === 'boolean') return { type: 'int8', value: value ? 1 : 0 };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      if (value >= -0x80000000 && value <= 0x7fffffff) return { type: 'int32', value };
      if (Number.isSafeInteger(value)) return { type: 'int64', value: BigInt(value) };
    }
    return { type: 'double', value };
  }
  if (typeof value === 'string') return { type: 'string', value };
  if (isJsonArray(value)) return { type: 'array', items: value.map((v) => ({ name: '', value: jsonToBlobmsg(v) })) };
  return { type: 'table', items: jsonToFields(value) };
}

export function jsonToFields(table: { readonly [key: string]: JsonValue }): BlobmsgField[] {
  return Object.entries(table).map(([name, v]) => ({ name, value: jsonToBlobmsg(v) }));
}

/** blobmsg → JSON as `ubus call` prints it: INT8 is a boolean; INT64 beyond 2^53 loses precision. */
export function blobmsgToJson(value: BlobmsgValue): JsonValue {
  switch (value.type) {
    case 'unspec':
      return null;
    case 'array':
      return value.items.map((f) => blobmsgToJson(f.value));
    case 'table':
      return fieldsToJson(value.items);
    case 'string':
    case 'int32':
    case 'int16':
    case 'double':
      return value.value;
    case 'int64':
      return Number(value.value);
    case 'int8':
      return value.value !== 0;
  }
}

/** A table's fields as a JSON object. Built on a null prototype so a field named `__proto__` is just a field. */
export function fieldsToJson(fields: readonly BlobmsgField[]): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = Object.create(null) as { [key: string]: JsonValue };
  for (const f of fields) out[f.name] = blobmsgToJson(f.value);
  return out;
}

function isJsonArray(v: JsonValue): v is readonly JsonValue[] {
  return Array.isArray(v);
}
