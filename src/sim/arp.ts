// ARP on the simulated mesh: batman-adv makes all client segments one layer-2
// network, so a node's probe for an address reaches every client that is not cut
// off by a partition, and the client holding the address answers (its kernel does,
// whatever state its DHCP client is in, as long as the address is configured).
// Request and reply cross the lossy medium like any datagram.

import type { Ipv4, Millis } from '../core/types';
import type { AddressTracker } from './addresses';
import type { Network } from './network';

export interface ArpClient {
  readonly mac: Uint8Array;
  /** The node whose segment it is on. */
  readonly node: number;
  /** False once it left the mesh (its address is no longer configured). */
  readonly present: boolean;
}

export interface ArpAnswer {
  readonly afterMs: Millis;
  readonly mac: Uint8Array;
}

/** Who answers a probe for `ip` sent from node `from`, and when; undefined: nobody (or a packet was lost). */
export function answerProbe(network: Network, addresses: AddressTracker, clientOf: (index: number) => ArpClient | undefined, from: number, ip: Ipv4, now: Millis): ArpAnswer | undefined {
  const client = addresses
    .holdersOf(ip, now)
    .map(clientOf)
    .find((c) => c !== undefined && c.present && network.canHear(from, c.node));
  if (client === undefined) return undefined;
  if (network.isLost() || network.isLost()) return undefined;
  return { afterMs: network.drawLatency() + network.drawLatency(), mac: client.mac.subarray(0, 6) };
}
