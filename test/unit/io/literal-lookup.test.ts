// Our UDP sockets skip dns.lookup: the literal address goes through unchanged
// and a tick later (as dns.lookup answers an IP literal), and datagrams still
// flow on loopback for both families.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { literalLookup } from '../../../src/io/literal-lookup';

test('literalLookup answers with the same address and family, asynchronously', async () => {
  const order: string[] = [];
  const answer = new Promise<[unknown, string, number]>((resolve) => {
    literalLookup(6)('fe80::1%bat0', { family: 6 }, (e, address, family) => {
      order.push('callback');
      resolve([e, address, family]);
    });
  });
  order.push('returned');
  assert.deepEqual(await answer, [null, 'fe80::1%bat0', 6]);
  assert.deepEqual(order, ['returned', 'callback']);
});

for (const [type, family, host] of [['udp4', 4, '127.0.0.1'], ['udp6', 6, '::1']] as const) {
  test(`a ${type} socket with literalLookup binds, sends and receives on ${host}`, async () => {
    const rx = dgram.createSocket({ type, lookup: literalLookup(family) });
    const tx = dgram.createSocket({ type, lookup: literalLookup(family) });
    try {
      await new Promise<void>((resolve, reject) => {
        rx.once('error', reject);
        rx.bind({ port: 0, address: host }, () => resolve());
      });
      const got = new Promise<Buffer>((resolve) => rx.once('message', (m) => resolve(m)));
      tx.send(Buffer.from('ping'), rx.address().port, host);
      assert.equal((await got).toString(), 'ping');
    } finally {
      rx.close();
      tx.close();
    }
  });
}
