// Control socket requests (ddhcpdctl -> daemon) as the C tools frame them
// (test/vectors/ctl-vectors/README.md "Request format"): one command byte, then its
// payload. Stricter than C: every request must be exactly its own length.
// No policy beyond framing; the server decides what a request does.

import { err, ok, type Result } from '../wire/result';

export const ControlCommand = {
  ShowBlocks: 1,
  ShowOptions: 2,
  SetOption: 3,
  RemoveOption: 4,
  SetLogLevel: 5,
  Statistics: 6,
  StatisticsReset: 7,
} as const;

/** The C daemon reads at most this many bytes of one request (control.c). */
export const MAX_CONTROL_REQUEST_BYTES = 1500;

export type ControlRequest =
  | { readonly kind: 'showBlocks' }
  | { readonly kind: 'showOptions' }
  | { readonly kind: 'setOption'; readonly code: number; readonly payload: Uint8Array }
  | { readonly kind: 'removeOption'; readonly code: number }
  | { readonly kind: 'setLogLevel'; readonly level: number }
  | { readonly kind: 'statistics' }
  | { readonly kind: 'statisticsReset' };

export type ControlDecodeError =
  | { readonly kind: 'empty' }
  | { readonly kind: 'tooLong'; readonly max: number; readonly got: number }
  | { readonly kind: 'unknownCommand'; readonly command: number }
  | { readonly kind: 'truncated'; readonly command: number; readonly need: number; readonly got: number }
  | { readonly kind: 'trailingBytes'; readonly command: number; readonly extra: number }
  | { readonly kind: 'zeroLengthOption'; readonly code: number }
  | { readonly kind: 'reservedCode'; readonly command: number; readonly code: number };

/**
 * Total length of the request that starts with `bytes`, once it is known:
 * undefined while empty or while an option set's length byte has not arrived.
 * An unknown command is complete at one byte, so it is refused at once.
 */
export function measureControlRequest(bytes: Uint8Array): number | undefined {
  const command = bytes[0];
  if (command === undefined) return undefined;
  switch (command) {
    case ControlCommand.SetOption: {
      const len = bytes[2];
      return len === undefined ? undefined : 3 + len;
    }
    case ControlCommand.RemoveOption:
    case ControlCommand.SetLogLevel:
      return 2;
    default:
      return 1;
  }
}

export function decodeControlRequest(bytes: Uint8Array): Result<ControlRequest, ControlDecodeError> {
  const command = bytes[0];
  if (command === undefined) return err({ kind: 'empty' });
  if (bytes.length > MAX_CONTROL_REQUEST_BYTES) {
    return err({ kind: 'tooLong', max: MAX_CONTROL_REQUEST_BYTES, got: bytes.length });
  }
  const need = measureControlRequest(bytes) ?? 3;
  if (!isKnownCommand(command)) return err({ kind: 'unknownCommand', command });
  if (bytes.length < need) return err({ kind: 'truncated', command, need, got: bytes.length });
  // C ignores surplus bytes after 3/4/5/6/7 but refuses them after 1/2. We refuse
  // them everywhere: no known client sends them, and they mean the framing is off
  // (a wrong length byte would otherwise store a wrong option).
  if (bytes.length > need) return err({ kind: 'trailingBytes', command, extra: bytes.length - need });
  switch (command) {
    case ControlCommand.ShowBlocks:
      return ok({ kind: 'showBlocks' });
    case ControlCommand.ShowOptions:
      return ok({ kind: 'showOptions' });
    case ControlCommand.SetOption:
      return decodeSetOption(bytes);
    case ControlCommand.RemoveOption: {
      const code = bytes[1] ?? 0;
      if (isReservedCode(code)) return err({ kind: 'reservedCode', command, code });
      return ok({ kind: 'removeOption', code });
    }
    case ControlCommand.SetLogLevel:
      return ok({ kind: 'setLogLevel', level: bytes[1] ?? 0 });
    case ControlCommand.Statistics:
      return ok({ kind: 'statistics' });
    case ControlCommand.StatisticsReset:
      return ok({ kind: 'statisticsReset' });
  }
}

function decodeSetOption(bytes: Uint8Array): Result<ControlRequest, ControlDecodeError> {
  const code = bytes[1] ?? 0;
  const len = bytes[2] ?? 0;
  // 0 (pad) and 255 (end) are not options: stored, they would cut every DHCP reply short.
  if (isReservedCode(code)) return err({ kind: 'reservedCode', command: ControlCommand.SetOption, code });
  // C stores a len-0 option and then sends it to every client (d_after_len0.json).
  if (len === 0) return err({ kind: 'zeroLengthOption', code });
  return ok({ kind: 'setOption', code, payload: bytes.slice(3, 3 + len) });
}

/** Request bytes exactly as the C ddhcpdctl sends them. Throws only on values no caller may build. */
export function encodeControlRequest(req: ControlRequest): Uint8Array {
  switch (req.kind) {
    case 'showBlocks':
      return Uint8Array.of(ControlCommand.ShowBlocks);
    case 'showOptions':
      return Uint8Array.of(ControlCommand.ShowOptions);
    case 'statistics':
      return Uint8Array.of(ControlCommand.Statistics);
    case 'statisticsReset':
      return Uint8Array.of(ControlCommand.StatisticsReset);
    case 'removeOption':
      return Uint8Array.of(ControlCommand.RemoveOption, checkByte(req.code, 'option code'));
    case 'setLogLevel':
      return Uint8Array.of(ControlCommand.SetLogLevel, checkByte(req.level, 'log level'));
    case 'setOption': {
      const out = new Uint8Array(3 + checkByte(req.payload.length, 'option length'));
      out[0] = ControlCommand.SetOption;
      out[1] = checkByte(req.code, 'option code');
      out[2] = req.payload.length;
      out.set(req.payload, 3);
      return out;
    }
  }
}

/** One line for the error reply and the log, without the `ERROR: ` prefix. */
export function describeControlDecodeError(e: ControlDecodeError): string {
  switch (e.kind) {
    case 'empty':
      return 'empty request';
    case 'tooLong':
      return `request longer than ${e.max} bytes`;
    case 'unknownCommand':
      return `unknown command ${e.command}`;
    case 'truncated':
      return `truncated request: command ${e.command} needs ${e.need} bytes, got ${e.got}`;
    case 'trailingBytes':
      return `command ${e.command} has ${e.extra} unexpected trailing byte${e.extra === 1 ? '' : 's'}`;
    case 'zeroLengthOption':
      return `option ${e.code} has length 0`;
    case 'reservedCode':
      return `option code ${e.code} is reserved (pad/end)`;
  }
}

function isKnownCommand(command: number): command is (typeof ControlCommand)[keyof typeof ControlCommand] {
  return command >= ControlCommand.ShowBlocks && command <= ControlCommand.StatisticsReset;
}

function isReservedCode(code: number): boolean {
  return code === 0 || code === 255;
}

function checkByte(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`${what} ${n} does not fit one byte`);
  return n;
}
