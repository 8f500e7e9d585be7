// The native DHCP socket (io/native.ts): sendto() delivers the exact bytes to an
// address and port given as numbers, a send the kernel refuses comes back as an
// errno instead of an exception, and the receiver hands over every datagram.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { closeReceiver, openArp, openUdp4, receiveDatagrams, sendDatagram4, socketFd } from '../../../src/io/native';

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

test('the native receiver hands over each datagram in the reused buffer, and stops on close', async () => {
  const port = 40_000 + Math.floor(Math.random() * 20_000);
  const fd = openUdp4('lo', port, 1 << 16);
  const buffer = new Uint8Array(2048);
  const got: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  const handle = receiveDatagrams(fd, buffer, (n) => {
    assert.ok(n >= 0, `receive failed: ${n}`);
    got.push(buffer.slice(0, n));
    wake?.();
  });
  const sender = await bound();
  try {
    const sent = [Uint8Array.of(1, 2, 3), new Uint8Array(600).fill(0xab), new Uint8Array(0)];
    for (const b of sent) sender.send(b, port, '127.0.0.1');
    while (got.length < sent.length) await new Promise<void>((r) => (wake = r));
    assert.deepEqual(got, sent);
    closeReceiver(handle);
    closeReceiver(handle);
    got.length = 0;
    sender.send(Uint8Array.of(9), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, 0, 'nothing arrives after close');
  } finally {
    sender.close();
  }
});

test('opening fails with the step that failed: a missing device, a port in use', async () => {
  assert.throws(() => openUdp4('nosuchdev0', 40_000, 0), /SO_BINDTODEVICE: No such device/);
  const blocker = await bound();
  try {
    // Bound without SO_REUSEADDR, so our bind must fail.
    assert.throws(() => openUdp4('lo', blocker.address().port, 0), /bind: Address already in use/);
  } finally {
    blocker.close();
  }
});

test('every entry point of the native helper refuses a wrong argument count with a TypeError naming its call', () => {
  // The raw module, as loadHelper() requires it: the wrappers always pass the right count.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const raw = require(path.join(__dirname, '..', '..', '..', 'dist', 'ddhcpd_native.node')) as Record<string, (...args: unknown[]) => unknown>;
  const calls: [string, number][] = [
    ['bindToDevice', 2],
    ['sendTo', 4],
    ['openUdp4', 3],
    ['openArp', 1],
    ['hardwareAddress', 1],
    ['sendArp', 2],
    ['receive', 3],
    ['closeReceiver', 1],
  ];
  for (const [name, count] of calls) {
    const fn = raw[name];
    assert.equal(typeof fn, 'function', name);
    for (const args of [Array(count - 1).fill(0), Array(count + 1).fill(0)]) {
      assert.throws(() => fn?.(...args), (e: unknown) => e instanceof TypeError && e.message.startsWith(`${name}(`), `${name} with ${args.length} arguments`);
    }
  }
});

test('an empty or over-long interface name is a TypeError for both socket kinds, before any socket is made', () => {
  for (const name of ['', 'a'.repeat(16)]) {
    assert.throws(() => openUdp4(name, 40_000, 0), { name: 'TypeError', message: 'ifname must be an interface name' });
    assert.throws(() => openArp(name), { name: 'TypeError', message: 'ifname must be an interface name' });
  }
  // 15 characters is the longest name the kernel takes: it passes the check and fails at the device.
  assert.throws(() => openUdp4('a'.repeat(15), 40_000, 0), /SO_BINDTODEVICE: No such device/);
});
