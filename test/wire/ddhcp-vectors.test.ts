// Every vector in test/vectors/ddhcp-vectors: captured C packets decode to their
// `decoded` form and re-encode to the same bytes; crafted ones are rejected with
// the right typed error, or decode with the field that the core will refuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDdhcp, encodeDdhcp } from '../../src/wire/ddhcp';
import { bytesToHex, formatIpv4, hexToBytes, swapBytes32 } from '../../src/wire/bytes';
import type { DdhcpMessage } from '../../src/wire/ddhcp-message';
import { parseIpv4 } from '../../src/config/parse';
import { DDHCP_VECTORS } from '../vectors/dirs';

const DIR = DDHCP_VECTORS;
const CRAFTED_PREFIX = 0x0a008000; // 10.0.128.0/17, block size 4 (README "crafted")

interface DecodedJson {
  node_id: string;
  prefix: string;
  prefix_len: number;
  block_size: number;
  command: number;
  count: number;
  payload: Record<string, number | string>[];
}
interface Vector {
  hex: string;
  decoded: DecodedJson;
  note: string;
}
interface Crafted {
  name: string;
  hex: string;
  length: number;
  expect: 'drop' | 'ignore entry' | 'no reply';
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;
}

function decodeHex(hex: string): ReturnType<typeof decodeDdhcp> {
  const bytes = hexToBytes(hex);
  assert.ok(bytes, `bad hex in vector: ${hex}`);
  return decodeDdhcp(bytes);
}

function ip(text: string): number {
  const r = parseIpv4(text);
  assert.ok(r.ok, text);
  return r.value;
}

function inNetwork(addr: number, prefix: number, prefixLen: number): boolean {
  const mask = (0xffffffff << (32 - prefixLen)) >>> 0;
  return ((addr & mask) >>> 0) === prefix;
}

/** The real address of a lease message: whichever byte order lies inside the packet's network. */
function realAddress(msg: DdhcpMessage & { lease: { addressRaw: number } }): number {
  const raw = msg.lease.addressRaw;
  return inNetwork(raw, msg.prefix, msg.prefixLen) ? raw : swapBytes32(raw);
}

function assertMatches(msg: DdhcpMessage, d: DecodedJson, bigEndian: boolean): void {
  assert.equal(msg.nodeId, d.node_id);
  assert.equal(msg.prefix, ip(d.prefix));
  assert.equal(msg.prefixLen, d.prefix_len);
  assert.equal(msg.blockSize, d.block_size);
  assert.equal(msg.command, d.command);
  if (msg.command === 1) {
    assert.equal(msg.claims.length, d.count);
    assert.deepEqual(
      msg.claims.map((c) => ({ block_index: c.blockIndex, timeout: c.timeoutSec, reserved: c.reserved })),
      d.payload,
    );
  } else if (msg.command === 2) {
    assert.equal(msg.blocks.length, d.count);
    assert.deepEqual(msg.blocks.map((b) => ({ block_index: b })), d.payload);
  } else {
    assert.equal(msg.count, d.count);
    assert.equal(d.payload.length, 1);
    const p = d.payload[0]!;
    const expectedRaw = bigEndian ? ip(String(p['address'])) : swapBytes32(ip(String(p['address'])));
    assert.equal(msg.lease.addressRaw, expectedRaw, `addressRaw ${formatIpv4(msg.lease.addressRaw)}`);
    assert.equal(formatIpv4(realAddress(msg)), p['address']);
    assert.equal(msg.lease.xid, p['xid']);
    assert.equal(msg.lease.leaseSeconds, p['lease_seconds']);
    assert.equal(bytesToHex(msg.lease.chaddr), p['chaddr']);
  }
}

const CAPTURED = ['updateclaim.json', 'inquire.json', 'renewlease.json', 'leaseack.json', 'leasenak.json', 'bigendian.json'];

for (const file of CAPTURED) {
  test(`${file}: decode equals decoded, encode gives the same bytes`, () => {
    const vectors = load<Vector[]>(file);
    assert.ok(vectors.length > 0);
    for (const [i, v] of vectors.entries()) {
      const r = decodeHex(v.hex);
      assert.ok(r.ok, `${file} #${i}: ${JSON.stringify(r)}`);
      assertMatches(r.value, v.decoded, file === 'bigendian.json');
      assert.equal(bytesToHex(encodeDdhcp(r.value)), v.hex, `${file} #${i} re-encode`);
    }
  });
}

