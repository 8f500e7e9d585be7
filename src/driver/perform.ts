// Carries out the core's effects: encodes and sends packets, counts them, and
// turns events into hook calls, ubus events and log lines. The core never
// learns whether a send succeeded; the protocol tolerates loss.

import type { CoreEvent, Effect, Ipv4 } from '../core/types';
import { formatIpv4 } from '../wire/bytes';
import { encodeDdhcp } from '../wire/ddhcp';
import type { DhcpMessage } from '../wire/dhcp-message';
import { encodeDhcp } from '../wire/dhcp';
import { getMessageType } from '../wire/dhcp-options';
import { LogLevel, type Logger } from '../io/log';
import { ddhcpCounter, dhcpCounter, type Statistics } from './stats';

export interface Sink {
  /** 'deferred': held until the mesh sockets open; the sink counts it when it goes out. */
  multicast(bytes: Uint8Array): boolean | 'deferred';
  unicast(to: string, bytes: Uint8Array): boolean;
  /** 'failed': the socket refused it (full send buffer, no route); counted as a drop. */
  dhcp(effect: Extract<Effect, { kind: 'dhcpReply' }>, bytes: Uint8Array): boolean | 'failed';
  /** An ARP request for the address on the client link; false: no link to send it on. */
  probe(ip: Ipv4): boolean;
  hook(args: readonly string[]): void;
  ubusEvent(id: string, data: Record<string, string>): void;
}

export function countDdhcpSend(stats: Statistics, channel: 'mcast' | 'direct', command: number, bytes: number): void {
  stats.add(`${channel}.send_pkg`);
  stats.add(`${channel}.send_byte`, bytes);
  const name = ddhcpCounter('send', command);
  if (name !== undefined) stats.add(name);
}

function countDhcpSend(stats: Statistics, msg: DhcpMessage, bytes: number): void {
  stats.add('dhcp.send_pkg');
  stats.add('dhcp.send_byte', bytes);
  const name = dhcpCounter('send', getMessageType(msg) ?? 0);
  if (name !== undefined) stats.add(name);
}

export function performEffects(effects: readonly Effect[], sink: Sink, stats: Statistics, log: Logger, nodeId: string): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'multicast': {
        const bytes = encodeDdhcp(effect.msg);
        const sent = sink.multicast(bytes);
        if (sent === true) countDdhcpSend(stats, 'mcast', effect.msg.command, bytes.length);
        else if (sent === false) stats.addDrop('mcast', 'serverInterfaceNotReady');
        break;
      }
      case 'unicast': {
        const bytes = encodeDdhcp(effect.msg);
        if (sink.unicast(effect.to, bytes)) countDdhcpSend(stats, 'direct', effect.msg.command, bytes.length);
        else stats.addDrop('direct', 'serverInterfaceNotReady');
        break;
      }
      case 'dhcpReply': {
        const bytes = encodeDhcp(effect.msg);
        const sent = sink.dhcp(effect, bytes);
        if (sent === true) countDhcpSend(stats, effect.msg, bytes.length);
        else stats.addDrop('dhcp', sent === false ? 'clientInterfaceNotReady' : 'sendFailed');
        break;
      }
      case 'probe':
        if (sink.probe(effect.ip)) stats.add('arp.send_probe');
        else stats.addDrop('dhcp', 'clientInterfaceNotReady');
        break;
      case 'event':
        reportEvent(effect.event, sink, stats, log, nodeId);
        break;
    }
  }
}

function reportEvent(event: CoreEvent, sink: Sink, stats: Statistics, log: Logger, nodeId: string): void {
  switch (event.kind) {
    case 'leased':
    case 'released': {
      // One per exchange under load: the line is only built when it is logged.
      const [what, preposition] = event.kind === 'leased' ? ['lease', 'to'] : ['release', 'by'];
      const ip = formatIpv4(event.ip);
      if (log.level >= LogLevel.info) log.info(`${what} ${ip} ${preposition} ${event.mac}`);
      sink.hook([what, ip, event.mac]);
      sink.ubusEvent(`ddhcpd.${what}`, { ip, mac: event.mac, node: nodeId });
      break;
    }
    case 'informed':
      sink.hook(['inform', formatIpv4(event.ip), event.mac]);
      break;
    case 'declined':
      log.warn(`client ${event.mac} declined ${formatIpv4(event.ip)} (address in use on the link?); kept out of use`);
      break;
    case 'probeAnswered':
      stats.add('arp.probe_answered');
      log.info(`${formatIpv4(event.ip)} answers ARP from ${event.mac}, with no lease of ours: kept as its lease, not offered`);
      break;
    case 'learningEnded':
      log.info('learning phase ended');
      sink.hook(['endlearning']);
      break;
    case 'blockOwned':
      log.info(`block ${event.index} is ours`);
      break;
    case 'blockLost':
      log.warn(`block ${event.index} lost to node ${event.to}`);
      break;
    case 'blockGivenBack':
      log.info(`block ${event.index} given back (needless)`);
      break;
    case 'claimLimitReached':
      log.warn(`claim limit: holding ${event.blocks} blocks, max_leases ${event.maxLeases} allows no more; clients go without an address (counted as drop.core.claimLimit; raise --max-leases or ddhcpd.main.max_leases if this is no flood)`);
      break;
    case 'dropped':
      stats.addDrop('core', event.reason);
      log.debug(`dropped: ${event.reason}`);
      break;
  }
}
