// ubus messages: the 8-byte header plus one top-level blob of ubus attributes
// (ubus-vectors README sections 2, 4, 7). decodeUbusMessage is total and
// lossless: an attribute that does not fit its typed form stays `raw`, so
// encodeUbusMessage(decoded) gives the input bytes back. No policy here.

import { u32ToBytes, viewOf } from '../bytes';
import { err, ok, type Result } from '../result';
import { concatBytes, decodeCString, encodeAttr, encodeCString, padTo4, readAttrs, readSingleAttr, type BlobError } from './blob';
import { decodeBlobmsgFields, encodeBlobmsgFields, type BlobmsgField } from './blobmsg';

export const UbusMsgType = {
  hello: 0, status: 1, data: 2, ping: 3, lookup: 4, invoke: 5, addObject: 6,
  removeObject: 7, subscribe: 8, unsubscribe: 9, notify: 10, monitor: 11,
} as const;
export type UbusMsgTypeName = keyof typeof UbusMsgType;
/** The C names (UBUS_MSG_*), as ubus tools print them. */
const TYPE_NAMES = ['HELLO', 'STATUS', 'DATA', 'PING', 'LOOKUP', 'INVOKE', 'ADD_OBJECT', 'REMOVE_OBJECT', 'SUBSCRIBE',
  'UNSUBSCRIBE', 'NOTIFY', 'MONITOR'];

export const UbusStatus = {
  ok: 0, invalidCommand: 1, invalidArgument: 2, methodNotFound: 3, notFound: 4, noData: 5,
  permissionDenied: 6, timeout: 7, notSupported: 8, unknownError: 9, connectionFailed: 10,
  noMemory: 11, parseError: 12, systemError: 13,
} as const;
/** The C names without UBUS_STATUS_, as log lines should show them. */
const STATUS_NAMES = ['OK', 'INVALID_COMMAND', 'INVALID_ARGUMENT', 'METHOD_NOT_FOUND', 'NOT_FOUND', 'NO_DATA',
  'PERMISSION_DENIED', 'TIMEOUT', 'NOT_SUPPORTED', 'UNKNOWN_ERROR', 'CONNECTION_FAILED', 'NO_MEMORY', 'PARSE_ERROR',
  'SYSTEM_ERROR'];

/** ubusd drops a client that announces a blob longer than this (UBUS_MAX_MSGLEN). */
export const UBUS_MAX_MSGLEN = 1048576;
export const UBUS_HEADER_LEN = 8;
/** ubusd's built-in objects. */
export const UBUS_EVENT_OBJECT = 1;
export const UBUS_MONITOR_OBJECT = 3;

/** Attributes in wire order. `mon*` kinds appear only in MONITOR messages, whose ids mean other things. */
export type UbusAttr =
  | { readonly kind: 'status' | 'objid' | 'objtype' | 'target'; readonly value: number }
  | { readonly kind: 'objpath' | 'method' | 'user' | 'group'; readonly value: string }
  | { readonly kind: 'active' | 'noReply'; readonly value: number }
  /** One TABLE per method; each member an INT32 naming the argument's blobmsg type. */
  | { readonly kind: 'signature'; readonly methods: readonly BlobmsgField[] }
  | { readonly kind: 'data'; readonly fields: readonly BlobmsgField[] }
  | { readonly kind: 'subscribers'; readonly ids: readonly number[] }
  | { readonly kind: 'monClient' | 'monPeer' | 'monSeq' | 'monType'; readonly value: number }
  | { readonly kind: 'monSend'; readonly value: number }
  | { readonly kind: 'monData'; readonly attrs: readonly UbusAttr[] }
  /** Unknown id, wrong size, or content that is not what the id promises. */
  | { readonly kind: 'raw'; readonly id: number; readonly extended: boolean; readonly payload: Uint8Array };

export type UbusAttrKind = UbusAttr['kind'];

export interface UbusMessage {
  readonly type: number;
  readonly seq: number;
  readonly peer: number;
  readonly attrs: readonly UbusAttr[];
}

