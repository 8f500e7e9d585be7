// One ubusd connection as a sans-IO machine: decoded messages and `now` go in,
// encoded messages leave through `transmit`. It owns the seq counter, the table
// of requests waiting for STATUS (with their deadlines), and the dispatch of
// INVOKEs to our objects. No sockets or timers here (socket-driver.ts has them).

import type { Millis } from '../core/types';
import type { BlobmsgField } from '../wire/ubus/blobmsg';
import { buildReplyData, buildReplyStatus } from '../wire/ubus/build';
import { encodeUbusMessage, tableOf, UbusMsgType, UbusStatus, type UbusMessage } from '../wire/ubus/message';

export interface UbusReply {
  readonly status: number;
  /** The DATA messages that came before the STATUS, in order. */
  readonly data: readonly UbusMessage[];
  /** The STATUS message itself (a NOTIFY's lists SUBSCRIBERS); absent for local statuses. */
  readonly closing?: UbusMessage;
  /** Set when the status was produced here (timeout, closed, too large), not by ubusd. */
  readonly error?: string;
}

export interface UbusInvocation {
  readonly seq: number;
  readonly objId: number;
  readonly method: string;
  /** Undefined when the INVOKE had no DATA or its DATA was not blobmsg. */
  readonly args: readonly BlobmsgField[] | undefined;
  /** The caller's client id; 0 for an event delivery. */
  readonly caller: number;
  readonly user: string | undefined;
  readonly group: string | undefined;
  readonly noReply: boolean;
}

export interface UbusResponse {
  readonly status: number;
  readonly data?: readonly BlobmsgField[];
}

export type UbusHandler = (inv: UbusInvocation) => UbusResponse | Promise<UbusResponse>;

export interface UbusConnectionEvents {
  /** ubusd greeted us; requests may be sent from now on. */
  onHello?(clientId: number): void;
  /** Our object `objId` got its first subscriber (true) or lost its last (false). */
  onActive?(objId: number, active: boolean): void;
  /** The object our subscriber watched went away. */
  onUnsubscribed?(subscriberId: number, targetId: number): void;
  /** A handler threw or rejected; it was answered with UNKNOWN_ERROR. */
  onHandlerError?(method: string, error: unknown): void;
  /** A reply we were not waiting for (late, after a timeout) or a message type a client never gets. */
  onUnexpected?(msg: UbusMessage): void;
}

