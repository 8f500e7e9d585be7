// A DHCP client state machine (RFC 2131 4.4, figure 5): INIT, SELECTING,
// REQUESTING, BOUND, RENEWING, REBINDING, INIT-REBOOT. It only decides: it
// returns what to send and when to wake up; the simulator carries the packets.

import type { Ipv4, Millis } from '../core/types';
import { BOOTREPLY, DhcpMessageType, DhcpOptionCode, type DhcpMessage } from '../wire/dhcp-message';
import { getIpv4Option, getMessageType, getU32Option } from '../wire/dhcp-options';
import { buildClientMessage, type ClientRequest } from './dhcp-build';
import type { SimRng } from './rng';

export type ClientState = 'off' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding' | 'rebooting';

export interface Lease {
  readonly ip: Ipv4;
  readonly serverId: Ipv4;
  readonly t1At: Millis;
  readonly t2At: Millis;
  /** From the time the request was first sent (RFC 2131 4.4.1), so never later than the server's. */
  readonly expiresAt: Millis;
}

export interface ClientStep {
  readonly send?: DhcpMessage;
  /** Undefined: no timer. */
  readonly wakeAt?: Millis;
  readonly bound?: Lease;
  /** With `bound` after DISCOVER: how long the client was without an address. */
  readonly waitedMs?: Millis;
  readonly dropped?: Ipv4;
}

const RETRY_MS = 4000;
const MAX_RETRY_MS = 32000;
const MIN_RENEW_RETRY_MS = 10000;
const REQUEST_TRIES = 4;
const REBOOT_TRIES = 3;

/**
 * How a client paces its retries. RFC 2131 4.1 backs off from 4 s to 64 s (the default);
 * udhcpc, perfdhcp and most phones resend DISCOVER and REQUEST far sooner, which is what
 * decides how fast a user sees an address once a server can answer.
 */
export interface ClientTiming {
  /** Fixed gap between DISCOVERs (and between REQUESTs); 0: the RFC's backoff. */
  readonly retryMs: Millis;
}

export const RFC_TIMING: ClientTiming = { retryMs: 0 };

export class DhcpClient {
  state: ClientState = 'off';
  lease: Lease | undefined;
  /** Kept after the lease lapses, so DISCOVER can ask for it again (option 50). */
  private lastIp: Ipv4 | undefined;
  private xid = 0;
  private firstSentAt: Millis = 0;
  private tries = 0;
  private offered: { ip: Ipv4; serverId: Ipv4 } | undefined;
  /** When the client last started over without an address (first DISCOVER). */
  private initSince: Millis | undefined;

  constructor(
    readonly mac: Uint8Array,
    private readonly rng: SimRng,
    private readonly timing: ClientTiming = RFC_TIMING,
  ) {}

  /** Link up from scratch, or after a reboot: INIT-REBOOT while the lease lasts, else DISCOVER. */
  start(now: Millis): ClientStep {
    if (this.lease !== undefined && this.lease.expiresAt > now) return this.beginReboot(now);
    return this.beginDiscover(now, this.dropLease());
  }

  /** The client leaves with a DHCPRELEASE (unicast to the server identifier). */
  release(): ClientStep {
    const lease = this.lease;
    this.state = 'off';
    if (lease === undefined) return {};
    this.lease = undefined;
    const send = this.build({ type: DhcpMessageType.Release, xid: this.rng.nextU32(), ciaddr: lease.ip, serverId: lease.serverId });
    return { send, dropped: lease.ip };
  }

  /** The client leaves silently; its lease stays valid on both sides until it expires. */
  leave(): ClientStep {
    this.state = 'off';
    return {};
  }

  onTimer(now: Millis): ClientStep {
    switch (this.state) {
      case 'off':
        return {};
      case 'selecting':
        return this.retry(now, this.build({ type: DhcpMessageType.Discover, xid: this.xid, requested: this.lastIp }));
      case 'requesting':
        if (this.tries >= REQUEST_TRIES) return this.beginDiscover(now);
        return this.retry(now, this.requestSelected());
      case 'rebooting':
        // RFC 2131 3.2: with no answer the client may keep using its unexpired lease.
        if (this.tries >= REBOOT_TRIES) return this.resumeBound(now);
        return this.retry(now, this.build({ type: DhcpMessageType.Request, xid: this.xid, requested: this.lease?.ip }));
      case 'bound':
      case 'renewing':
      case 'rebinding':
        return this.onLeaseTimer(now);
    }
  }

  onReply(msg: DhcpMessage, now: Millis): ClientStep {
    if (msg.op !== BOOTREPLY || msg.xid !== this.xid) return {};
    const type = getMessageType(msg);
    if (type === DhcpMessageType.Offer && this.state === 'selecting') {
      const serverId = getIpv4Option(msg, DhcpOptionCode.ServerIdentifier);
      if (serverId === undefined || msg.yiaddr === 0) return {};
      this.offered = { ip: msg.yiaddr, serverId };
      this.state = 'requesting';
      this.tries = 1;
      this.firstSentAt = now;
      return { send: this.requestSelected(), wakeAt: now + this.firstRetryMs() };
    }
    const waiting = this.state === 'requesting' || this.state === 'renewing' || this.state === 'rebinding' || this.state === 'rebooting';
    if (!waiting) return {};
    if (type === DhcpMessageType.Ack) return this.bind(msg, now);
    if (type === DhcpMessageType.Nak) return this.beginDiscover(now, this.dropLease());
    return {};
  }