test('mesh-startup.json: every packet of both runs decodes to its listed blocks and re-encodes', () => {
  const startup = load<{ sequences: { events: { command: string; count: number; blocks: number[]; hex: string }[] }[] }>('mesh-startup.json');
  let n = 0;
  for (const seq of startup.sequences) {
    for (const e of seq.events) {
      const r = decodeHex(e.hex);
      assert.ok(r.ok, e.hex);
      const msg = r.value;
      if (msg.command === 1) {
        assert.equal(e.command, 'UPDATECLAIM');
        assert.deepEqual(msg.claims.map((c) => c.blockIndex), e.blocks);
        assert.ok(msg.claims.length <= 32);
      } else if (msg.command === 2) {
        assert.equal(e.command, 'INQUIRE');
        assert.deepEqual(msg.blocks, e.blocks);
      } else {
        assert.fail(`unexpected command ${msg.command}`);
      }
      assert.equal(bytesToHex(encodeDdhcp(msg)), e.hex);
      n++;
    }
  }
  assert.ok(n > 10, `only ${n} events`);
});

/** What each crafted case must give: an error kind, or the decoded field that makes the core refuse it. */
const CRAFTED_EXPECT: Record<string, (r: ReturnType<typeof decodeDdhcp>) => void> = {};
const errorKind = (kind: string) => (r: ReturnType<typeof decodeDdhcp>) => {
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.kind, kind);
};
for (const name of ['empty', 'too_short_10', 'too_short_15']) CRAFTED_EXPECT[name] = errorKind('tooShort');
for (const name of ['unknown_command_0', 'unknown_command_3', 'unknown_command_7', 'unknown_command_255']) {
  CRAFTED_EXPECT[name] = errorKind('unknownCommand');
}
for (const name of [
  'header_only_count_1', 'updateclaim_count_exceeds_payload', 'inquire_count_255_one_entry',
  'updateclaim_count_0_with_entry', 'inquire_trailing_bytes', 'updateclaim_with_inquire_sized_entry',
  'updateclaim_8_byte_entry', 'renewlease_43_bytes', 'leaseack_48_bytes', 'renewlease_header_only',
]) {
  CRAFTED_EXPECT[name] = errorKind('badLength');
}
function decodedThen(check: (m: DdhcpMessage) => void) {
  return (r: ReturnType<typeof decodeDdhcp>) => {
    assert.ok(r.ok, JSON.stringify(r));
    check(r.value);
  };
}
const claimIndex = (m: DdhcpMessage): number => (m.command === 1 ? (m.claims[0]?.blockIndex ?? -1) : -1);
CRAFTED_EXPECT['updateclaim_block_index_8192'] = decodedThen((m) => assert.equal(claimIndex(m), 8192));
CRAFTED_EXPECT['updateclaim_block_index_ffffffff'] = decodedThen((m) => assert.equal(claimIndex(m), 0xffffffff));
CRAFTED_EXPECT['inquire_block_index_out_of_range'] = decodedThen((m) => {
  assert.equal(m.command, 2);
  if (m.command === 2) assert.ok((m.blocks[0] ?? 0) >= 8192);
});
// Foreign-mesh drops are the core's: the codec decodes and the differing header field shows.
CRAFTED_EXPECT['updateclaim_foreign_prefix'] = decodedThen((m) => assert.equal(m.prefix, 0x0a000000));
CRAFTED_EXPECT['updateclaim_prefix_byte_swapped'] = decodedThen((m) => assert.equal(m.prefix, swapBytes32(CRAFTED_PREFIX)));
CRAFTED_EXPECT['updateclaim_prefix_len_mismatch'] = decodedThen((m) => assert.equal(m.prefixLen, 16));
CRAFTED_EXPECT['updateclaim_blocksize_mismatch_8'] = decodedThen((m) => assert.equal(m.blockSize, 8));
CRAFTED_EXPECT['updateclaim_blocksize_as_exponent'] = decodedThen((m) => assert.equal(m.blockSize, 2));
CRAFTED_EXPECT['inquire_blocksize_mismatch_own_block'] = decodedThen((m) => assert.equal(m.blockSize, 8));
CRAFTED_EXPECT['renewlease_foreign_prefix'] = decodedThen((m) => assert.equal(m.prefix, 0x0a010000));
CRAFTED_EXPECT['renewlease_address_not_byte_reversed'] = decodedThen((m) => {
  assert.equal(m.command, 16);
  if (m.command !== 16) return;
  // Network order here: a C owner reads 9.255.0.10 and stays silent; our core sees 10.0.255.9.
  assert.equal(formatIpv4(m.lease.addressRaw), '10.0.255.9');
  assert.equal(formatIpv4(swapBytes32(m.lease.addressRaw)), '9.255.0.10');
});

