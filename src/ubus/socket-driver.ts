// The IO half of a ubus connection: a unix socket, the frame reader, and one
// timer armed from the machine's next deadline. Everything protocol-related is
// in connection.ts; this file only moves bytes and time into it.

import { createConnection, type Socket } from 'node:net';
import type { Millis } from '../core/types';
import { err, ok, type Result } from '../wire/result';
import { UbusFrameReader } from '../wire/ubus/frame';
import { decodeUbusMessage, type UbusDecodeError } from '../wire/ubus/message';
import { UbusConnection, type UbusConnectionEvents } from './connection';

/** Since ubus 13a4438 (OpenWrt 21.02); OpenWrt 19.07 and older used the second. */
export const DEFAULT_UBUS_SOCKETS: readonly string[] = ['/var/run/ubus/ubus.sock', '/var/run/ubus.sock'];

export interface UbusLink {
  readonly conn: UbusConnection;
  readonly path: string;
  /** Resolves with the reason once the socket is closed, by either side. */
  readonly closed: Promise<string>;
  close(): void;
}

export interface ConnectError {
  /** errno code (ENOENT: no ubusd there; ECONNREFUSED: stale socket) or 'timeout' / 'closed'. */
  readonly code: string;
  readonly message: string;
}

export interface ConnectOptions {
  readonly now: () => Millis;
  /** How long to wait for the socket and ubusd's HELLO. */
  readonly timeoutMs: number;
  readonly events?: UbusConnectionEvents;
  /** A message that is framed correctly but does not decode; it is skipped. */
  readonly onDecodeError?: (error: UbusDecodeError) => void;
}

export function connectUbus(path: string, opts: ConnectOptions): Promise<Result<UbusLink, ConnectError>> {
  return new Promise((resolve) => {
    let settled = false;
    let failure: ConnectError | undefined;
    let timer: NodeJS.Timeout | undefined;
    let resolveClosed: (reason: string) => void = () => undefined;
    const closed = new Promise<string>((r) => (resolveClosed = r));
    const socket: Socket = createConnection({ path });
    const reader = new UbusFrameReader();

    const rearm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const deadline = conn.nextDeadline();
      if (deadline === undefined || socket.destroyed) return;
      timer = setTimeout(() => {
        timer = undefined;
        conn.handleTimeout(opts.now());
        rearm();
      }, Math.max(0, deadline - opts.now()));
    };
    const conn = new UbusConnection(
      (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
        rearm();
      },
      {
        ...opts.events,
        onHello: (id) => {
          opts.events?.onHello?.(id);
          clearTimeout(helloTimer);
          settled = true;
          resolve(ok(link));
        },
      },
    );
    const link: UbusLink = { conn, path, closed, close: () => socket.destroy() };
    const helloTimer = setTimeout(() => {
      failure = { code: 'timeout', message: `no HELLO from ubusd on ${path} within ${opts.timeoutMs} ms` };
      socket.destroy();
    }, opts.timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      const frames = reader.push(chunk);
      if (!frames.ok) {
        failure = { code: 'protocol', message: `ubusd sent a message of ${frames.error.size} bytes; dropping the connection` };
        socket.destroy();
        return;
      }
      for (const frame of frames.value) {
        const msg = decodeUbusMessage(frame);
        if (msg.ok) conn.handleMessage(msg.value, opts.now());
        else opts.onDecodeError?.(msg.error);
      }
      rearm();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      failure ??= { code: e.code ?? 'error', message: `${path}: ${e.message}` };
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (timer !== undefined) clearTimeout(timer);
      const reason = failure?.message ?? `ubusd closed the connection on ${path}`;
      conn.close(reason);
      resolveClosed(reason);
      if (!settled) {
        settled = true;
        resolve(err(failure ?? { code: 'closed', message: reason }));
      }
    });
  });
}

/** Tries each path in turn; a missing socket (ENOENT) moves on, any other failure is the answer. */
export async function connectFirst(paths: readonly string[], opts: ConnectOptions): Promise<Result<UbusLink, ConnectError>> {
  let last: ConnectError = { code: 'ENOENT', message: 'no ubus socket path given' };
  for (const path of paths) {
    const r = await connectUbus(path, opts);
    if (r.ok || r.error.code !== 'ENOENT') return r;
    last = r.error;
  }
  return err({ code: last.code, message: `no ubus socket at ${paths.join(' or ')}` });
}