export type UbusDecodeError =
  | { readonly kind: 'tooShort'; readonly need: number; readonly got: number }
  | { readonly kind: 'badVersion'; readonly version: number }
  | { readonly kind: 'unknownType'; readonly type: number }
  | { readonly kind: 'badLength'; readonly declared: number; readonly got: number }
  | { readonly kind: 'badTopLevel'; readonly id: number; readonly extended: boolean }
  | { readonly kind: 'badAttrs'; readonly cause: BlobError };

type Shape = 'u32' | 'u8' | 'string' | 'signature' | 'data' | 'subscribers' | 'attrs';
type Spec = readonly [UbusAttrKind, Shape];

const UBUS_ATTRS: Readonly<Record<number, Spec>> = {
  1: ['status', 'u32'], 2: ['objpath', 'string'], 3: ['objid', 'u32'], 4: ['method', 'string'],
  5: ['objtype', 'u32'], 6: ['signature', 'signature'], 7: ['data', 'data'], 8: ['target', 'u32'],
  9: ['active', 'u8'], 10: ['noReply', 'u8'], 11: ['subscribers', 'subscribers'], 12: ['user', 'string'],
  13: ['group', 'string'],
};
const MONITOR_ATTRS: Readonly<Record<number, Spec>> = {
  0: ['monClient', 'u32'], 1: ['monPeer', 'u32'], 2: ['monSend', 'u8'], 3: ['monSeq', 'u32'],
  4: ['monType', 'u32'], 5: ['monData', 'attrs'],
};
const IDS = new Map<UbusAttrKind, number>();
for (const table of [UBUS_ATTRS, MONITOR_ATTRS]) {
  for (const [id, [kind]] of Object.entries(table)) IDS.set(kind, Number(id));
}

/** The whole length of the message whose first 12 bytes are given: 8 + the top-level blob's length. */
export function readFrameLength(head: Uint8Array): number | undefined {
  if (head.length < UBUS_HEADER_LEN + 4) return undefined;
  return UBUS_HEADER_LEN + (viewOf(head).getUint32(UBUS_HEADER_LEN) & 0xffffff);
}

export function decodeUbusMessage(bytes: Uint8Array): Result<UbusMessage, UbusDecodeError> {
  const need = UBUS_HEADER_LEN + 4;
  if (bytes.length < need) return err({ kind: 'tooShort', need, got: bytes.length });
  const view = viewOf(bytes);
  const version = view.getUint8(0);
  if (version !== 0) return err({ kind: 'badVersion', version });
  const type = view.getUint8(1);
  if (type > UbusMsgType.monitor) return err({ kind: 'unknownType', type });
  const declared = UBUS_HEADER_LEN + (view.getUint32(UBUS_HEADER_LEN) & 0xffffff);
  if (declared !== bytes.length) return err({ kind: 'badLength', declared, got: bytes.length });
  const top = readSingleAttr(bytes.subarray(UBUS_HEADER_LEN));
  if (!top.ok) return err({ kind: 'badAttrs', cause: top.error });
  if (top.value.id !== 0 || top.value.extended) {
    return err({ kind: 'badTopLevel', id: top.value.id, extended: top.value.extended });
  }
  const attrs = decodeAttrs(top.value.payload, type === UbusMsgType.monitor ? MONITOR_ATTRS : UBUS_ATTRS, UBUS_HEADER_LEN + 4);
  if (!attrs.ok) return err({ kind: 'badAttrs', cause: attrs.error });
  return ok({ type, seq: view.getUint16(2), peer: view.getUint32(4), attrs: attrs.value });
}

function decodeAttrs(bytes: Uint8Array, table: Readonly<Record<number, Spec>>, baseOffset: number): Result<UbusAttr[], BlobError> {
  const raw = readAttrs(bytes, baseOffset);
  if (!raw.ok) return raw;
  return ok(raw.value.map((a) => {
    const spec = a.extended ? undefined : table[a.id];
    const typed = spec === undefined ? undefined : decodeTyped(spec, a.payload);
    return typed ?? { kind: 'raw', id: a.id, extended: a.extended, payload: a.payload };
  }));
}

