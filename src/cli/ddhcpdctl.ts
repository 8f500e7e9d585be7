// ddhcpdctl: sends one control request to ddhcpd (ours or the C one, same bytes)
// and prints the reply unchanged, or as JSON with --json (rendered here from the
// text, so it works against the C daemon too). Every failure exits 1 with one line.

import net from 'node:net';
import { parseBlockTable } from '../present/block-table';
import { parseOptionStore } from '../present/option-store';
import { parseStatistics, statisticsToJson } from '../present/statistics';
import { encodeControlRequest, type ControlRequest } from '../wire/control';
import { err, ok, type Result } from '../wire/result';
import { isQuery, parseCtlArgs, USAGE } from './ddhcpdctl-args';

declare const __DDHCPD_REVISION__: string | undefined;
const REVISION = typeof __DDHCPD_REVISION__ === 'string' ? __DDHCPD_REVISION__ : 'ddhcpd-ts (unknown revision)';
/** A reply larger than this is not a ddhcpd reply (C's -s on a /8 with block size 1 is ~300 MB: refuse it). */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

async function main(argv: readonly string[]): Promise<number> {
  const plan = parseCtlArgs(argv);
  if (!plan.ok) return fail(plan.error);
  if (plan.value.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (plan.value.kind === 'version') {
    process.stdout.write(`Revision: ${REVISION}\n`);
    return 0;
  }
  const { path, request, json, timeoutSec } = plan.value;
  const reply = await exchange(path, encodeControlRequest(request), timeoutSec * 1000);
  if (!reply.ok) return fail(reply.error);
  const bytes = reply.value;
  const text = bytes.toString('latin1');
  if (text.startsWith('ERROR:')) return fail(`daemon refused the request: ${text.slice(6).split('\n')[0]?.trim() ?? ''}`);
  if (bytes.length === 0 && isQuery(request)) {
    // The C daemon answers nothing to -s/-S unless built with statistics.
    return fail('the daemon sent no reply (a C ddhcpd built without statistics ignores -s and -S)');
  }
  if (!json) {
    process.stdout.write(bytes);
    return 0;
  }
  const rendered = renderJson(request, text);
  if (!rendered.ok) return fail(`unexpected reply from the daemon: ${rendered.error}`);
  process.stdout.write(rendered.value);
  return 0;
}

function renderJson(request: ControlRequest, text: string): Result<string, string> {
  const pretty = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
  switch (request.kind) {
    case 'showBlocks': {
      const t = parseBlockTable(text);
      return t.ok ? ok(pretty(t.value)) : t;
    }
    case 'showOptions': {
      const s = parseOptionStore(text);
      return s.ok ? ok(pretty(s.value)) : s;
    }
    case 'statistics':
    case 'statisticsReset': {
      const s = parseStatistics(text);
      return s.ok ? ok(statisticsToJson(s.value)) : s;
    }
    default:
      return err(`no JSON form for ${request.kind}`);
  }
}

/** One write, no half-close (the C client does the same), then everything until EOF. */
function exchange(path: string, request: Uint8Array, timeoutMs: number): Promise<Result<Buffer, string>> {
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

function fail(message: string): number {
  process.stderr.write(`ddhcpdctl: ${message}\n`);
  return 1;
}

// `ddhcpdctl -b | head` closes our stdout early: stop quietly, as a C tool killed by SIGPIPE would.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ddhcpdctl: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
