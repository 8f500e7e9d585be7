// Readers for the few DHCP options the core acts on, over a decoded message or
// the option store. Tolerant by design: a wrong-length option reads as absent,
// so a malformed client option can only make us NAK or ignore, never throw.

import type { DhcpMessage } from '../wire/dhcp-message';
import { DhcpOptionCode } from '../wire/dhcp-message';
import { readU32 } from '../wire/bytes';
import type { Ipv4, OptionEntry } from './types';

export function findOption(msg: DhcpMessage, code: number): Uint8Array | undefined {
  for (const o of msg.options) if (o.code === code) return o.data;
  return undefined;
}

export function readMessageType(msg: DhcpMessage): number | undefined {
  const data = findOption(msg, DhcpOptionCode.MessageType);
  return data?.length === 1 ? data[0] : undefined;
}

export function readIpv4Option(msg: DhcpMessage, code: number): Ipv4 | undefined {
  const data = findOption(msg, code);
  return data?.length === 4 ? readU32(data, 0) : undefined;
}

export function findStoreOption(store: readonly OptionEntry[], code: number): Uint8Array | undefined {
  for (const o of store) if (o.code === code) return o.payload;
  return undefined;
}

export function readStoreU32(store: readonly OptionEntry[], code: number): number | undefined {
  const data = findStoreOption(store, code);
  return data?.length === 4 ? readU32(data, 0) : undefined;
}

/** Every address listed in a store option made of IPv4 addresses (e.g. option 3, routers). */
export function readStoreAddresses(store: readonly OptionEntry[], code: number): Ipv4[] {
  const data = findStoreOption(store, code);
  const out: Ipv4[] = [];
  if (data === undefined) return out;
  for (let off = 0; off + 4 <= data.length; off += 4) {
    const ip = readU32(data, off);
    if (ip !== undefined) out.push(ip);
  }
  return out;
}
