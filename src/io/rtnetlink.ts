// The rtnetlink link source: link and address tables read by dump, and a socket
// joined to the link and address groups whose every message means "re-read".
// Only the few fields the watcher needs are decoded here, on top of the netlink
// package's socket layer; its full rtnetlink codec cost the idle daemon ~1.5 MB.

import { createNetlink } from 'netlink/dist/netlink';
import { err, ok, type Result } from '../wire/result';
import type { AddressRow, LinkRow, LinkSource } from './link-source';

const NETLINK_ROUTE = 0;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const NLM_F_DUMP = 0x300;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;
/** struct ifinfomsg and struct ifaddrmsg. */
const IFINFOMSG_LEN = 16;
const IFADDRMSG_LEN = 8;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFF_UP = 0x1;
const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;
const AF_INET = 2;
const AF_INET6 = 10;
/** The type field's top bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
const NLA_TYPE_MASK = 0x3fff;
/** A dump reply the kernel never finishes must not stall tracking for good. */
const DUMP_TIMEOUT_MS = 5_000;

interface Attribute {
  readonly type: number;
  readonly data: Uint8Array;
}

/** The attributes after a fixed header, each padded to 4 bytes; refuses any that overruns. */
export function parseAttributes(bytes: Uint8Array, from: number): Result<Attribute[], string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Attribute[] = [];
  let at = from;
  while (at + 4 <= bytes.length) {
    const len = view.getUint16(at, true);
    if (len < 4 || at + len > bytes.length) return err(`attribute at ${at} has length ${len} of ${bytes.length - at} bytes left`);
    out.push({ type: view.getUint16(at + 2, true) & NLA_TYPE_MASK, data: bytes.subarray(at + 4, at + len) });
    at += (len + 3) & ~3;
  }
  return ok(out);
}

/** One RTM_NEWLINK payload; null for a link without a name (the watcher looks links up by name). */
export function parseLinkMessage(payload: Uint8Array): Result<LinkRow | null, string> {
  if (payload.length < IFINFOMSG_LEN) return err(`link message of ${payload.length} bytes`);
  const attrs = parseAttributes(payload, IFINFOMSG_LEN);
  if (!attrs.ok) return attrs;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let name: string | undefined;
  for (const a of attrs.value) {
    if (a.type !== IFLA_IFNAME) continue;
    if (a.data.length === 0 || a.data[a.data.length - 1] !== 0) return err('interface name not NUL-terminated');
    name = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length - 1).toString('utf8');
  }
  if (name === undefined) return ok(null);
  return ok({ name, index: view.getInt32(4, true), up: (view.getUint32(8, true) & IFF_UP) !== 0 });
}

/** One RTM_NEWADDR payload; null unless it is an IPv4 or IPv6 address that carries IFA_ADDRESS. */
export function parseAddressMessage(payload: Uint8Array): Result<AddressRow | null, string> {
  if (payload.length < IFADDRMSG_LEN) return err(`address message of ${payload.length} bytes`);
  const attrs = parseAttributes(payload, IFADDRMSG_LEN);
  if (!attrs.ok) return attrs;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const family = view.getUint8(0);
  const flags = view.getUint8(2);
  let address: Uint8Array | undefined;
  for (const a of attrs.value) if (a.type === IFA_ADDRESS) address = a.data;
  if (address === undefined || (family !== AF_INET && family !== AF_INET6)) return ok(null);
  return ok({
    index: view.getUint32(4, true),
    family: family === AF_INET ? 4 : 6,
    bytes: Uint8Array.from(address),
    usable: (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) === 0,
  });
}

/** The rows of one dump reply; a message that does not parse fails the whole read, which is retried. */
export function collectRows<T>(messages: readonly { readonly type: number; readonly data: Uint8Array }[], type: number,
  parse: (payload: Uint8Array) => Result<T | null, string>): T[] {
  const rows: T[] = [];
  for (const m of messages) {
    if (m.type !== type) continue;
    const r = parse(m.data);
    if (!r.ok) throw new Error(`rtnetlink: ${r.error}`);
    if (r.value !== null) rows.push(r.value);
  }
  return rows;
}

/** The real source: one socket for link and address notifications, one for dumps. */
export function openRtnetlinkSource(): LinkSource {
  // The package's option type wrongly makes the buffer sizes required.
  const events = createNetlink(NETLINK_ROUTE, { ref: true } as Parameters<typeof createNetlink>[1]);
  const dumps = createNetlink(NETLINK_ROUTE);
  const request = { flags: NLM_F_DUMP, timeout: DUMP_TIMEOUT_MS };
  return {
    subscribe(onEvent, onError) {
      // Whatever arrives means something changed, even a message that does not
      // parse; an error (ENOBUFS) means notifications were lost. Each causes a re-read.
      events.on('message', onEvent);
      events.on('invalid', onEvent);
      events.on('truncatedMessage', onEvent);
      events.on('error', (e: Error) => onError(e));
      dumps.on('error', (e: Error) => onError(e));
      events.addMembership(RTNLGRP_LINK);
      events.addMembership(RTNLGRP_IPV4_IFADDR);
      events.addMembership(RTNLGRP_IPV6_IFADDR);
    },
    async dump() {
      const [links] = await dumps.request(RTM_GETLINK, new Uint8Array(IFINFOMSG_LEN), request);
      const [addrs] = await dumps.request(RTM_GETADDR, new Uint8Array(IFADDRMSG_LEN), request);
      return { links: collectRows(links, RTM_NEWLINK, parseLinkMessage), addresses: collectRows(addrs, RTM_NEWADDR, parseAddressMessage) };
    },
    close() {
      events.close();
      dumps.close();
    },
  };
}
