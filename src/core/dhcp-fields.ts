// Readers for the options of the option store the core acts on. Tolerant by
// design: a wrong-length option reads as absent. The options of a client's
// message are read with wire/dhcp-options.ts.

import { readU32 } from '../wire/bytes';
import type { Ipv4, OptionEntry } from './types';

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