interface Pending {
  readonly deadline: Millis;
  readonly data: UbusMessage[];
  readonly resolve: (reply: UbusReply) => void;
}

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export class UbusConnection {
  private nextSeq = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly objects = new Map<number, UbusHandler>();
  private helloId: number | undefined;
  private closedReason: string | undefined;

  constructor(
    private readonly transmit: (bytes: Uint8Array) => void,
    private readonly events: UbusConnectionEvents = {},
  ) {}

  /** Our client id once HELLO arrived. */
  get clientId(): number | undefined {
    return this.helloId;
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Sends a request built for the next seq and resolves on its STATUS, a timeout, or close. */
  request(build: (seq: number) => UbusMessage, now: Millis, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<UbusReply> {
    if (this.closedReason !== undefined) return Promise.resolve(local(UbusStatus.connectionFailed, this.closedReason));
    if (this.helloId === undefined) return Promise.resolve(local(UbusStatus.connectionFailed, 'ubusd has not sent HELLO yet'));
    const seq = this.nextSeq;
    const msg = build(seq);
    const bytes = encodeUbusMessage(msg);
    if (!bytes.ok) {
      const { size, limit } = bytes.error;
      return Promise.resolve(local(UbusStatus.invalidArgument, `message of ${size} bytes exceeds ubusd's limit of ${limit} bytes`));
    }
    this.nextSeq = (seq + 1) & 0xffff;
    const key = keyOf(seq, msg.peer);
    this.pending.get(key)?.resolve(local(UbusStatus.unknownError, 'seq reused while a request was still waiting'));
    return new Promise((resolve) => {
      this.pending.set(key, { deadline: now + timeoutMs, data: [], resolve });
      this.transmit(bytes.value);
    });
  }

  /** Sends a message that gets no reply (a NO_REPLY notify); undefined on success, else why not. */
  send(build: (seq: number) => UbusMessage): string | undefined {
    if (this.closedReason !== undefined) return this.closedReason;
    if (this.helloId === undefined) return 'ubusd has not sent HELLO yet';
    const bytes = encodeUbusMessage(build(this.nextSeq));
    if (!bytes.ok) return `message of ${bytes.error.size} bytes exceeds ubusd's limit of ${bytes.error.limit} bytes`;
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    this.transmit(bytes.value);
    return undefined;
  }

  /** Routes INVOKEs for `objId` to `handler` (our named object, a subscriber or an event listener). */
  setHandler(objId: number, handler: UbusHandler): void {
    this.objects.set(objId, handler);
  }

  removeHandler(objId: number): void {
    this.objects.delete(objId);
  }

  /** `now` is unused today (replies carry no time) but keeps every input of the machine alike. */
  handleMessage(msg: UbusMessage, _now: Millis): void {
    if (this.closedReason !== undefined) return;
    switch (msg.type) {
      case UbusMsgType.hello:
        if (this.helloId === undefined) {
          this.helloId = msg.peer;
          this.events.onHello?.(msg.peer);
        }
        return;
      case UbusMsgType.data:
      case UbusMsgType.status:
        this.handleReply(msg);
        return;
      case UbusMsgType.invoke:
        this.handleInvoke(msg);
        return;
      case UbusMsgType.notify: {
        const t = tableOf(msg);
        if (t.objid !== undefined && t.active !== undefined) this.events.onActive?.(t.objid, t.active !== 0);
        return;
      }
      case UbusMsgType.unsubscribe: {
        const t = tableOf(msg);
        if (t.objid !== undefined && t.target !== undefined) this.events.onUnsubscribed?.(t.objid, t.target);
        return;
      }
      default:
        this.events.onUnexpected?.(msg);
    }
  }

  /** Fails every request whose deadline has passed; harmless when none has. */
  handleTimeout(now: Millis): void {
    for (const [key, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(key);
        p.resolve(local(UbusStatus.timeout, 'no reply in time'));
      }
    }
  }

  nextDeadline(): Millis | undefined {
    let min: Millis | undefined;
    for (const p of this.pending.values()) if (min === undefined || p.deadline < min) min = p.deadline;
    return min;
  }

  /** The socket is gone: every waiting request fails with CONNECTION_FAILED; replies in flight are dropped. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.objects.clear();
    for (const p of waiting) p.resolve(local(UbusStatus.connectionFailed, reason));
  }

  private handleReply(msg: UbusMessage): void {
    const key = keyOf(msg.seq, msg.peer);
    const p = this.pending.get(key);
    if (p === undefined) {
      this.events.onUnexpected?.(msg);
      return;
    }
    if (msg.type === UbusMsgType.data) {
      p.data.push(msg);
      return;
    }
    this.pending.delete(key);
    p.resolve({ status: tableOf(msg).status ?? UbusStatus.unknownError, data: p.data, closing: msg });
  }

  private handleInvoke(msg: UbusMessage): void {
    const t = tableOf(msg);
    const noReply = (t.noReply ?? 0) !== 0;
    const objId = t.objid ?? 0;
    const handler = this.objects.get(objId);
    // Like libubus: answer even event deliveries (peer 0; ubusd discards it), unless NO_REPLY.
    const reply = (r: UbusResponse): void => {
      if (noReply || this.closedReason !== undefined) return;
      let status = r.status;
      if (r.data !== undefined) {
        const data = encodeUbusMessage(buildReplyData(msg.seq, msg.peer, objId, r.data));
        if (data.ok) {
          this.transmit(data.value);
        } else {
          status = UbusStatus.noMemory;
          this.events.onHandlerError?.(t.method ?? '', new Error(
            `reply of ${data.error.size} bytes exceeds ubusd's limit of ${data.error.limit} bytes; sent NO_MEMORY instead`));
        }
      }
      const closing = encodeUbusMessage(buildReplyStatus(msg.seq, msg.peer, objId, status));
      if (closing.ok) this.transmit(closing.value);
    };
    if (handler === undefined || t.method === undefined) {
      reply({ status: handler === undefined ? UbusStatus.notFound : UbusStatus.invalidArgument });
      return;
    }
    const inv: UbusInvocation = {
      seq: msg.seq, objId, method: t.method, args: t.data, caller: msg.peer, user: t.user, group: t.group, noReply,
    };
    const fail = (e: unknown): void => {
      this.events.onHandlerError?.(inv.method, e);
      reply({ status: UbusStatus.unknownError });
    };
    try {
      const r = handler(inv);
      if (r instanceof Promise) r.then(reply, fail);
      else reply(r);
    } catch (e) {
      fail(e);
    }
  }
}

function keyOf(seq: number, peer: number): string {
  return `${seq}:${peer >>> 0}`;
}

function local(status: number, error: string): UbusReply {
  return { status, data: [], error };
}
