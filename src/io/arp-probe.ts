// The IO half of address probes (src/core/probe.ts): ARP requests out on the
// client interface, and any ARP frame whose sender claims an address we probed
// in the last few seconds back to the core. Every other host's ARP traffic on the
// mesh passes through here too, and is dropped at the first lookup.

import { getSystemErrorName } from 'node:util';
import type { Ipv4, Millis } from '../core/types';
import { decodeArp, encodeArpProbe } from '../wire/arp';
import { monotonicNow } from './clock';
import { closeReceiver, hardwareAddress, openArp, receiveDatagrams, sendArp } from './native';

export interface ArpProber {
  /** False when the request could not be sent (the error went to onError). */
  probe(ip: Ipv4): boolean;
  close(): void;
}

/** How long an answer still counts after the request: the core's probe time is at most 10 s. */
const LISTEN_MS: Millis = 10_000;
/** Sweep the probed addresses past this many (a DISCOVER flood probes many). */
const SWEEP_AT = 1024;

export function openArpProber(ifname: string, onAnswer: (ip: Ipv4, mac: Uint8Array) => void, onError: (err: Error) => void): ArpProber {
  const fd = openArp(ifname);
  const ourMac = hardwareAddress(fd);
  const listening = new Map<Ipv4, Millis>();
  const buffer = new Uint8Array(1500);
  const receiver = receiveDatagrams(fd, buffer, (length) => {
    if (length < 0) return onError(new Error(`ARP receive: ${getSystemErrorName(length)}`));
    const arp = decodeArp(buffer.subarray(0, length));
    if (!arp.ok) return;
    const until = listening.get(arp.value.senderIp);
    if (until === undefined) return;
    listening.delete(arp.value.senderIp);
    if (until >= monotonicNow()) onAnswer(arp.value.senderIp, arp.value.senderMac);
  });
  let closed = false;
  return {
    probe(ip) {
      if (closed) return false;
      const now = monotonicNow();
      if (listening.size >= SWEEP_AT) for (const [k, until] of listening) if (until < now) listening.delete(k);
      listening.set(ip, now + LISTEN_MS);
      const err = sendArp(fd, encodeArpProbe(ourMac, ip));
      if (err === 0) return true;
      onError(new Error(`ARP send: ${getSystemErrorName(-err)}`));
      return false;
    },
    close() {
      if (closed) return;
      closed = true;
      closeReceiver(receiver);
    },
  };
}
