// The control socket: a unix stream socket speaking the C ddhcpd's request
// bytes (codec.ts), one request per connection, reply then close. Owns
// the socket file, per-connection timers and the connection bound; state is
// read and changed only through DaemonApi.

import { lstat, unlink, chmod } from 'node:fs/promises';
import net from 'node:net';
import type { DaemonApi } from '../driver/daemon-api';
import { formatBlockTable } from './block-table';
import { formatOptionStore } from './option-store';
import { formatStatistics } from './statistics';
import {
  decodeControlRequest,
  describeControlDecodeError,
  measureControlRequest,
  MAX_CONTROL_REQUEST_BYTES,
  type ControlRequest,
} from './codec';
import type { Logger } from '../io/log';

export interface ControlServerOptions {
  readonly path: string;
  readonly api: DaemonApi;
  readonly log: Logger;
  /** A connection that sends nothing is answered with an error and closed after this (C waits forever). */
  readonly idleTimeoutMs?: number;
  /** How long after the first byte the rest of a split request may take to arrive. */
  readonly collectMs?: number;
  readonly maxConnections?: number;
}

export interface ControlServer {
  close(): Promise<void>;
}

const DEFAULT_IDLE_MS = 5000;
const DEFAULT_COLLECT_MS = 100;
const DEFAULT_MAX_CONNECTIONS = 16;
/** After replying we keep reading (so closing never resets the peer), but not forever. */
const LINGER_MS = 2000;
/** A client that does not read its reply gives up its connection slot after this. */
const REPLY_DEADLINE_MS = 30_000;
const DRAIN_CAP_BYTES = 64 * 1024;

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { path, api, log } = opts;
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  const collectMs = opts.collectMs ?? DEFAULT_COLLECT_MS;
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const sockets = new Set<net.Socket>();
  let active = 0;

  await removeStaleSocket(path);
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (e) => log.debug(`control socket: connection error: ${e.message}`));
    if (active >= maxConnections) {
      api.stats.add('ctl.refused');
      log.once('ctl.refused', 2, `control socket: more than ${maxConnections} connections, refusing`);
      finish(socket, 'ERROR: too many control connections\n');
      return;
    }
    active++;
    socket.once('close', () => active--);
    api.stats.add('ctl.connections');
    serveConnection(socket, { api, log, idleMs, collectMs });
  });
  await listenPrivately(server, path);
  server.on('error', (e) => log.error(`control socket ${path}: ${e.message}`));
  const { ino } = await lstat(path);

  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      // Leave the file alone if another daemon has replaced it meanwhile.
      const now = await lstat(path).catch(() => undefined);
      if (now?.ino === ino) await unlink(path).catch(() => undefined);
    },
  };
}

interface ConnectionContext {
  readonly api: DaemonApi;
  readonly log: Logger;
  readonly idleMs: number;
  readonly collectMs: number;
}

function serveConnection(socket: net.Socket, ctx: ConnectionContext): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let answered = false;
  let collectTimer: NodeJS.Timeout | undefined;
  const idleTimer = setTimeout(() => {
    ctx.api.stats.addDrop('ctl', 'idle');
    answer(`ERROR: no request within ${Math.round(ctx.idleMs / 1000)} s\n`);
  }, ctx.idleMs);

  const answer = (reply: string): void => {
    if (answered) return;
    answered = true;
    clearTimeout(idleTimer);
    clearTimeout(collectTimer);
    finish(socket, reply);
  };
  const handleCollected = (): void => answer(replyTo(Buffer.concat(chunks, received), ctx));

  socket.on('data', (chunk: Buffer) => {
    if (answered) return;
    chunks.push(chunk);
    received += chunk.length;
    // Over the cap: decode says tooLong without looking at the rest.
    if (received > MAX_CONTROL_REQUEST_BYTES) return handleCollected();
    const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, received);
    const need = measureControlRequest(head);
    if (need !== undefined && received >= need) return handleCollected();
    collectTimer ??= setTimeout(handleCollected, ctx.collectMs);
  });
  socket.on('end', () => {
    if (!answered) handleCollected();
  });
}

function replyTo(bytes: Uint8Array, ctx: ConnectionContext): string {
  const decoded = decodeControlRequest(bytes);
  if (!decoded.ok) {
    const why = describeControlDecodeError(decoded.error);
    ctx.api.stats.addDrop('ctl', decoded.error.kind);
    ctx.log.info(`control socket: refused request: ${why}`);
    return `ERROR: ${why}\n`;
  }
  try {
    return perform(decoded.value, ctx.api, ctx.log);
  } catch (e) {
    // A bug behind one request must not take the daemon (and its leases) down.
    const msg = e instanceof Error ? e.message : String(e);
    ctx.log.error(`control socket: ${decoded.value.kind} failed: ${e instanceof Error ? e.stack : msg}`);
    return `ERROR: internal error: ${msg.split('\n')[0] ?? ''}\n`;
  }
}

function perform(req: ControlRequest, api: DaemonApi, log: Logger): string {
  log.debug(`control socket: ${req.kind}`);
  switch (req.kind) {
    case 'showBlocks':
      return formatBlockTable(api.view(), api.now());
    case 'showOptions':
      return formatOptionStore(api.view());
    case 'statistics':
      return formatStatistics(api.stats, api.view());
    case 'statisticsReset': {
      const text = formatStatistics(api.stats, api.view());
      api.stats.reset();
      return text;
    }
    case 'setOption':
      api.setOption({ code: req.code, payload: req.payload });
      return '';
    case 'removeOption':
      api.removeOption(req.code);
      return '';
    case 'setLogLevel':
      api.setLogLevel(req.level);
      return '';
  }
}

/**
 * Sends the reply and our FIN, then keeps reading until the peer closes: closing
 * with unread bytes would reset the connection and the C ddhcpdctl would print
 * garbage (README "ddhcpdctl (client) behaviour"). Bounded in time and bytes.
 */
function finish(socket: net.Socket, reply: string): void {
  let drained = 0;
  let linger: NodeJS.Timeout | undefined;
  const deadline = setTimeout(() => socket.destroy(), REPLY_DEADLINE_MS);
  deadline.unref();
  // Linger only once the reply is out: a large -b must not be cut off for a slow reader.
  socket.once('finish', () => {
    linger = setTimeout(() => socket.destroy(), LINGER_MS);
    linger.unref();
  });
  socket.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_CAP_BYTES) socket.destroy();
  });
  socket.on('end', () => {
    if (socket.writableFinished) socket.destroy();
  });
  socket.on('close', () => {
    clearTimeout(deadline);
    clearTimeout(linger);
  });
  socket.end(reply);
  socket.resume();
}

/** C unlinks whatever is at the path; we only remove a socket nobody answers on. */
async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (st === undefined) return;
  if (!st.isSocket()) throw new Error(`control socket path ${path} exists and is not a socket; not removing it`);
  if (await isListening(path)) throw new Error(`control socket ${path} is in use: is another ddhcpd running?`);
  await unlink(path);
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    const done = (alive: boolean): void => {
      probe.destroy();
      resolve(alive);
    };
    probe.setTimeout(500, () => done(false));
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/** bind() happens inside listen(); the umask keeps the file 0600 from its first moment. */
async function listenPrivately(server: net.Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(old);
    }
  });
  await chmod(path, 0o600);
}
