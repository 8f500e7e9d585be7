// The native sendto() path the DHCP socket replies through (io/native.ts): the
// bytes arrive unchanged at the address and port given as numbers, and a send the
// kernel refuses comes back as an errno instead of an exception.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { sendDatagram4, socketFd } from '../../../src/io/native';

const LOOPBACK = 0x7f000001;

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

test('sendDatagram4 delivers the exact bytes to the numeric address and port', async () => {
  const receiver = await bound();
  const sender = await bound();
  try {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
    const got = once(receiver, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
    assert.equal(sendDatagram4(socketFd(sender), bytes, LOOPBACK, receiver.address().port), 0);
    const [msg, from] = await got;
    assert.deepEqual(new Uint8Array(msg), bytes);
    assert.equal(from.port, sender.address().port);
    // A view into a larger buffer sends only the view.
    const big = new Uint8Array(64).fill(9);
    const part = big.subarray(10, 20);
    part.fill(1);
    const got2 = once(receiver, 'message') as Promise<[Buffer]>;
    assert.equal(sendDatagram4(socketFd(sender), part, LOOPBACK, receiver.address().port), 0);
    assert.deepEqual(new Uint8Array((await got2)[0]), new Uint8Array(10).fill(1));
  } finally {
    receiver.close();
    sender.close();
  }
});

test('a datagram the kernel refuses returns its errno, it does not throw', async () => {
  const sender = await bound();
  try {
    const EMSGSIZE = 90;
    assert.equal(sendDatagram4(socketFd(sender), new Uint8Array(70_000), LOOPBACK, 9), EMSGSIZE);
  } finally {
    sender.close();
  }
});

test('wrong arguments are type errors, not crashes', () => {
  assert.throws(() => sendDatagram4(-1, new Uint8Array(1), LOOPBACK, 9), TypeError);
  assert.throws(() => sendDatagram4(0, new Uint8Array(1), LOOPBACK, 70_000), TypeError);
});
