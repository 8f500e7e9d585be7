// DHCP codec: a hand-built udhcpc DISCOVER, round trips, option overload (52),
// RFC 3396 concatenation and splitting, padding, and typed rejections.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDhcp, encodeDhcp } from '../../src/wire/dhcp';
import { bytesToHex, formatMac, hexToBytes, u32ToBytes } from '../../src/wire/bytes';
import { getIpv4Option, getMessageType, getOption, getParameterRequestList, ipv4ToBytes } from '../../src/wire/dhcp-options';
import type { DhcpMessage } from '../../src/wire/dhcp-message';

const MAC = '026e6c010200';
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const tlv = (code: number, hex: string): string => code.toString(16).padStart(2, '0') + (hex.length / 2).toString(16).padStart(2, '0') + hex;

/** The fixed BOOTP part and cookie, as hex (236 + 4 bytes). */
function fixedHex(o: { op?: number; hlen?: number; xid?: string; ciaddr?: string; giaddr?: string; sname?: string; file?: string } = {}): string {
  return (
    (o.op ?? 1).toString(16).padStart(2, '0') + '01' + (o.hlen ?? 6).toString(16).padStart(2, '0') + '00' +
    (o.xid ?? '3903f326') + '0000' + '0000' +
    (o.ciaddr ?? '00000000') + '00000000' + '00000000' + (o.giaddr ?? '00000000') +
    (MAC + '00'.repeat(10)) +
    (o.sname ?? '').padEnd(128, '0') + (o.file ?? '').padEnd(256, '0') +
    '63825363'
  );
}

function decodeHex(hex: string): ReturnType<typeof decodeDhcp> {
  const bytes = hexToBytes(hex);
  assert.ok(bytes, 'test hex');
  return decodeDhcp(bytes);
}

// BusyBox udhcpc 1.35 DISCOVER as it goes out: 53, 61, 57, 60, 12, 55, End, zero padding to 548 bytes.
const UDHCPC_OPTIONS =
  tlv(53, '01') + tlv(61, '01' + MAC) + tlv(57, '0240') + tlv(60, ascii('udhcp 1.35.0')) + tlv(12, ascii('client1')) +
  tlv(55, '0103060c0f1c2a') + 'ff';
const UDHCPC_DISCOVER = (fixedHex() + UDHCPC_OPTIONS).padEnd(548 * 2, '0');

test('udhcpc DISCOVER decodes field by field', () => {
  assert.equal(UDHCPC_DISCOVER.length, 1096);
  const r = decodeHex(UDHCPC_DISCOVER);
  assert.ok(r.ok, JSON.stringify(r));
  const m = r.value;
  assert.equal(m.op, 1);
  assert.equal(m.htype, 1);
  assert.equal(m.hlen, 6);
  assert.equal(m.xid, 0x3903f326);
  assert.equal(m.ciaddr, 0);
  assert.equal(formatMac(m.chaddr), '02:6e:6c:01:02:00');
  assert.equal(m.chaddr.length, 16);
  assert.equal(getMessageType(m), 1);
  assert.deepEqual(m.options.map((o) => o.code), [53, 61, 57, 60, 12, 55]);
  assert.equal(bytesToHex(getOption(m, 61) ?? new Uint8Array()), '01' + MAC);
  assert.equal(Buffer.from(getOption(m, 60) ?? []).toString('latin1'), 'udhcp 1.35.0');
  assert.deepEqual(getParameterRequestList(m), [1, 3, 6, 12, 15, 28, 42]);
  assert.equal(getIpv4Option(m, 50), undefined);
  assert.equal(getOption(m, 52), undefined);
});

test('udhcpc DISCOVER re-encodes to the same bytes up to the options, then pads to 300', () => {
  const r = decodeHex(UDHCPC_DISCOVER);
  assert.ok(r.ok);
  const out = encodeDhcp(r.value);
  assert.equal(out.length, 300);
  assert.equal(bytesToHex(out), UDHCPC_DISCOVER.slice(0, 600));
});

