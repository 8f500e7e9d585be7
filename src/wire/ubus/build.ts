// The messages a client sends, attribute order as libubus writes them (the
// order the recorded vectors show), so our bytes equal libubus's. Pure
// constructors; the connection picks seq and sends.

import type { BlobmsgField } from './blobmsg';
import { UBUS_EVENT_OBJECT, UbusMsgType, type UbusMessage } from './message';

export function buildPing(seq: number): UbusMessage {
  return { type: UbusMsgType.ping, seq, peer: 0, attrs: [] };
}

/** No path lists every object; a trailing `*` is a prefix match. */
export function buildLookup(seq: number, path?: string): UbusMessage {
  return { type: UbusMsgType.lookup, seq, peer: 0, attrs: path === undefined ? [] : [{ kind: 'objpath', value: path }] };
}

/** DATA is always present, even empty: libubus in the owner refuses an INVOKE without it. */
export function buildInvoke(seq: number, objId: number, method: string, data: readonly BlobmsgField[]): UbusMessage {
  return {
    type: UbusMsgType.invoke,
    seq,
    peer: objId,
    attrs: [{ kind: 'objid', value: objId }, { kind: 'method', value: method }, { kind: 'data', fields: data }],
  };
}

/** A named object with its signature, or (path undefined) an anonymous one for listening or subscribing. */
export function buildAddObject(seq: number, path?: string, signature?: readonly BlobmsgField[]): UbusMessage {
  const attrs: UbusMessage['attrs'][number][] = [];
  if (path !== undefined) attrs.push({ kind: 'objpath', value: path });
  if (signature !== undefined) attrs.push({ kind: 'signature', methods: signature });
  return { type: UbusMsgType.addObject, seq, peer: 0, attrs };
}

export function buildRemoveObject(seq: number, objId: number): UbusMessage {
  return { type: UbusMsgType.removeObject, seq, peer: 0, attrs: [{ kind: 'objid', value: objId }] };
}

export function buildSubscribe(seq: number, subscriberId: number, targetId: number, leave = false): UbusMessage {
  return {
    type: leave ? UbusMsgType.unsubscribe : UbusMsgType.subscribe,
    seq,
    peer: 0,
    attrs: [{ kind: 'objid', value: subscriberId }, { kind: 'target', value: targetId }],
  };
}

export function buildNotify(seq: number, objId: number, type: string, data: readonly BlobmsgField[], noReply: boolean): UbusMessage {
  const attrs: UbusMessage['attrs'][number][] = [
    { kind: 'objid', value: objId },
    { kind: 'method', value: type },
    { kind: 'data', fields: data },
  ];
  if (noReply) attrs.push({ kind: 'noReply', value: 1 });
  return { type: UbusMsgType.notify, seq, peer: objId, attrs };
}

/** An event is an INVOKE of ubusd's object 1, method `send`. */
export function buildEventSend(seq: number, id: string, data: readonly BlobmsgField[]): UbusMessage {
  return buildInvoke(seq, UBUS_EVENT_OBJECT, 'send', [
    { name: 'id', value: { type: 'string', value: id } },
    { name: 'data', value: { type: 'table', items: data } },
  ]);
}

/** Events matching `pattern` (trailing `*` = prefix) are delivered as INVOKEs to `listenerId`. */
export function buildEventRegister(seq: number, listenerId: number, pattern: string): UbusMessage {
  return buildInvoke(seq, UBUS_EVENT_OBJECT, 'register', [
    { name: 'object', value: { type: 'int32', value: listenerId | 0 } },
    { name: 'pattern', value: { type: 'string', value: pattern } },
  ]);
}

/** An object owner's DATA reply to an INVOKE: seq and peer copied from it. */
export function buildReplyData(seq: number, callerId: number, objId: number, data: readonly BlobmsgField[]): UbusMessage {
  return { type: UbusMsgType.data, seq, peer: callerId, attrs: [{ kind: 'objid', value: objId }, { kind: 'data', fields: data }] };
}

/** The owner's closing STATUS; OBJID is mandatory or ubusd drops it. */
export function buildReplyStatus(seq: number, callerId: number, objId: number, status: number): UbusMessage {
  return { type: UbusMsgType.status, seq, peer: callerId, attrs: [{ kind: 'status', value: status }, { kind: 'objid', value: objId }] };
}
