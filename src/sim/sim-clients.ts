// The simulated DHCP clients: which node's client segment each is on, their
// timers, the requests they send to that node, and what each ACK means for the
// address invariants (AddressTracker, OwnershipTracker). The simulator carries
// the packets; the clients' RFC 2131 behaviour is DhcpClient's (dhcp-client.ts).

import type { Ipv4, Millis } from '../core/types';
import { formatIpv4, formatMac } from '../wire/bytes';
import type { DhcpMessage } from '../wire/dhcp-message';
import type { AddressTracker } from './addresses';
import { DhcpClient, type ClientStep, type Lease } from './dhcp-client';
import type { EventQueue } from './event-queue';
import type { OwnershipTracker } from './ownership';
import type { SimRng } from './rng';
import type { SimCounters, SimEvent, SimOptions } from './sim-types';

export interface SimClient {
  readonly index: number;
  readonly model: DhcpClient;
  /** The node whose client interface it is attached to. */
  node: number;
  gen: number;
}

/** What of the simulator the clients read and report to. */
export interface ClientHost {
  readonly now: Millis;
  readonly options: SimOptions;
  readonly counters: SimCounters;
  readonly ownership: OwnershipTracker;
  readonly addresses: AddressTracker;
  blockOf(ip: Ipv4): number | undefined;
  fail(detail: string): never;
}

export class SimClients {
  readonly all: SimClient[] = [];
  private readonly byMac = new Map<string, number>();

  constructor(
    private readonly sim: ClientHost,
    private readonly queue: EventQueue<SimEvent>,
    private readonly rng: SimRng,
  ) {}

  /** A new client appears on `node` and starts DORA. */
  add(node: number): number {
    const index = this.all.length;
    const mac = Uint8Array.of(0x02, 0x5a, (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255);
    const client: SimClient = { index, model: new DhcpClient(mac, this.rng.fork(), this.sim.options.clientTiming), node, gen: 0 };
    this.all.push(client);
    this.byMac.set(formatMac(mac), index);
    this.apply(client, client.model.start(this.sim.now));
    return index;
  }

  /** The client moves to another node; with `reboot` it re-checks its lease (INIT-REBOOT). */
  roam(index: number, node: number, reboot: boolean): void {
    const client = this.at(index);
    if (client.model.state === 'off') return;
    client.node = node;
    if (reboot) this.apply(client, client.model.start(this.sim.now));
  }

  reboot(index: number): void {
    const client = this.at(index);
    if (client.model.state !== 'off') this.apply(client, client.model.start(this.sim.now));
  }

  release(index: number): void {
    const client = this.at(index);
    if (client.model.state !== 'off') this.apply(client, client.model.release());
  }

  leave(index: number): void {
    const client = this.at(index);
    this.apply(client, client.model.leave());
  }

  at(index: number): SimClient {
    const client = this.all[index];
    if (client === undefined) throw new RangeError(`no client ${index}`);
    return client;
  }

  /** The client with this hardware address, if it is one of ours. */
  withMac(chaddr: Uint8Array): number | undefined {
    return this.byMac.get(formatMac(chaddr));
  }

  /** A node's reply reaches the client, unless it roamed away meanwhile and no longer hears that node's segment. */
  onReply(index: number, node: number, msg: DhcpMessage): void {
    const client = this.all[index];
    if (client !== undefined && client.node === node) this.apply(client, client.model.onReply(msg, this.sim.now));
  }

  onTimer(index: number, gen: number): void {
    const client = this.all[index];
    if (client !== undefined && client.gen === gen) this.apply(client, client.model.onTimer(this.sim.now));
  }

  private apply(client: SimClient, step: ClientStep): void {
    const { now, options, counters } = this.sim;
    if (step.dropped !== undefined) this.sim.addresses.unbind(step.dropped, client.index);
    if (step.bound !== undefined) this.onBound(client, step.bound);
    if (step.waitedMs !== undefined) counters.waits.push({ since: now - step.waitedMs, ms: step.waitedMs });
    if (step.wakeAt !== undefined) {
      client.gen++;
      this.queue.push(Math.max(step.wakeAt, now), { kind: 'clientTimer', client: client.index, gen: client.gen });
    }
    if (step.send !== undefined) {
      const wire = options.transcoder.dhcp(step.send);
      counters.dhcpToServer++;
      this.queue.push(now + options.clientLatencyMs, { kind: 'dhcpToNode', node: client.node, msg: wire.msg });
    }
  }

  private onBound(client: SimClient, lease: Lease): void {
    const { now, options, counters, ownership } = this.sim;
    counters.acks++;
    const block = this.sim.blockOf(lease.ip);
    if (block === undefined) this.sim.fail(`client ${client.index} was ACKed ${formatIpv4(lease.ip)}, outside the network`);
    const owners = ownership.ownersOf(block).length;
    if (owners === 0) counters.ackInUnownedBlock++;
    const dup = this.sim.addresses.bind(lease.ip, client.index, lease.expiresAt, ownership.epochOf(block), owners > 1, now);
    if (dup !== undefined && (dup.cause === 'bug' || options.strictDuplicates === true) && options.failOnDuplicate) {
      this.sim.fail(`${formatIpv4(lease.ip)} ACKed to client ${dup.secondClient} while client ${dup.firstClient} holds it (${dup.cause}; block ${block}, owners [${ownership.ownersOf(block).join(', ')}])`);
    }
  }
}
