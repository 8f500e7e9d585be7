// The address "lookup" of our UDP sockets. dgram passes every bind and send
// address through dns.lookup unless told otherwise; we only ever use literal
// addresses, and the default path loads node's dns module and compiles its
// IPv6 pattern to ~135 KB of machine code on the first link-local send.

import type { SocketOptions } from 'node:dgram';

type Lookup = NonNullable<SocketOptions['lookup']>;

/** Hands the literal address back as it is, a tick later, as dns.lookup does for an IP literal. */
export function literalLookup(family: 4 | 6): Lookup {
  return (address, _options, callback) => {
    process.nextTick(callback, null, address, family);
  };
}
