// A stand-in ubusd for tests that only REPLAYS recorded traffic: on a temp unix
// socket it sends the recorded ubusd->client messages in order and, at each
// recorded client->ubusd message, waits for our client's next message and
// compares the bytes. It never makes up a reply of its own.

import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../../../src/wire/bytes';
import { UbusFrameReader } from '../../../src/wire/ubus/frame';
import type { RecordedMessage } from './scenarios';

export interface ReplayOutcome {
  /** Client messages that equalled the recording. */
  readonly matched: number;
  readonly mismatches: string[];
  /** Client messages after the script ended. */
  readonly extra: string[];
  /** The whole script was played. */
  readonly finished: boolean;
}

export interface ReplayServer {
  readonly path: string;
  /** One outcome per accepted connection, resolved when that connection closes. */
  readonly outcomes: Promise<ReplayOutcome>[];
  /** Resolves when the n-th connection (0-based) has been accepted. */
  accepted(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface ReplayOptions {
  /** Close the connection after the script (as a restarting ubusd would). Default: keep it open. */
  readonly closeAtEnd?: boolean;
  /** Where to listen; default a fresh temp dir. */
  readonly path?: string;
}

/** Serves `scripts[i]` to the i-th connection; connections beyond the scripts are closed at once. */
export async function startReplay(scripts: readonly (readonly RecordedMessage[])[], opts: ReplayOptions = {}): Promise<ReplayServer> {
  const dir = opts.path === undefined ? mkdtempSync(join(tmpdir(), 'ubus-replay-')) : undefined;
  const path = opts.path ?? join(dir!, 'ubus.sock');
  const outcomes: Promise<ReplayOutcome>[] = [];
  const waiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const script = scripts[outcomes.length];
    if (script === undefined) {
      socket.destroy();
      return;
    }
    outcomes.push(play(socket, script, opts.closeAtEnd === true));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    outcomes,
    accepted: async (n) => {
      while (outcomes.length <= n) await new Promise<void>((r) => waiters.push(r));
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

function play(socket: Socket, script: readonly RecordedMessage[], closeAtEnd: boolean): Promise<ReplayOutcome> {
  return new Promise((resolve) => {
    const reader = new UbusFrameReader();
    const received: Uint8Array[] = [];
    const mismatches: string[] = [];
    const extra: string[] = [];
    let matched = 0;
    let pos = 0;
    let closed = false;
    const advance = (): void => {
      while (pos < script.length && !closed) {
        const m = script[pos]!;
        if (m.dir === 'ubusd->client') {
          socket.write(m.bytes);
        } else {
          const got = received.shift();
          if (got === undefined) return;
          if (bytesToHex(got) === m.hex) matched++;
          else mismatches.push(`${m.scenario} ${m.note.slice(0, 60)}\n  want ${m.hex}\n  got  ${bytesToHex(got)}`);
        }
        pos++;
      }
      if (pos >= script.length) {
        extra.push(...received.splice(0).map(bytesToHex));
        if (closeAtEnd && !closed) socket.end();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      const frames = reader.push(chunk);
      if (!frames.ok) {
        mismatches.push(`client stream broken: ${JSON.stringify(frames.error)}`);
        socket.destroy();
        return;
      }
      received.push(...frames.value);
      advance();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ matched, mismatches, extra, finished: pos >= script.length });
    });
    advance();
  });
}