  private onLeaseTimer(now: Millis): ClientStep {
    const lease = this.lease;
    if (lease === undefined) return this.beginDiscover(now);
    if (now >= lease.expiresAt) return this.beginDiscover(now, this.dropLease());
    if (now >= lease.t2At) {
      // REBINDING: broadcast, any server may answer (RFC 2131 4.4.5).
      if (this.state !== 'rebinding') this.newExchange(now, 'rebinding');
      const send = this.build({ type: DhcpMessageType.Request, xid: this.xid, ciaddr: lease.ip });
      return { send, wakeAt: Math.min(lease.expiresAt, now + Math.max((lease.expiresAt - now) / 2, MIN_RENEW_RETRY_MS)) };
    }
    if (now >= lease.t1At) {
      // RENEWING: unicast to the server identifier; on Gluon that is whichever node we are on.
      if (this.state !== 'renewing') this.newExchange(now, 'renewing');
      const send = this.build({ type: DhcpMessageType.Request, xid: this.xid, ciaddr: lease.ip });
      return { send, wakeAt: Math.min(lease.t2At, now + Math.max((lease.t2At - now) / 2, MIN_RENEW_RETRY_MS)) };
    }
    return { wakeAt: lease.t1At };
  }

  private bind(msg: DhcpMessage, now: Millis): ClientStep {
    if (msg.yiaddr === 0) return {};
    const leaseSec = getU32Option(msg, DhcpOptionCode.LeaseTime) ?? 0;
    const t1Sec = getU32Option(msg, DhcpOptionCode.RenewalTime) ?? leaseSec / 2;
    const t2Sec = getU32Option(msg, DhcpOptionCode.RebindingTime) ?? (leaseSec * 7) / 8;
    const serverId = getIpv4Option(msg, DhcpOptionCode.ServerIdentifier) ?? this.lease?.serverId ?? 0;
    const old = this.lease?.ip;
    const base = this.firstSentAt;
    const lease: Lease = {
      ip: msg.yiaddr,
      serverId,
      t1At: base + t1Sec * 1000,
      t2At: base + t2Sec * 1000,
      expiresAt: base + leaseSec * 1000,
    };
    this.lease = lease;
    this.lastIp = lease.ip;
    this.state = 'bound';
    const waited = this.initSince === undefined ? {} : { waitedMs: now - this.initSince };
    this.initSince = undefined;
    const step: ClientStep = { bound: lease, wakeAt: Math.max(now, lease.t1At), ...waited };
    return old !== undefined && old !== lease.ip ? { ...step, dropped: old } : step;
  }

  private beginDiscover(now: Millis, dropped?: Ipv4): ClientStep {
    this.initSince ??= now;
    this.newExchange(now, 'selecting');
    this.offered = undefined;
    const send = this.build({ type: DhcpMessageType.Discover, xid: this.xid, requested: this.lastIp });
    const step = { send, wakeAt: now + this.firstRetryMs() };
    return dropped === undefined ? step : { ...step, dropped };
  }

  private beginReboot(now: Millis): ClientStep {
    this.newExchange(now, 'rebooting');
    const send = this.build({ type: DhcpMessageType.Request, xid: this.xid, requested: this.lease?.ip });
    return { send, wakeAt: now + RETRY_MS };
  }

  private resumeBound(now: Millis): ClientStep {
    this.state = 'bound';
    return this.onLeaseTimer(now);
  }

  private firstRetryMs(): Millis {
    return this.timing.retryMs > 0 ? this.timing.retryMs : RETRY_MS;
  }

  private retry(now: Millis, send: DhcpMessage): ClientStep {
    this.tries++;
    // A fixed pace for selecting and requesting; a client re-checking its lease keeps the RFC's.
    if (this.timing.retryMs > 0 && (this.state === 'selecting' || this.state === 'requesting')) return { send, wakeAt: now + this.timing.retryMs };
    const delay = Math.min(RETRY_MS * 2 ** (this.tries - 1), MAX_RETRY_MS) + this.rng.nextInt(1000);
    return { send, wakeAt: now + delay };
  }

  private requestSelected(): DhcpMessage {
    const offer = this.offered;
    return this.build({ type: DhcpMessageType.Request, xid: this.xid, requested: offer?.ip, serverId: offer?.serverId });
  }

  private newExchange(now: Millis, state: ClientState): void {
    this.state = state;
    this.xid = this.rng.nextU32();
    this.firstSentAt = now;
    this.tries = 1;
  }

  private dropLease(): Ipv4 | undefined {
    const ip = this.lease?.ip;
    this.lease = undefined;
    return ip;
  }

  private build(req: { type: number; xid: number; ciaddr?: Ipv4; requested?: Ipv4 | undefined; serverId?: Ipv4 | undefined }): DhcpMessage {
    const full: ClientRequest = {
      type: req.type,
      xid: req.xid,
      mac: this.mac,
      ...(req.ciaddr !== undefined ? { ciaddr: req.ciaddr } : {}),
      ...(req.requested !== undefined ? { requested: req.requested } : {}),
      ...(req.serverId !== undefined ? { serverId: req.serverId } : {}),
    };
    return buildClientMessage(full);
  }
}