function decodeTyped([kind, shape]: Spec, p: Uint8Array): UbusAttr | undefined {
  switch (shape) {
    case 'u32':
      return p.length === 4 ? ({ kind, value: viewOf(p).getUint32(0) } as UbusAttr) : undefined;
    case 'u8':
      return p.length === 1 ? ({ kind, value: p[0]! } as UbusAttr) : undefined;
    case 'string': {
      const value = decodeCString(p);
      return value === undefined ? undefined : ({ kind, value } as UbusAttr);
    }
    case 'signature':
    case 'data': {
      const fields = decodeBlobmsgFields(p);
      if (!fields.ok) return undefined;
      return shape === 'data' ? { kind: 'data', fields: fields.value } : { kind: 'signature', methods: fields.value };
    }
    case 'subscribers': {
      const items = readAttrs(p);
      if (!items.ok || items.value.some((i) => i.extended || i.id !== 0 || i.payload.length !== 4)) return undefined;
      return { kind: 'subscribers', ids: items.value.map((i) => viewOf(i.payload).getUint32(0)) };
    }
    case 'attrs': {
      const inner = decodeAttrs(p, UBUS_ATTRS, 0);
      return inner.ok ? { kind: 'monData', attrs: inner.value } : undefined;
    }
  }
}

export type UbusEncodeError = { readonly kind: 'tooLarge'; readonly size: number; readonly limit: number };

/** Encodes a message; refuses one ubusd would drop us for (blob above UBUS_MAX_MSGLEN). */
export function encodeUbusMessage(msg: UbusMessage): Result<Uint8Array, UbusEncodeError> {
  const body = concatBytes(msg.attrs.map(encodeUbusAttr));
  if (padTo4(body.length + 4) > UBUS_MAX_MSGLEN) {
    return err({ kind: 'tooLarge', size: UBUS_HEADER_LEN + 4 + body.length, limit: UBUS_MAX_MSGLEN });
  }
  const top = encodeAttr(0, false, body);
  const out = new Uint8Array(UBUS_HEADER_LEN + top.length);
  const view = viewOf(out);
  view.setUint8(1, msg.type);
  view.setUint16(2, msg.seq & 0xffff);
  view.setUint32(4, msg.peer >>> 0);
  out.set(top, UBUS_HEADER_LEN);
  return ok(out);
}

function encodeUbusAttr(a: UbusAttr): Uint8Array {
  if (a.kind === 'raw') return encodeAttr(a.id, a.extended, a.payload);
  const id = IDS.get(a.kind) ?? 0;
  switch (a.kind) {
    case 'signature':
      return encodeAttr(id, false, encodeBlobmsgFields(a.methods));
    case 'data':
      return encodeAttr(id, false, encodeBlobmsgFields(a.fields));
    case 'subscribers':
      return encodeAttr(id, false, concatBytes(a.ids.map((s) => encodeAttr(0, false, u32ToBytes(s)))));
    case 'monData':
      return encodeAttr(id, false, concatBytes(a.attrs.map(encodeUbusAttr)));
    case 'objpath':
    case 'method':
    case 'user':
    case 'group':
      return encodeAttr(id, false, encodeCString(a.value));
    case 'active':
    case 'noReply':
    case 'monSend':
      return encodeAttr(id, false, Uint8Array.of(a.value & 0xff));
    default:
      return encodeAttr(id, false, u32ToBytes(a.value));
  }
}

/** The attributes keyed by kind; like libubus's blob_parse, a repeated attribute's last copy wins. */
export interface UbusAttrTable {
  status?: number;
  objpath?: string;
  objid?: number;
  method?: string;
  objtype?: number;
  signature?: readonly BlobmsgField[];
  data?: readonly BlobmsgField[];
  target?: number;
  active?: number;
  noReply?: number;
  subscribers?: readonly number[];
  user?: string;
  group?: string;
}

export function tableOf(msg: UbusMessage): UbusAttrTable {
  const t: UbusAttrTable = {};
  for (const a of msg.attrs) {
    switch (a.kind) {
      case 'status': case 'objid': case 'objtype': case 'target': case 'active': case 'noReply':
        t[a.kind] = a.value;
        break;
      case 'objpath': case 'method': case 'user': case 'group':
        t[a.kind] = a.value;
        break;
      case 'signature':
        t.signature = a.methods;
        break;
      case 'data':
        t.data = a.fields;
        break;
      case 'subscribers':
        t.subscribers = a.ids;
        break;
      default:
        break;
    }
  }
  return t;
}

export function nameOfType(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

export function nameOfStatus(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}
