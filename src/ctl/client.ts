// One request over ddhcpd's control socket (ours or the C daemon's, same
// bytes) and its whole reply: used by ddhcpdctl and the Gluon gateway follower.
// Every failure is one line that names the socket; nothing throws.

import net from 'node:net';
import { err, ok, type Result } from '../wire/result';

/** A reply larger than this is not a ddhcpd reply (C's -s on a /8 with block size 1 is ~300 MB: refuse it). */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** One write, no half-close (the C client does the same), then everything until EOF. */
export function exchangeControl(path: string, request: Uint8Array, timeoutMs: number): Promise<Result<Buffer, string>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    const socket = net.connect(path);
    const done = (r: Result<Buffer, string>): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(err(`no reply from the daemon on ${path} within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) return done(err(`reply from ${path} exceeds ${MAX_REPLY_BYTES} bytes`));
      chunks.push(chunk);
    });
    socket.once('end', () => done(ok(Buffer.concat(chunks, size))));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (!connected) {
        done(err(`cannot connect to control socket ${path}: ${describeErrno(e)}; the daemon may not be running`));
      } else {
        done(err(`connection to the daemon on ${path} failed: ${describeErrno(e)}`));
      }
    });
  });
}

function describeErrno(e: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    ECONNREFUSED: 'connection refused',
    EACCES: 'permission denied',
    ENOTSOCK: 'not a socket',
    ECONNRESET: 'connection reset by the daemon',
    EPIPE: 'the daemon closed the connection early',
  };
  const what = e.code !== undefined ? known[e.code] : undefined;
  return what !== undefined ? `${what} (${e.code ?? ''})` : e.message;
}

