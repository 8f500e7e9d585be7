// The `ddhcpdctl -d` option store in both directions: built from a CoreView,
// rendered in the C layout (dhcp_options.c, vectors d*.json), and parsed back
// from either daemon's text for --json. Every payload byte is followed by a tab.

import type { CoreView, OptionEntry } from '../core/types';
import { readU32 } from '../wire/bytes';
import { err, ok, type Result } from '../wire/result';

const LEASE_TIME_CODE = 51;

export interface OptionRow {
  readonly code: number;
  readonly len: number;
  readonly payload: readonly number[];
}

export interface OptionStoreListing {
  /** Option 51 as a big-endian u32; 0 when absent or shorter than 4 bytes, as C prints it. */
  readonly leaseTimeSec: number;
  readonly dhcpDisabled: boolean;
  readonly options: readonly OptionRow[];
}

export function buildOptionStoreListing(view: CoreView): OptionStoreListing {
  const options = view.options();
  return {
    leaseTimeSec: readLeaseTime(options),
    dhcpDisabled: !view.config.dhcpEnabled,
    options: options.map((o) => ({ code: o.code, len: o.payload.length, payload: [...o.payload] })),
  };
}

export function formatOptionStore(view: CoreView): string {
  return renderOptionStore(buildOptionStoreListing(view));
}

export function formatOptionStoreJson(view: CoreView): string {
  return `${JSON.stringify(buildOptionStoreListing(view), null, 2)}\n`;
}

export function renderOptionStore(s: OptionStoreListing): string {
  const lines = [
    `DHCP Lease Time: ${s.leaseTimeSec}`,
    '',
    `DHCP Disabled: ${s.dhcpDisabled ? 1 : 0}`,
    'DHCP Option Store',
    'code\tlen\tpayload',
  ];
  for (const o of s.options) lines.push(`${o.code}\t${o.len}\t${o.payload.map((b) => `${b}\t`).join('')}`);
  return `${lines.join('\n')}\n`;
}

export function parseOptionStore(text: string): Result<OptionStoreListing, string> {
  const lines = text.split('\n');
  if (lines.pop() !== '') return err('option store does not end with a newline');
  const lease = /^DHCP Lease Time: (\d+)$/.exec(lines[0] ?? '');
  const disabled = /^DHCP Disabled: ([01])$/.exec(lines[2] ?? '');
  if (!lease || lines[1] !== '' || !disabled || lines[3] !== 'DHCP Option Store' || lines[4] !== 'code\tlen\tpayload') {
    return err('option store header is not the expected layout');
  }
  const options: OptionRow[] = [];
  for (let i = 5; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^(\d+)\t(\d+)\t((?:\d+\t)*)$/.exec(line);
    if (!m) return err(`option store line ${i + 1} is not an option row: ${JSON.stringify(line.slice(0, 60))}`);
    const payload = (m[3] ?? '').split('\t').filter((b) => b !== '').map(Number);
    const len = Number(m[2]);
    if (len !== payload.length) return err(`option store line ${i + 1}: len ${len} but ${payload.length} bytes`);
    options.push({ code: Number(m[1]), len, payload });
  }
  return ok({ leaseTimeSec: Number(lease[1]), dhcpDisabled: disabled[1] === '1', options });
}

function readLeaseTime(options: readonly OptionEntry[]): number {
  const p = options.find((o) => o.code === LEASE_TIME_CODE)?.payload;
  return p === undefined ? 0 : (readU32(p, 0) ?? 0);
}
