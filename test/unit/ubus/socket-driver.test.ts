// The socket driver with the connection machine over a real unix socket, against
// the replaying stand-in: our client plays the recorded example server (object
// `test`, calls, METHOD_NOT_FOUND, a subscription and its notifications) and
// must send exactly the recorded bytes; plus close and HELLO-timeout handling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UbusInvocation, UbusResponse } from '../../../src/ubus/connection';
import * as ops from '../../../src/ubus/operations';
import { connectUbus } from '../../../src/ubus/socket-driver';
import { jsonToFields } from '../../../src/wire/ubus/blobmsg';
import { UbusStatus } from '../../../src/wire/ubus/message';
import { startReplay } from './replay-ubusd';
import { connectionScript } from './scenarios';

const now = (): number => performance.now();
const EXAMPLE_SERVER = ['server_add_object', 'server_invoke_hello_with_fd', 'server_invoke_count', 'server_method_not_found',
  'client_subscribe_notify'];

test('socket driver: our client as the example server sends every recorded byte of its 5-scenario session', async () => {
  const script = connectionScript(EXAMPLE_SERVER, 'example-server', 23);
  const replay = await startReplay([script]);
  const unsubscribed: [number, number][] = [];
  try {
    const link = await connectUbus(replay.path, { now, timeoutMs: 2000, events: { onUnsubscribed: (s, t) => unsubscribed.push([s, t]) } });
    assert.ok(link.ok);
    const conn = link.value.conn;
    assert.equal(conn.clientId, 0xcaacf77e);
    let subscriber = 0;
    const testObject = async (inv: UbusInvocation): Promise<UbusResponse> => {
      const args = new Map((inv.args ?? []).map((f) => [f.name, f.value]));
      switch (inv.method) {
        case 'hello': {
          const msg = args.get('msg');
          return { status: 0, data: jsonToFields({ message: `test received a message: ${msg?.type === 'string' ? msg.value : ''}` }) };
        }
        case 'count':
          return { status: 0, data: jsonToFields({ rc: 49 }) };
        case 'watch': {
          const id = args.get('id');
          assert.ok(id?.type === 'int32');
          const r = await ops.subscribe(conn, subscriber, id.value >>> 0, now());
          return { status: r.ok ? 0 : r.error.status };
        }
        default:
          return { status: UbusStatus.methodNotFound };
      }
    };
    const signature = jsonToFields({ hello: { id: 5, msg: 3 }, watch: { id: 5, counter: 5 }, count: { to: 5, string: 3 } });
    const added = await ops.addObject(conn, 'test', signature, testObject, now());
    assert.deepEqual(added, { ok: true, value: { objId: 0x29588b10, objType: 0x851f2dca } });
    const anon = await ops.addObject(conn, undefined, undefined, () => ({ status: 0 }), now());
    assert.ok(anon.ok);
    subscriber = anon.value.objId;
    await waitUntil(() => replay.outcomes[0] !== undefined && unsubscribed.length > 0);
    assert.deepEqual(unsubscribed, [[0x33c85b2a, 0xa491c898]]);
    link.value.close();
    const done = await replay.outcomes[0]!;
    assert.deepEqual(done.mismatches, []);
    assert.deepEqual(done.extra, []);
    assert.equal(done.finished, true);
    assert.equal(done.matched, script.filter((m) => m.dir === 'client->ubusd').length);
  } finally {
    await replay.close();
  }
});

test('socket driver: when ubusd closes the socket, waiting requests fail with CONNECTION_FAILED and `closed` resolves', async () => {
  const hello = connectionScript(['hello_ping'], 'pyclient', 2).slice(0, 2); // HELLO, then our PING
  const replay = await startReplay([hello], { closeAtEnd: true });
  try {
    const link = await connectUbus(replay.path, { now, timeoutMs: 2000 });
    assert.ok(link.ok);
    const pinged = await ops.ping(link.value.conn, now(), 5000);
    assert.ok(!pinged.ok);
    assert.equal(pinged.error.status, UbusStatus.connectionFailed);
    assert.match(await link.value.closed, /ubusd closed the connection/);
    assert.equal((await replay.outcomes[0]!).matched, 1, 'the PING bytes were the recorded ones');
  } finally {
    await replay.close();
  }
});

test('socket driver: no HELLO within the time limit is a timeout error, and the socket is closed', async () => {
  const replay = await startReplay([[]]);
  try {
    const started = now();
    const link = await connectUbus(replay.path, { now, timeoutMs: 150 });
    assert.ok(!link.ok);
    assert.equal(link.error.code, 'timeout');
    assert.ok(now() - started >= 140);
    const outcome = await replay.outcomes[0]!;
    assert.equal(outcome.matched, 0);
  } finally {
    await replay.close();
  }
});

test('socket driver: a missing socket is ENOENT, not a throw', async () => {
  const link = await connectUbus('/nonexistent/ubus.sock', { now, timeoutMs: 500 });
  assert.ok(!link.ok);
  assert.equal(link.error.code, 'ENOENT');
});

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), 'the replay did not reach its end');
}
