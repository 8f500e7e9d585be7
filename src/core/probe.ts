// Address probes: before a fresh address is offered to a client on our own link,
// the IO shell asks the link whether anyone answers for it (an ARP request; RFC
// 2131 2.2 says a server SHOULD probe before it allocates). Only the bookkeeping
// lives here; what to offer when the probe ends is dhcp.ts.
//
// Why: the block table tells us which blocks are ours, not which of their
// addresses clients still use. A node that restarts without its state, or the two
// owners of a block in a mesh that was split, hand out addresses that a client of
// the block's earlier owner still holds (bench/RESULTS.md, massRebootFresh and
// partition). That client is on the same layer-2 mesh and answers ARP.

import type { DhcpMessage } from '../wire/dhcp-message';
import type { NodeState, Probe, Step } from './state';
import type { Ipv4, Millis } from './types';

/** Probes at once; past it a DISCOVER waits for its retransmission (a flood must not hold the offer table). */
export const MAX_PROBES = 256;
/** Addresses tried for one DISCOVER before it waits for the client's next one (a host answering every ARP). */
export const MAX_PROBE_ATTEMPTS = 4;

export function probeTimerKey(ip: Ipv4): string {
  // No other timer key starts with 'a' (housekeeping.ts tells them apart by it).
  return `a${ip}`;
}

export function probeOfTimerKey(key: string): Ipv4 {
  return Number(key.slice(1));
}

export function probeFor(st: NodeState, mac: number): Probe | undefined {
  const ip = st.probeByMac.get(mac);
  return ip === undefined ? undefined : st.probes.get(ip);
}

export function startProbe(st: NodeState, step: Step, ip: Ipv4, request: DhcpMessage, mac: number, attempt: number): void {
  const probe: Probe = { ip, request, mac, startedAt: step.now, resent: false, attempt };
  st.probes.set(ip, probe);
  st.probeByMac.set(mac, ip);
  step.out.push({ kind: 'probe', ip });
  st.timers.set(probeTimerKey(ip), step.now + Math.ceil(st.cfg.probeMs / 2));
}

export function endProbe(st: NodeState, probe: Probe): void {
  st.probes.delete(probe.ip);
  if (st.probeByMac.get(probe.mac) === probe.ip) st.probeByMac.delete(probe.mac);
  st.timers.cancel(probeTimerKey(probe.ip));
}

/** The half-time timer resends; returns the probe once its whole time passed unanswered. */
export function probeTimerDue(st: NodeState, step: Step, ip: Ipv4): Probe | undefined {
  const probe = st.probes.get(ip);
  if (probe === undefined) return undefined;
  if (!probe.resent) {
    probe.resent = true;
    step.out.push({ kind: 'probe', ip });
    st.timers.set(probeTimerKey(ip), probe.startedAt + st.cfg.probeMs);
    return undefined;
  }
  endProbe(st, probe);
  return probe;
}
