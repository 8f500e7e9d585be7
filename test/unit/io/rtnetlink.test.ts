// The slim rtnetlink decoder against the netlink package's full codec: the same
// rows from this machine's live link and address tables, the same rows from
// generated messages, and no throw or out-of-range read on arbitrary bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as netlink from 'netlink';
import type { AddressRow, LinkRow } from '../../../src/io/netlink';
import { openRtnetlinkSource, parseAddressMessage, parseAttributes, parseLinkMessage } from '../../../src/io/rtnetlink';

const SEED = 20261125;
const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;

/** Rows as the daemon derived them from the package's codec before the slim decoder. */
function linkRowsFromPackage(links: readonly netlink.rt.LinkMessage[]): LinkRow[] {
  return links.flatMap((l) => (l.attrs.ifname === undefined ? [] : [{ name: l.attrs.ifname, index: l.data.index ?? 0, up: l.data.flags?.up === true }]));
}

function addressRowsFromPackage(addrs: readonly netlink.rt.AddressMessage[]): AddressRow[] {
  return addrs.flatMap((a): AddressRow[] => {
    if (a.attrs.address === undefined || (a.data.family !== 2 && a.data.family !== 10)) return [];
    const f = (a.data.flags ?? {}) as Record<string, boolean | undefined>;
    return [{ index: a.data.index ?? 0, family: a.data.family === 2 ? 4 : 6, bytes: Uint8Array.from(a.attrs.address), usable: f['tentative'] !== true && f['dadfailed'] !== true }];
  });
}

function attr(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + data.length + 3) & ~3);
  new DataView(out.buffer).setUint16(0, 4 + data.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(data, 4);
  return out;
}

function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

function linkHeader(index: number, flags: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint16(2, 1, true);
  v.setInt32(4, index, true);
  v.setUint32(8, flags >>> 0, true);
  return h;
}

function addrHeader(family: number, flags: number, index: number): Uint8Array {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint8(0, family);
  v.setUint8(1, family === 2 ? 24 : 64);
  v.setUint8(2, flags);
  v.setUint32(4, index >>> 0, true);
  return h;
}

test('live tables: the same link and address rows as the netlink package', async () => {
  const full = netlink.createRtNetlink();
  const source = openRtnetlinkSource();
  try {
    const links = await full.getLinks();
    const addrs = await full.getAddresses();
    const ours = await source.dump();
    assert.ok(ours.links.some((l) => l.name === 'lo' && l.up), 'lo is listed and up');
    assert.deepEqual(ours.links, linkRowsFromPackage(links));
    assert.deepEqual(ours.addresses, addressRowsFromPackage(addrs));
  } finally {
    full.socket.close();
    source.close();
  }
});

test('a link: name, index and the up flag; no name gives no row', () => {
  const named = concat([linkHeader(7, 0x1043), attr(4, Uint8Array.of(0, 5, 0, 0)), attr(3, Buffer.from('bat0\0'))]);
  assert.deepEqual(parseLinkMessage(named), { ok: true, value: { name: 'bat0', index: 7, up: true } });
  const down = concat([linkHeader(3, 0x1002), attr(3, Buffer.from('br-client\0'))]);
  assert.deepEqual(parseLinkMessage(down), { ok: true, value: { name: 'br-client', index: 3, up: false } });
  assert.deepEqual(parseLinkMessage(linkHeader(9, 1)), { ok: true, value: null });
});

test('an address: family, index, bytes and whether DAD is done', () => {
  const ll = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  const tentative = parseAddressMessage(concat([addrHeader(10, 0x40, 4), attr(1, ll)]));
  assert.deepEqual(tentative, { ok: true, value: { index: 4, family: 6, bytes: ll, usable: false } });
  const v4 = parseAddressMessage(concat([addrHeader(2, 0x80, 2), attr(2, Uint8Array.of(9, 9, 9, 9)), attr(1, Uint8Array.of(10, 0, 0, 1))]));
  assert.deepEqual(v4, { ok: true, value: { index: 2, family: 4, bytes: Uint8Array.of(10, 0, 0, 1), usable: true } });
  const dadFailed = parseAddressMessage(concat([addrHeader(10, 0x08, 4), attr(1, ll)]));
  assert.deepEqual(dadFailed, { ok: true, value: { index: 4, family: 6, bytes: ll, usable: false } });
  assert.deepEqual(parseAddressMessage(concat([addrHeader(2, 0, 2), attr(2, Uint8Array.of(10, 0, 0, 1))])), { ok: true, value: null }, 'no IFA_ADDRESS');
  assert.deepEqual(parseAddressMessage(concat([addrHeader(17, 0, 2), attr(1, Uint8Array.of(1, 2, 3, 4, 5, 6))])), { ok: true, value: null }, 'not IP');
});