const offer: DhcpMessage = {
  op: 2, htype: 1, hlen: 6, hops: 0, xid: 0xdeadbeef, secs: 3, flags: 0x8000,
  ciaddr: 0, yiaddr: 0x0a00ff09, siaddr: 0, giaddr: 0x0a000001,
  chaddr: hexToBytes(MAC + '00'.repeat(10))!, sname: new Uint8Array(64), file: new Uint8Array(128),
  options: [
    { code: 53, data: Uint8Array.of(2) },
    { code: 54, data: ipv4ToBytes(0x0a000001) },
    { code: 51, data: u32ToBytes(300) },
    { code: 1, data: Uint8Array.of(255, 255, 128, 0) },
    { code: 3, data: new Uint8Array(0) },
  ],
};

test('hand-built OFFER and REQUEST round trip', () => {
  const bytes = encodeDhcp(offer);
  assert.equal(bytes.length, 300);
  assert.equal(bytesToHex(bytes.subarray(240, 264)), '350102' + '36040a000001' + '33040000012c' + '0104ffff8000' + '0300' + 'ff');
  assert.ok(bytes.subarray(264).every((b) => b === 0), 'zero padding after End');
  const r = decodeDhcp(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value, offer);
  assert.equal(getIpv4Option(r.value, 54), 0x0a000001);
  assert.equal(getIpv4Option(r.value, 51), 300);
  assert.equal(getIpv4Option(r.value, 3), undefined, 'exactly 4 bytes');

  const request: DhcpMessage = {
    ...offer, op: 1, flags: 0, yiaddr: 0, giaddr: 0, ciaddr: 0x0a00ff09,
    options: [{ code: 53, data: Uint8Array.of(3) }, { code: 50, data: ipv4ToBytes(0x0a00ff09) }, { code: 55, data: Uint8Array.of(1, 3, 6) }],
  };
  const rr = decodeDhcp(encodeDhcp(request));
  assert.ok(rr.ok);
  assert.deepEqual(rr.value, request);
  assert.equal(getMessageType(rr.value), 3);
  assert.equal(getIpv4Option(rr.value, 50), 0x0a00ff09);
});

test('values over 255 bytes go out as several instances and come back as one', () => {
  const long = Uint8Array.from({ length: 600 }, (_, i) => i & 255);
  const msg: DhcpMessage = { ...offer, options: [{ code: 53, data: Uint8Array.of(5) }, { code: 43, data: long }, { code: 54, data: ipv4ToBytes(1) }] };
  const bytes = encodeDhcp(msg);
  assert.equal(bytes.length, 240 + 3 + (2 + 255) * 2 + (2 + 90) + 6 + 1);
  assert.deepEqual([bytes[243], bytes[244], bytes[243 + 257], bytes[244 + 257], bytes[243 + 514], bytes[244 + 514]], [43, 255, 43, 255, 43, 90]);
  const r = decodeDhcp(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value, msg);
});

test('RFC 3396: repeated codes are concatenated at the first position', () => {
  const hex = fixedHex() + tlv(53, '03') + tlv(12, ascii('cli')) + tlv(61, '01') + '00' + tlv(12, ascii('ent')) + 'ff';
  const r = decodeHex(hex);
  assert.ok(r.ok);
  assert.deepEqual(r.value.options.map((o) => o.code), [53, 12, 61]);
  assert.equal(Buffer.from(getOption(r.value, 12) ?? []).toString('latin1'), 'client');
});

test('overload 52 merges file then sname options and blanks those fields', () => {
  const file = (tlv(12, ascii('ho')) + tlv(50, '0a00ff09') + 'ff').padEnd(256, '0');
  const sname = (tlv(12, ascii('st')) + '0000' + tlv(61, '01aa') + 'ff').padEnd(128, '0');
  const both = decodeHex(fixedHex({ sname, file }) + tlv(53, '03') + tlv(52, '03') + 'ff');
  assert.ok(both.ok, JSON.stringify(both));
  const m = both.value;
  assert.deepEqual(m.options.map((o) => o.code), [53, 12, 50, 61]);
  assert.equal(Buffer.from(getOption(m, 12) ?? []).toString('latin1'), 'host');
  assert.equal(getIpv4Option(m, 50), 0x0a00ff09);
  assert.deepEqual(m.sname, new Uint8Array(64));
  assert.deepEqual(m.file, new Uint8Array(128));
  const again = decodeDhcp(encodeDhcp(m));
  assert.ok(again.ok);
  assert.deepEqual(again.value, m);

  // Overload 1 reads only file; sname stays a name.
  const fileOnly = decodeHex(fixedHex({ sname: ascii('server'), file }) + tlv(52, '01') + 'ff');
  assert.ok(fileOnly.ok);
  assert.deepEqual(fileOnly.value.options.map((o) => o.code), [12, 50]);
  assert.equal(Buffer.from(fileOnly.value.sname.subarray(0, 6)).toString('latin1'), 'server');
  // Without 52, the same file bytes are just a file name.
  const none = decodeHex(fixedHex({ file }) + 'ff');
  assert.ok(none.ok);
  assert.deepEqual(none.value.options, []);
});

