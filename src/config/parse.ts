// Parsers for configuration values as they arrive from the command line or UCI
// (always strings). Each returns a value or a message that says what to fix;
// none throws. Shared by cli/ and ubus/uci-config.ts so both accept the same.

import * as ipaddr from 'ipaddr.js';
import type { OptionEntry } from '../core/types';
import { formatIpv4 } from '../wire/bytes';
import { err, ok, type Result } from '../wire/result';

export type ParseResult<T> = Result<T, string>;

export interface Network {
  readonly prefix: number;
  readonly prefixLen: number;
}

const MAX_TEXT = 256;

export function parseIpv4(text: string): ParseResult<number> {
  if (text.length > MAX_TEXT || !ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return err(`'${clip(text)}' is not an IPv4 address`);
  }
  const b = ipaddr.IPv4.parse(text).octets;
  return ok((((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0);
}

/** `10.116.224.0/20`; the C daemon needs the /len and at least /8. */
export function parseNetwork(text: string): ParseResult<Network> {
  const slash = text.indexOf('/');
  if (slash < 0) return err(`'${clip(text)}' is not a CIDR network (write it as ADDRESS/LEN, e.g. 10.116.224.0/20)`);
  const addr = parseIpv4(text.slice(0, slash));
  if (!addr.ok) return err(`'${clip(text)}' is not a CIDR network: ${addr.error}`);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText)) return err(`'${clip(text)}' is not a CIDR network: prefix length must be 8 to 30`);
  const prefixLen = Number(lenText);
  if (prefixLen < 8 || prefixLen > 30) return err(`'${clip(text)}': prefix length ${prefixLen} is out of range, use 8 to 30`);
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
  if ((addr.value & ~mask) >>> 0 !== 0) {
    return err(`'${clip(text)}' has host bits set; did you mean ${formatIpv4((addr.value & mask) >>> 0)}/${prefixLen}?`);
  }
  return ok({ prefix: addr.value, prefixLen });
}

/** A decimal integer within [min, max]; rejects 010-style and 0x forms to avoid C's surprises. */
export function parseIntInRange(text: string, min: number, max: number): ParseResult<number> {
  if (!/^(0|[1-9]\d{0,9})$/.test(text)) return err(`'${clip(text)}' is not a whole number from ${min} to ${max}`);
  const n = Number(text);
  if (n < min || n > max) return err(`${n} is out of range, use ${min} to ${max}`);
  return ok(n);
}

/** Seconds, or with a unit as OpenWrt's dnsmasq config writes them: 90s, 30m, 12h, 1d. */
export function parseDuration(text: string, min: number, max: number): ParseResult<number> {
  const m = /^(0|[1-9]\d{0,9})([smhd]?)$/.exec(text);
  if (m === null) return err(`'${clip(text)}' is not a duration (seconds, or a number with s, m, h or d)`);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const n = Number(m[1]) * factor;
  if (n < min || n > max) return err(`${clip(text)} is out of range, use ${min} to ${max} seconds`);
  return ok(n);
}

export function parseBoolean(text: string): ParseResult<boolean> {
  if (['1', 'yes', 'on', 'true', 'enabled'].includes(text)) return ok(true);
  if (['0', 'no', 'off', 'false', 'disabled'].includes(text)) return ok(false);
  return err(`'${clip(text)}' is not a boolean (use 1 or 0)`);
}

/**
 * `CODE:LEN:P1.P2...` with decimal bytes, as the C `-o`. Unlike C we reject a
 * payload whose byte count differs from LEN, and bytes above 255.
 */
export function parseOptionSpec(text: string): ParseResult<OptionEntry> {
  if (text.length > 2048) return err('option is too long');
  const parts = text.split(':');
  if (parts.length !== 3) return err(`'${clip(text)}' is not an option; write CODE:LEN:P1.P2... e.g. 3:4:10.116.254.254`);
  const [codeText, lenText, payloadText] = parts as [string, string, string];
  const code = parseIntInRange(codeText, 1, 254);
  if (!code.ok) return err(`option '${clip(text)}': code ${code.error}`);
  const len = parseIntInRange(lenText, 0, 255);
  if (!len.ok) return err(`option '${clip(text)}': length ${len.error}`);
  return parseOptionPayload(code.value, len.value, payloadText);
}

/** The P1.P2... part of `-o` (also ubus set_option's payload); `len` checked when given. */
export function parseOptionPayload(code: number, len: number | undefined, payloadText: string): ParseResult<OptionEntry> {
  const items = payloadText === '' ? [] : payloadText.split('.');
  if (items.length > 255) return err(`option ${code}: payload has more than 255 bytes`);
  const bytes = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const b = parseIntInRange(items[i] ?? '', 0, 255);
    if (!b.ok) return err(`option ${code}: payload byte ${i + 1}: ${b.error}`);
    bytes[i] = b.value;
  }
  if (len !== undefined && len !== bytes.length) {
    return err(`option ${code}: length says ${len} bytes but the payload has ${bytes.length}`);
  }
  if (bytes.length === 0) return err(`option ${code}: payload is empty`);
  return ok({ code, payload: bytes });
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
