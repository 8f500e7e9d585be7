// Typed ubus operations over a UbusConnection: lookup, call, object
// registration, subscribe, notify and events. Each sends one request and reads
// its reply into plain values; a non-OK status becomes a UbusFailure with text.

import type { Millis } from '../core/types';
import type { BlobmsgField } from '../wire/ubus/blobmsg';
import {
  buildAddObject, buildEventRegister, buildEventSend, buildInvoke, buildLookup, buildNotify, buildPing,
  buildRemoveObject, buildSubscribe,
} from '../wire/ubus/build';
import { nameOfStatus, tableOf, UbusStatus } from '../wire/ubus/message';
import { err, ok, type Result } from '../wire/result';
import { DEFAULT_CALL_TIMEOUT_MS, type UbusConnection, type UbusHandler, type UbusReply } from './connection';

export interface UbusFailure {
  readonly status: number;
  readonly message: string;
}

export interface LookupEntry {
  readonly path: string;
  readonly objId: number;
  readonly objType: number | undefined;
  readonly signature: readonly BlobmsgField[];
}

export interface AddedObject {
  readonly objId: number;
  readonly objType: number | undefined;
}

function failure(reply: UbusReply, what: string): UbusFailure {
  const detail = reply.error !== undefined ? `: ${reply.error}` : '';
  return { status: reply.status, message: `${what} failed with ${nameOfStatus(reply.status)}${detail}` };
}

function checked(reply: UbusReply, what: string): Result<UbusReply, UbusFailure> {
  return reply.status === UbusStatus.ok ? ok(reply) : err(failure(reply, what));
}

/** Objects by path (trailing `*` = prefix); a miss is NOT_FOUND. Objects without a signature are never listed. */
export async function lookup(conn: UbusConnection, path: string | undefined, now: Millis,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<LookupEntry[], UbusFailure>> {
  const r = checked(await conn.request((seq) => buildLookup(seq, path), now, timeoutMs), `lookup of '${path ?? '*'}'`);
  if (!r.ok) return r;
  const out: LookupEntry[] = [];
  for (const m of r.value.data) {
    const t = tableOf(m);
    if (t.objpath === undefined || t.objid === undefined) continue;
    out.push({ path: t.objpath, objId: t.objid, objType: t.objtype, signature: t.signature ?? [] });
  }
  return ok(out);
}

/** Calls `method` on `objId`; the result is the DATA of every reply message, concatenated. */
export async function invoke(conn: UbusConnection, objId: number, method: string, args: readonly BlobmsgField[],
  now: Millis, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<BlobmsgField[], UbusFailure>> {
  const r = checked(await conn.request((seq) => buildInvoke(seq, objId, method, args), now, timeoutMs), `call of '${method}'`);
  if (!r.ok) return r;
  return ok(r.value.data.flatMap((m) => tableOf(m).data ?? []));
}

/**
 * Publishes an object: named with its signature, or anonymous (path undefined)
 * as a subscriber or event listener handle. INVOKEs for it go to `handler`.
 */
export async function addObject(conn: UbusConnection, path: string | undefined, signature: readonly BlobmsgField[] | undefined,
  handler: UbusHandler, now: Millis, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<AddedObject, UbusFailure>> {
  const what = path === undefined ? 'adding an anonymous object' : `adding object '${path}'`;
  const r = checked(await conn.request((seq) => buildAddObject(seq, path, signature), now, timeoutMs), what);
  if (!r.ok) {
    // A taken path answers INVALID_ARGUMENT; say the likely reason.
    if (r.error.status === UbusStatus.invalidArgument && path !== undefined) {
      return err({ ...r.error, message: `${r.error.message} (is another process holding '${path}', or is this not root?)` });
    }
    return r;
  }
  const t = r.value.data.length > 0 ? tableOf(r.value.data[0]!) : {};
  if (t.objid === undefined) return err({ status: UbusStatus.unknownError, message: `${what}: ubusd sent no object id` });
  conn.setHandler(t.objid, handler);
  return ok({ objId: t.objid, objType: t.objtype });
}

export async function removeObject(conn: UbusConnection, objId: number, now: Millis,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<void, UbusFailure>> {
  conn.removeHandler(objId);
  const r = checked(await conn.request((seq) => buildRemoveObject(seq, objId), now, timeoutMs), 'removing an object');
  return r.ok ? ok(undefined) : r;
}

/** Our anonymous object `subscriberId` receives the NOTIFYs of `targetId` as INVOKEs. */
export async function subscribe(conn: UbusConnection, subscriberId: number, targetId: number, now: Millis,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS, leave = false): Promise<Result<void, UbusFailure>> {
  const r = checked(await conn.request((seq) => buildSubscribe(seq, subscriberId, targetId, leave), now, timeoutMs),
    leave ? 'unsubscribe' : 'subscribe');
  return r.ok ? ok(undefined) : r;
}

/**
 * Publishes to our object's subscribers; resolves with the subscriber ids ubusd
 * will call. With noReply ubusd sends no STATUS, so this resolves at once.
 */
export async function notify(conn: UbusConnection, objId: number, type: string, data: readonly BlobmsgField[],
  noReply: boolean, now: Millis, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<readonly number[], UbusFailure>> {
  if (noReply) {
    const problem = conn.send((seq) => buildNotify(seq, objId, type, data, true));
    return problem === undefined ? ok([]) : err({ status: UbusStatus.connectionFailed, message: `notify '${type}': ${problem}` });
  }
  const r = checked(await conn.request((seq) => buildNotify(seq, objId, type, data, false), now, timeoutMs), `notify '${type}'`);
  if (!r.ok) return r;
  // ubusd's first STATUS lists the subscriber objects it will call.
  return ok(r.value.closing === undefined ? [] : tableOf(r.value.closing).subscribers ?? []);
}

/** ubusd answers OK whether or not anyone listens; names starting with `ubus.` are refused. */
export async function sendEvent(conn: UbusConnection, id: string, data: readonly BlobmsgField[], now: Millis,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<void, UbusFailure>> {
  const r = checked(await conn.request((seq) => buildEventSend(seq, id, data), now, timeoutMs), `event '${id}'`);
  return r.ok ? ok(undefined) : r;
}

/** Events matching `pattern` are delivered to the anonymous object `listenerId` (its handler gets caller 0). */
export async function registerEvent(conn: UbusConnection, listenerId: number, pattern: string, now: Millis,
  timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<void, UbusFailure>> {
  const r = checked(await conn.request((seq) => buildEventRegister(seq, listenerId, pattern), now, timeoutMs),
    `listening for '${pattern}'`);
  return r.ok ? ok(undefined) : r;
}

export async function ping(conn: UbusConnection, now: Millis, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Result<void, UbusFailure>> {
  const r = checked(await conn.request((seq) => buildPing(seq), now, timeoutMs), 'ping');
  return r.ok ? ok(undefined) : r;
}