test('pad bytes are skipped anywhere, and a missing End is tolerated', () => {
  const r = decodeHex(fixedHex() + '000000' + tlv(53, '01') + '00' + tlv(55, '01'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.options.map((o) => o.code), [53, 55]);
  const bootp = decodeHex(fixedHex());
  assert.ok(bootp.ok);
  assert.equal(getMessageType(bootp.value), undefined, 'no 53 is BOOTP, not an error');
});

test('typed errors: short, cookie, op, hlen, truncated options, bad overload', () => {
  const err = (hex: string) => {
    const r = decodeHex(hex);
    assert.equal(r.ok, false, hex.slice(480));
    return r.ok ? undefined : r.error;
  };
  assert.deepEqual(err(fixedHex().slice(0, 478)), { kind: 'tooShort', need: 240, got: 239 });
  assert.deepEqual(err(''), { kind: 'tooShort', need: 240, got: 0 });
  assert.deepEqual(err(fixedHex().slice(0, 472) + '63825364'), { kind: 'badMagicCookie' });
  assert.deepEqual(err('03' + fixedHex().slice(2)), { kind: 'badOp', op: 3 });
  assert.deepEqual(err(fixedHex({ hlen: 17 })), { kind: 'badHardwareLength', hlen: 17 });
  // Option 12 claims 5 bytes but 2 remain; option 61 has no length byte.
  assert.deepEqual(err(fixedHex() + tlv(53, '01') + '0c056869'), { kind: 'badOption', code: 12, offset: 243 });
  assert.deepEqual(err(fixedHex() + tlv(53, '01') + '3d'), { kind: 'badOption', code: 61, offset: 243 });
  assert.deepEqual(err(fixedHex() + tlv(52, '04') + 'ff'), { kind: 'badOption', code: 52, offset: 240 });
  assert.deepEqual(err(fixedHex() + tlv(52, '0101') + 'ff'), { kind: 'badOption', code: 52, offset: 240 });
  // Truncated inside the overloaded file field: offset is where the field's option starts.
  assert.deepEqual(err(fixedHex({ file: '0c7f' }) + tlv(52, '01') + 'ff'), { kind: 'badOption', code: 12, offset: 108 });
});

test('decode copies out of the receive buffer', () => {
  const buf = Buffer.from(UDHCPC_DISCOVER, 'hex');
  const r = decodeDhcp(buf);
  assert.ok(r.ok);
  buf.fill(0);
  assert.equal(formatMac(r.value.chaddr), '02:6e:6c:01:02:00');
  assert.deepEqual(getParameterRequestList(r.value), [1, 3, 6, 12, 15, 28, 42]);
  assert.ok(!(r.value.chaddr instanceof Buffer));
});

test('encoder skips pad, end and overload entries so its output always decodes', () => {
  const msg: DhcpMessage = { ...offer, options: [{ code: 0, data: Uint8Array.of(1) }, { code: 52, data: Uint8Array.of(3) }, { code: 255, data: new Uint8Array(0) }, { code: 53, data: Uint8Array.of(2) }] };
  const r = decodeDhcp(encodeDhcp(msg));
  assert.ok(r.ok);
  assert.deepEqual(r.value.options, [{ code: 53, data: Uint8Array.of(2) }]);
});

test('formatMac and byte helpers', () => {
  assert.equal(formatMac(Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 1, 2)), 'aa:bb:cc:dd:ee:ff');
  assert.equal(formatMac(Uint8Array.of(1)), '01:00:00:00:00:00');
  assert.deepEqual(ipv4ToBytes(0x0a00ff09), Uint8Array.of(10, 0, 255, 9));
  assert.deepEqual(u32ToBytes(0xffffffff), Uint8Array.of(255, 255, 255, 255));
});