test('crafted.json: every case has an expectation and meets it', () => {
  const crafted = load<Crafted[]>('crafted.json');
  assert.equal(crafted.length, 28);
  for (const c of crafted) {
    const check = CRAFTED_EXPECT[c.name];
    assert.ok(check, `no expectation for crafted case ${c.name}`);
    const bytes = hexToBytes(c.hex);
    assert.ok(bytes);
    assert.equal(bytes.length, c.length, c.name);
    const r = decodeDdhcp(bytes);
    check(r);
    if (c.expect !== 'drop') assert.ok(r.ok, `${c.name}: '${c.expect}' cases are the core's to refuse`);
  }
});

test('RELEASE (19) decodes, unlike the C length table, and count is kept as given', () => {
  const hex = '0123456789abcdef0a0080001104130708ff000a1122334400000e10026e6c09090000000000000000000000';
  const r = decodeHex(hex);
  assert.ok(r.ok);
  assert.equal(r.value.nodeId, '0123456789abcdef');
  assert.equal(r.value.command, 19);
  if (r.value.command !== 19) return;
  assert.equal(r.value.count, 7);
  assert.equal(r.value.lease.leaseSeconds, 3600);
  assert.equal(bytesToHex(encodeDdhcp(r.value)), hex);
});

test('decode reads from a Buffer slice at a nonzero offset and copies chaddr', () => {
  const v = load<Vector[]>('renewlease.json')[0]!;
  const pool = Buffer.alloc(200, 0xee);
  Buffer.from(v.hex, 'hex').copy(pool, 50);
  const slice = pool.subarray(50, 50 + v.hex.length / 2);
  const r = decodeDdhcp(slice);
  assert.ok(r.ok);
  assertMatches(r.value, v.decoded, false);
  pool.fill(0);
  if (r.value.command === 16) assert.equal(bytesToHex(r.value.lease.chaddr), v.decoded.payload[0]!['chaddr']);
});

test('swapBytes32 reverses bytes and is its own inverse', () => {
  assert.equal(swapBytes32(0x0a00e1f5), 0xf5e1000a);
  assert.equal(swapBytes32(0xf5e1000a), 0x0a00e1f5);
  assert.equal(swapBytes32(0), 0);
  assert.equal(swapBytes32(0xffffffff), 0xffffffff);
  assert.equal(swapBytes32(0x80000001), 0x01000080);
});

test('encoder writes at most 255 entries so count and length always agree', () => {
  const claims = Array.from({ length: 300 }, (_, i) => ({ blockIndex: i, timeoutSec: 60, reserved: 0 }));
  const bytes = encodeDdhcp({ nodeId: 'ffffffffffffffff', prefix: CRAFTED_PREFIX, prefixLen: 17, blockSize: 4, command: 1, claims });
  assert.equal(bytes.length, 16 + 7 * 255);
  const r = decodeDdhcp(bytes);
  assert.ok(r.ok);
  if (r.value.command === 1) assert.equal(r.value.claims.length, 255);
});

test('node ids: the same bytes give the same string, also past the memo bound; every id reads as its hex', () => {
  const inquire = (id: Uint8Array): Uint8Array => {
    const bytes = new Uint8Array(20);
    bytes.set(id, 0);
    bytes.set([10, 0, 0, 0, 20, 3, 2, 1, 0, 0, 0, 7], 8);
    return bytes;
  };
  const first = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3);
  const a = decodeDdhcp(inquire(first));
  const b = decodeDdhcp(inquire(first));
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.nodeId, 'deadbeef00010203');
  assert.ok(Object.is(a.value.nodeId, b.value.nodeId));
  // 10 000 made-up ids (a flood): each still decodes to its own hex, ids sharing a high word too.
  for (let i = 0; i < 10_000; i++) {
    const id = Uint8Array.of(0, 0, i >> 8, i & 255, 0x12, 0x34, i & 7, 0xff);
    const r = decodeDdhcp(inquire(id));
    assert.ok(r.ok);
    assert.equal(r.value.nodeId, bytesToHex(id));
  }
  const again = decodeDdhcp(inquire(first));
  assert.ok(again.ok);
  assert.equal(again.value.nodeId, 'deadbeef00010203');
});
