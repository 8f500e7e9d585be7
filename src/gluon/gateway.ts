// The IPv4 address of the gateway batman-adv selected, from batctl's JSON
// tables (batctl README: gateways_json, transtable_global_json,
// dat_cache_json). batman-adv knows gateways by originator (its primary
// interface's MAC); the gateway's address belongs to a client MAC that
// originator announces in the translation table, and the distributed ARP table
// maps that MAC to an IPv4 address. Pure: the caller runs batctl.

import { parseIpv4, type Network } from '../config/parse';
import { formatIpv4 } from '../wire/bytes';
import { err, ok, type Result } from '../wire/result';

export interface BatctlTables {
  readonly gateways: unknown;
  readonly transGlobal: unknown;
  readonly datCache: unknown;
}

interface DatEntry {
  readonly mac: string;
  readonly ip: number;
  readonly lastSeenMs: number;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function records(v: unknown): readonly Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e)) : [];
}

function macOf(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  return MAC.test(s) ? s : undefined;
}

/** Group (multicast) MACs have bit 0 of the first byte set: never a host's own. */
function isUnicast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

export function selectedGateway(gateways: unknown): string | undefined {
  return macOf(records(gateways).find((g) => g['best'] === true)?.['orig_address']);
}

/**
 * The selected gateway's address inside `network` (the clients' prefix4), or
 * why there is none. Of several, the DAT entry refreshed last wins.
 */
export function gatewayAddress(tables: BatctlTables, network: Network): Result<string, string> {
  if (!Array.isArray(tables.gateways)) return err('batctl gateways_json did not return a list');
  const gateway = selectedGateway(tables.gateways);
  if (gateway === undefined) return err('batman-adv has selected no gateway (is gw_mode client, and is a gateway announced?)');
  const macs = new Set([gateway]);
  for (const t of records(tables.transGlobal)) {
    const flags = t['tt_flags'];
    const deleted = typeof flags === 'object' && flags !== null && (flags as Record<string, unknown>)['del'] === true;
    const client = macOf(t['tt_address']);
    if (!deleted && client !== undefined && isUnicast(client) && macOf(t['orig_address']) === gateway) macs.add(client);
  }
  const mask = (0xffffffff << (32 - network.prefixLen)) >>> 0;
  const candidates: DatEntry[] = [];
  for (const d of records(tables.datCache)) {
    const mac = macOf(d['dat_cache_hwaddress']);
    const ip = typeof d['dat_cache_ip4address'] === 'string' ? parseIpv4(d['dat_cache_ip4address']) : undefined;
    if (mac === undefined || ip?.ok !== true || !macs.has(mac) || (ip.value & mask) >>> 0 !== network.prefix) continue;
    const seen = d['last_seen_msecs'];
    candidates.push({ mac, ip: ip.value, lastSeenMs: typeof seen === 'number' ? seen : Number.MAX_SAFE_INTEGER });
  }
  candidates.sort((a, b) => a.lastSeenMs - b.lastSeenMs || a.ip - b.ip);
  const best = candidates[0];
  if (best === undefined) {
    return err(`gateway ${gateway} has no IPv4 address in the mesh's ARP table (batctl dc) inside ${formatIpv4(network.prefix)}/${network.prefixLen} yet`);
  }
  return ok(formatIpv4(best.ip));
}
