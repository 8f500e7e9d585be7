// The ARP codec (src/wire/arp.ts): the probe we send is RFC 5227's, and the
// decoder refuses what is not Ethernet/IPv4 ARP instead of reading past it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARP_LENGTH, ARP_REQUEST, decodeArp, encodeArpProbe } from '../../src/wire/arp';

const MAC = Uint8Array.of(2, 0, 0x0a, 0, 0, 1);
const IP = 0x0a808081;

test('a probe: request, our MAC, sender address 0.0.0.0, target MAC zero, the probed address', () => {
  const bytes = encodeArpProbe(MAC, IP);
  assert.equal(bytes.length, ARP_LENGTH);
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 1, 8, 0, 6, 4, 0, ARP_REQUEST]);
  assert.deepEqual([...bytes.subarray(8, 14)], [...MAC]);
  assert.deepEqual([...bytes.subarray(14, 24)], new Array(10).fill(0));
  assert.deepEqual([...bytes.subarray(24, 28)], [0x0a, 0x80, 0x80, 0x81]);
  const back = decodeArp(bytes);
  assert.ok(back.ok);
  assert.deepEqual([back.value.op, [...back.value.senderMac], back.value.senderIp, back.value.targetIp], [ARP_REQUEST, [...MAC], 0, IP]);
});

test('short, non-Ethernet or non-IPv4 frames are refused with a reason', () => {
  const good = encodeArpProbe(MAC, IP);
  assert.deepEqual(decodeArp(good.subarray(0, ARP_LENGTH - 1)), { ok: false, error: 'short' });
  for (const [at, value] of [[1, 6], [2, 0x86], [4, 8], [5, 16]] as const) {
    const bad = good.slice();
    bad[at] = value;
    assert.deepEqual(decodeArp(bad), { ok: false, error: 'notEthernetIpv4' }, `byte ${at} = ${value}`);
  }
});
