// ddhcpdctl's command line: the C tool's flags (getopt style, clustered flags
// and attached values allowed) turned into one request or a one-line error.
// Stricter than C: values are checked, not truncated, and only one command is allowed.

import { parseIntInRange, parseOptionSpec } from '../config/parse';
import { u32ToBytes } from '../wire/bytes';
import type { ControlRequest } from '../ctl/codec';
import { err, ok, type Result } from '../wire/result';

export const DEFAULT_CONTROL_PATH = '/tmp/ddhcpd_ctl';
export const DEFAULT_TIMEOUT_SEC = 10;
/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export type CtlPlan =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'request';
      readonly path: string;
      readonly request: ControlRequest;
      readonly json: boolean;
      readonly timeoutSec: number;
    };

const VALUE_FLAGS = new Set(['o', 'r', 'l', 'v', 'C', 't']);
const PLAIN_FLAGS = new Set(['h', 'V', 'b', 'd', 's', 'S']);

export const USAGE = `Usage: ddhcpdctl [-C PATH] [-t SECONDS] [--json] -b|-d|-s|-S
       ddhcpdctl [-C PATH] [-t SECONDS] -o CODE:LEN:P1.P2...|-r CODE|-l SECONDS|-v LEVEL
       ddhcpdctl -h|-V

-h                     This usage information
-V                     Print build revision
-b                     Show current block usage
-d                     Show the current DHCP option store
-s                     Print statistics
-S                     Print statistics and reset the counters
-o CODE:LEN:P1.P2...   Set DHCP option CODE (1-254) to LEN bytes given in decimal,
                       e.g. -o 3:4:10.116.254.254 (router)
-r CODE                Remove DHCP option CODE
-l SECONDS             Set the DHCP lease time (option 51)
-v LEVEL               Set the daemon's log level (0 fatal, 1 error, 2 warning, 3 info, 4 debug)
-C PATH                Path to the control socket (default ${DEFAULT_CONTROL_PATH})
-t SECONDS             Wait at most SECONDS for the reply (default ${DEFAULT_TIMEOUT_SEC})
--json                 With -b, -d, -s or -S: print the reply as JSON
`;

interface Flag {
  readonly name: string;
  readonly value: string | undefined;
}

export function parseCtlArgs(argv: readonly string[]): Result<CtlPlan, string> {
  if (argv.length === 0) return ok({ kind: 'help' });
  const flags = splitFlags(argv);
  if (!flags.ok) return flags;
  let path = DEFAULT_CONTROL_PATH;
  let json = false;
  let timeoutSec = DEFAULT_TIMEOUT_SEC;
  const commands: { flag: string; request: ControlRequest }[] = [];
  for (const { name, value = '' } of flags.value) {
    switch (name) {
      case 'h':
      case 'help':
        return ok({ kind: 'help' });
      case 'V':
      case 'version':
        return ok({ kind: 'version' });
      case 'json':
        json = true;
        break;
      case 'C':
        if (value === '') return err('-C needs a socket path');
        if (Buffer.byteLength(value) > MAX_SOCKET_PATH_BYTES) return err(`-C: path is longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
        path = value;
        break;
      case 't': {
        // C lists t: in its getopt string but never handles it; here it bounds the wait.
        const t = parseIntInRange(value, 1, 3600);
        if (!t.ok) return err(`-t: timeout ${t.error}`);
        timeoutSec = t.value;
        break;
      }
      default: {
        const request = parseCommand(name, value);
        if (!request.ok) return request;
        commands.push({ flag: `-${name}`, request: request.value });
      }
    }
  }
  const [first, second] = commands;
  if (first === undefined) return err('no command given; use one of -b -d -s -S -o -r -l -v (see -h)');
  // C silently sends only one of several commands (the last, or any -o); we say so instead.
  if (second !== undefined) return err(`give one command only, not ${first.flag} and ${second.flag}`);
  if (json && !isQuery(first.request)) return err('--json works with -b, -d, -s and -S only');
  return ok({ kind: 'request', path, request: first.request, json, timeoutSec });
}

export function isQuery(req: ControlRequest): boolean {
  return req.kind === 'showBlocks' || req.kind === 'showOptions' || req.kind === 'statistics' || req.kind === 'statisticsReset';
}

function parseCommand(name: string, value: string): Result<ControlRequest, string> {
  switch (name) {
    case 'b':
      return ok({ kind: 'showBlocks' });
    case 'd':
      return ok({ kind: 'showOptions' });
    case 's':
      return ok({ kind: 'statistics' });
    case 'S':
      return ok({ kind: 'statisticsReset' });
    case 'o': {
      const o = parseOptionSpec(value);
      return o.ok ? ok({ kind: 'setOption', code: o.value.code, payload: o.value.payload }) : err(`-o: ${o.error}`);
    }
    case 'r': {
      const code = parseIntInRange(value, 1, 254);
      return code.ok ? ok({ kind: 'removeOption', code: code.value }) : err(`-r: option code ${code.error}`);
    }
    case 'l': {
      const secs = parseIntInRange(value, 1, 0xffffffff);
      if (!secs.ok) return err(`-l: lease time ${secs.error}`);
      const payload = u32ToBytes(secs.value);
      // As in C, -l is an option set of option 51 (ctl-vectors l.json).
      return ok({ kind: 'setOption', code: 51, payload });
    }
    case 'v': {
      const level = parseIntInRange(value, 0, 255);
      return level.ok ? ok({ kind: 'setLogLevel', level: level.value }) : err(`-v: log level ${level.error}`);
    }
    default:
      return err(`unknown option -${name} (see -h)`);
  }
}

/** getopt-like: `-bd`, `-r3`, `-r 3`, `--json`, `--` ends the flags; no positional arguments exist. */
function splitFlags(argv: readonly string[]): Result<Flag[], string> {
  const out: Flag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      if (i + 1 < argv.length) return err(`unexpected argument '${argv[i + 1] ?? ''}' (see -h)`);
      break;
    }
    if (arg.startsWith('--')) {
      const long = arg.slice(2);
      if (long !== 'json' && long !== 'help' && long !== 'version') return err(`unknown option ${clip(arg)} (see -h)`);
      out.push({ name: long, value: undefined });
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') return err(`unexpected argument '${clip(arg)}' (see -h)`);
    for (let j = 1; j < arg.length; j++) {
      const name = arg[j] ?? '';
      if (PLAIN_FLAGS.has(name)) {
        out.push({ name, value: undefined });
      } else if (VALUE_FLAGS.has(name)) {
        const attached = arg.slice(j + 1);
        if (attached === '' && i + 1 >= argv.length) return err(`option -${name} needs a value (see -h)`);
        out.push({ name, value: attached !== '' ? attached : argv[++i] ?? '' });
        break;
      } else {
        return err(`unknown option -${clip(name)} (see -h)`);
      }
    }
  }
  return ok(out);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
