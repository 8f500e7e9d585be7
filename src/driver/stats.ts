// Counters the daemon keeps for `ddhcpdctl -s` and ubus `statistics`. The first
// block mirrors the C daemon's STAT_* counters in its print order (ctl-vectors
// s.json); the rest are ours (drops by reason, DHCP messages C does not print).

export const C_COUNTERS = [
  'mcast.recv_pkg', 'mcast.send_pkg', 'mcast.recv_byte', 'mcast.send_byte',
  'mcast.send_updateclaim', 'mcast.recv_updateclaim', 'mcast.send_inquire', 'mcast.recv_inquire',
  'direct.recv_pkg', 'direct.send_pkg', 'direct.recv_byte', 'direct.send_byte',
  'direct.recv_renewlease', 'direct.send_renewlease', 'direct.recv_leaseack', 'direct.send_leaseack',
  'direct.recv_leasenak', 'direct.send_leasenak', 'direct.recv_release', 'direct.send_release',
  'dhcp.recv_pkg', 'dhcp.send_pkg', 'dhcp.recv_byte', 'dhcp.send_byte',
  'dhcp.recv_discover', 'dhcp.send_offer', 'dhcp.recv_request', 'dhcp.send_ack',
  'dhcp.send_nak', 'dhcp.recv_release',
] as const;

export const EXTRA_COUNTERS = [
  'dhcp.recv_inform', 'dhcp.recv_decline', 'dhcp.send_inform_ack',
  'ctl.connections', 'ctl.refused',
  // ARP probes before offers (core/probe.ts): sent, and answered by a host we had no lease for.
  'arp.send_probe', 'arp.probe_answered',
] as const;

export type CounterName = (typeof C_COUNTERS)[number] | (typeof EXTRA_COUNTERS)[number];

export class Statistics {
  private readonly counters = new Map<string, number>();

  add(name: CounterName, amount = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + amount);
  }

  /** Drops are keyed by a free-form reason (`drop.<socket>.<reason>`), bounded by the reasons code can produce. */
  addDrop(socket: 'mcast' | 'direct' | 'dhcp' | 'ctl' | 'core', reason: string): void {
    const key = `drop.${socket}.${reason}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** C counters first in C order, then ours, then drops sorted by name. */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    for (const name of C_COUNTERS) out.push([name, this.get(name)]);
    for (const name of EXTRA_COUNTERS) out.push([name, this.get(name)]);
    const drops = [...this.counters.keys()].filter((k) => k.startsWith('drop.')).sort();
    for (const name of drops) out.push([name, this.get(name)]);
    return out;
  }

  totalDrops(socket?: string): number {
    let sum = 0;
    for (const [k, v] of this.counters) {
      if (k.startsWith(socket === undefined ? 'drop.' : `drop.${socket}.`)) sum += v;
    }
    return sum;
  }

  reset(): void {
    this.counters.clear();
  }
}

/** Counter suffixes by DDHCP command; the channel follows the command (1, 2 multicast; 16-19 direct). */
const DDHCP_COUNTER_SUFFIX: Partial<Record<number, string>> = {
  1: 'updateclaim', 2: 'inquire', 16: 'renewlease', 17: 'leaseack', 18: 'leasenak', 19: 'release',
};
/** Counter suffixes by DHCP message type (option 53). */
const DHCP_COUNTER_SUFFIX: Partial<Record<number, string>> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
};
const KNOWN = new Set<string>([...C_COUNTERS, ...EXTRA_COUNTERS]);

/**
 * Counter names per code, looked up once here: building `dhcp.recv_discover` per
 * packet made a fresh string to hash for every counter update under load.
 */
function counterTable(suffixes: Partial<Record<number, string>>, name: (code: number, suffix: string) => string): Map<number, CounterName> {
  const table = new Map<number, CounterName>();
  for (const [code, suffix] of Object.entries(suffixes)) {
    if (suffix === undefined) continue;
    const full = name(Number(code), suffix);
    if (KNOWN.has(full)) table.set(Number(code), full as CounterName);
  }
  return table;
}

const DDHCP_SEND = counterTable(DDHCP_COUNTER_SUFFIX, (c, s) => `${c < 16 ? 'mcast' : 'direct'}.send_${s}`);
const DDHCP_RECV = counterTable(DDHCP_COUNTER_SUFFIX, (c, s) => `${c < 16 ? 'mcast' : 'direct'}.recv_${s}`);
const DHCP_SEND = counterTable(DHCP_COUNTER_SUFFIX, (_c, s) => `dhcp.send_${s}`);
const DHCP_RECV = counterTable(DHCP_COUNTER_SUFFIX, (_c, s) => `dhcp.recv_${s}`);

/** The per-command counter of a DDHCP packet, e.g. mcast.recv_inquire; undefined for unknown commands. */
export function ddhcpCounter(direction: 'send' | 'recv', command: number): CounterName | undefined {
  return (direction === 'send' ? DDHCP_SEND : DDHCP_RECV).get(command);
}

/** The per-type counter of a DHCP packet, where the C daemon (or we) keep one. */
export function dhcpCounter(direction: 'send' | 'recv', messageType: number): CounterName | undefined {
  return (direction === 'send' ? DHCP_SEND : DHCP_RECV).get(messageType);
}