test('refused: short headers, overrunning attributes, a name without NUL', () => {
  assert.equal(parseLinkMessage(new Uint8Array(15)).ok, false);
  assert.equal(parseAddressMessage(new Uint8Array(7)).ok, false);
  const over = concat([linkHeader(1, 1), attr(3, Buffer.from('eth0\0'))]);
  new DataView(over.buffer, over.byteOffset).setUint16(16, 40, true);
  assert.equal(parseLinkMessage(over).ok, false);
  assert.equal(parseLinkMessage(concat([linkHeader(1, 1), attr(3, Buffer.from('eth0'))])).ok, false);
  assert.equal(parseAttributes(Uint8Array.of(3, 0, 1, 0), 0).ok, false, 'length below the 4-byte header');
});

test('generated messages: the same rows as the package wherever it accepts them', () => {
  const anyAttr = fc.record({ type: fc.integer({ min: 0, max: 0x3fff }), data: fc.uint8Array({ maxLength: 24 }) })
    .filter((a) => a.type !== 3 && a.type !== 1)
    .map((a) => attr(a.type, a.data));
  const name = fc.stringMatching(/^[a-z0-9-]{1,15}$/).map((n) => attr(3, Buffer.from(`${n}\0`)));
  const linkMsg = fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.nat(), fc.array(fc.oneof(anyAttr, name), { maxLength: 4 }))
    .map(([index, flags, attrs]) => concat([linkHeader(index, flags), ...attrs]));
  const addrMsg = fc.tuple(fc.constantFrom(2, 10, 17), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 0x7fffffff }),
    fc.array(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 16 }).map((b) => attr(1, b)), fc.uint8Array({ maxLength: 8 }).map((b) => attr(2, b))), { maxLength: 3 }))
    .map(([family, flags, index, attrs]) => concat([addrHeader(family, flags, index), ...attrs]));
  let compared = 0;
  fc.assert(fc.property(linkMsg, addrMsg, (l, a) => {
    let pkgLink: netlink.rt.LinkMessage | undefined;
    let pkgAddr: netlink.rt.AddressMessage | undefined;
    try {
      pkgLink = netlink.rt.parseMessage(RTM_NEWLINK, l) as netlink.rt.LinkMessage;
    } catch {
      // the package refuses attributes it cannot decode (nested types); we skip them
    }
    try {
      pkgAddr = netlink.rt.parseMessage(RTM_NEWADDR, a) as netlink.rt.AddressMessage;
    } catch {
      // as above
    }
    const ourLink = parseLinkMessage(l);
    const ourAddr = parseAddressMessage(a);
    if (pkgLink !== undefined) {
      compared++;
      assert.ok(ourLink.ok);
      assert.deepEqual(ourLink.value === null ? [] : [ourLink.value], linkRowsFromPackage([pkgLink]));
    }
    if (pkgAddr !== undefined) {
      assert.ok(ourAddr.ok);
      assert.deepEqual(ourAddr.value === null ? [] : [ourAddr.value], addressRowsFromPackage([pkgAddr]));
    }
  }), { seed: SEED, numRuns: 20_000 });
  process.stdout.write(`# rtnetlink differential: seed ${SEED}, ${compared} link messages compared\n`);
  assert.ok(compared > 1000);
});

test('arbitrary bytes: a result, never a throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), fc.nat({ max: 8 }), (bytes, cut) => {
    const b = bytes.subarray(Math.min(cut, bytes.length));
    assert.equal(typeof parseLinkMessage(b).ok, 'boolean');
    assert.equal(typeof parseAddressMessage(b).ok, 'boolean');
  }), { seed: SEED, numRuns: 100_000 });
  process.stdout.write(`# rtnetlink fuzz: seed ${SEED}, 100000 runs\n`);
});
