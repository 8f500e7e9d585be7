// The daemon's whole configuration, its C-compatible defaults, and the checks
// that span several values. CLI flags and UCI both fill a RawSettings; this
// module turns it into one validated DaemonConfig or a list of problems.

import type { CoreConfig, NodeId, OptionEntry } from '../core/types';
import { u32ToBytes } from '../wire/bytes';
import { DhcpOptionCode } from '../wire/dhcp-message';
import type { Network } from './parse';

export interface DaemonConfig {
  readonly network: Network;
  readonly blockSizePow: number;
  readonly blockTimeoutSec: number;
  readonly tentativeTimeoutSec: number;
  readonly needlessTimeoutSec: number;
  readonly spareLeases: number;
  /** The most addresses one node holds in its blocks; undefined: half the network (maxLeasesOf). */
  readonly maxLeases: number | undefined;
  readonly learning: boolean;
  readonly dhcpEnabled: boolean;
  /** ARP probe before a fresh address is offered on the client link, ms; 0: none. */
  readonly probeMs: number;
  /** User options in the order given; defaults are added by buildOptionStore. */
  readonly options: readonly OptionEntry[];
  /** Lease time in seconds when set outside the option list (UCI lease_time); option 51 wins. */
  readonly leaseTimeSec: number | undefined;
  readonly clientInterface: string;
  /** Where ARP probes go out and come back; undefined: the client interface. */
  readonly probeInterface: string | undefined;
  readonly serverInterface: string;
  readonly controlPath: string;
  readonly hook: string | undefined;
  readonly logLevel: number;
  readonly stateDir: string;
  readonly ubusSocket: string | undefined;
  readonly uci: boolean;
}

/** The C daemon's defaults (main.c), where we have no reason to differ. */
export const DEFAULTS: DaemonConfig = {
  network: { prefix: 0x0a000000, prefixLen: 24 },
  blockSizePow: 5,
  blockTimeoutSec: 60,
  tentativeTimeoutSec: 15,
  needlessTimeoutSec: 300,
  spareLeases: 2,
  maxLeases: undefined,
  learning: true,
  dhcpEnabled: true,
  // Ours: C offers at once. Long enough for an answer across a few Wi-Fi hops of a mesh.
  probeMs: 500,
  options: [],
  leaseTimeSec: undefined,
  clientInterface: 'client0',
  probeInterface: undefined,
  serverInterface: 'server0',
  controlPath: '/tmp/ddhcpd_ctl',
  hook: undefined,
  logLevel: 2,
  stateDir: '/var/lib/ddhcpd',
  ubusSocket: undefined,
  uci: false,
};

export const DEFAULT_LEASE_TIME_SEC = 300;
export const MAX_BLOCK_SIZE_POW = 7;

/** Problems no single value shows: block size against network size. */
export function checkConfig(cfg: DaemonConfig): string[] {
  const problems: string[] = [];
  const hostBits = 32 - cfg.network.prefixLen;
  if (cfg.blockSizePow > MAX_BLOCK_SIZE_POW) {
    problems.push(`block size 2^${cfg.blockSizePow} does not fit the one-byte block size on the wire; use 0 to ${MAX_BLOCK_SIZE_POW}`);
  } else if (cfg.blockSizePow >= hostBits) {
    problems.push(`block size 2^${cfg.blockSizePow} is not smaller than the network /${cfg.network.prefixLen}; use at most ${hostBits - 1}`);
  }
  if (cfg.tentativeTimeoutSec < 2) problems.push('tentative timeout must be at least 2 seconds');
  if (cfg.blockTimeoutSec < 4) problems.push('block timeout must be at least 4 seconds');
  const blockSize = 2 ** cfg.blockSizePow;
  if (cfg.maxLeases !== undefined && cfg.maxLeases < blockSize) {
    problems.push(`max leases ${cfg.maxLeases} is less than one block of 2^${cfg.blockSizePow}; use at least ${blockSize}`);
  }
  return problems;
}

/**
 * The option store as the C daemon builds it (ctl-vectors d_defaults_no_o.json):
 * user options first, then defaults for missing codes 1, 2, 28, 51. Option 54 has
 * no default here: the core uses the client interface's address instead of C's
 * "prefix with last byte 1", which is wrong on most Gluon networks.
 */
export function buildOptionStore(cfg: DaemonConfig): OptionEntry[] {
  const store = [...cfg.options];
  const has = (code: number): boolean => store.some((o) => o.code === code);
  const mask = (0xffffffff << (32 - cfg.network.prefixLen)) >>> 0;
  if (!has(DhcpOptionCode.SubnetMask)) store.push({ code: DhcpOptionCode.SubnetMask, payload: u32ToBytes(mask) });
  if (!has(DhcpOptionCode.TimeOffset)) store.push({ code: DhcpOptionCode.TimeOffset, payload: u32ToBytes(0) });
  if (!has(DhcpOptionCode.BroadcastAddress)) {
    store.push({ code: DhcpOptionCode.BroadcastAddress, payload: u32ToBytes((cfg.network.prefix | ~mask) >>> 0) });
  }
  if (!has(DhcpOptionCode.LeaseTime)) {
    store.push({ code: DhcpOptionCode.LeaseTime, payload: u32ToBytes(cfg.leaseTimeSec ?? DEFAULT_LEASE_TIME_SEC) });
  }
  return store;
}

/**
 * The cap on one node's share of the network. Half of it by default: a flood of
 * random MACs at one node leaves the other half to the rest of the mesh, and a
 * crowd of a hundred at one node of a /20 stays far below it.
 */
export function maxLeasesOf(cfg: DaemonConfig): number {
  return cfg.maxLeases ?? Math.floor(2 ** (32 - cfg.network.prefixLen) / 2);
}

export function toCoreConfig(cfg: DaemonConfig, nodeId: NodeId): CoreConfig {
  return {
    nodeId,
    prefix: cfg.network.prefix,
    prefixLen: cfg.network.prefixLen,
    blockSizePow: cfg.blockSizePow,
    blockTimeoutSec: cfg.blockTimeoutSec,
    tentativeTimeoutSec: cfg.tentativeTimeoutSec,
    needlessTimeoutSec: cfg.needlessTimeoutSec,
    spareLeases: cfg.spareLeases,
    maxLeases: maxLeasesOf(cfg),
    learning: cfg.learning,
    dhcpEnabled: cfg.dhcpEnabled,
    probeMs: cfg.probeMs,
    options: buildOptionStore(cfg),
  };
}
