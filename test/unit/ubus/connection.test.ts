// The sans-IO connection on its own: the clock is a number, nothing sleeps.
// Timeouts and late replies, the size cap, close, seq wrap-around, and how
// INVOKEs are answered (unknown object, NO_REPLY, a throwing handler).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UbusConnection, type UbusHandler } from '../../../src/ubus/connection';
import * as ops from '../../../src/ubus/operations';
import { jsonToFields } from '../../../src/wire/ubus/blobmsg';
import { buildInvoke } from '../../../src/wire/ubus/build';
import {
  decodeUbusMessage, tableOf, UBUS_MAX_MSGLEN, UbusMsgType, UbusStatus, type UbusMessage,
} from '../../../src/wire/ubus/message';

function setup(events: ConstructorParameters<typeof UbusConnection>[1] = {}): { conn: UbusConnection; sent: UbusMessage[] } {
  const sent: UbusMessage[] = [];
  const conn = new UbusConnection((b) => {
    const d = decodeUbusMessage(b);
    assert.ok(d.ok);
    sent.push(d.value);
  }, events);
  conn.handleMessage({ type: UbusMsgType.hello, seq: 0, peer: 0xdd0f0005, attrs: [] }, 0);
  return { conn, sent };
}

const status = (seq: number, peer: number, code: number): UbusMessage =>
  ({ type: UbusMsgType.status, seq, peer, attrs: [{ kind: 'status', value: code }] });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('connection: requests before HELLO fail at once with CONNECTION_FAILED and send nothing', async () => {
  const sent: Uint8Array[] = [];
  const conn = new UbusConnection((b) => sent.push(b));
  const r = await conn.request((seq) => ({ type: UbusMsgType.ping, seq, peer: 0, attrs: [] }), 0);
  assert.deepEqual(r, { status: UbusStatus.connectionFailed, data: [], error: 'ubusd has not sent HELLO yet' });
  assert.equal(sent.length, 0);
});

test('connection: a request without reply times out at its deadline; a late reply is reported and ignored', async () => {
  const unexpected: UbusMessage[] = [];
  const { conn, sent } = setup({ onUnexpected: (m) => unexpected.push(m) });
  const first = ops.ping(conn, 1000, 500);
  const second = ops.lookup(conn, 'uci', 1100, 2000);
  assert.equal(conn.nextDeadline(), 1500);
  conn.handleTimeout(1499);
  conn.handleTimeout(1500);
  const r = await first;
  assert.deepEqual(r, { ok: false, error: { status: UbusStatus.timeout, message: 'ping failed with TIMEOUT: no reply in time' } });
  assert.equal(conn.nextDeadline(), 3100);
  conn.handleMessage(status(sent[0]!.seq, 0, 0), 1600);
  assert.equal(unexpected.length, 1);
  conn.handleMessage(status(sent[1]!.seq, 0, UbusStatus.notFound), 1700);
  const l = await second;
  assert.ok(!l.ok);
  assert.equal(l.error.status, UbusStatus.notFound);
  assert.equal(conn.nextDeadline(), undefined);
});

test('connection: a message above ubusd\'s 1 MiB limit is refused locally with a clear error', async () => {
  const { conn, sent } = setup();
  const big = 'x'.repeat(UBUS_MAX_MSGLEN);
  const r = await ops.invoke(conn, 0x3100d932, 'set', jsonToFields({ config: 'ddhcpd', values: { blob: big } }), 0);
  assert.ok(!r.ok);
  assert.equal(r.error.status, UbusStatus.invalidArgument);
  assert.match(r.error.message, /message of 1048\d{3} bytes exceeds ubusd's limit of 1048576 bytes/);
  assert.equal(sent.length, 0);
  // The seq was not used up: the next request takes 1.
  void ops.ping(conn, 0);
  assert.equal(sent[0]!.seq, 1);
});

test('connection: close fails every waiting request and later ones; nothing more is sent', async () => {
  const { conn, sent } = setup();
  const p = ops.lookup(conn, undefined, 0);
  conn.close('ubusd went away');
  assert.deepEqual(await p, { ok: false, error: { status: UbusStatus.connectionFailed, message: "lookup of '*' failed with CONNECTION_FAILED: ubusd went away" } });
  const after = await conn.request((seq) => ({ type: UbusMsgType.ping, seq, peer: 0, attrs: [] }), 0);
  assert.equal(after.status, UbusStatus.connectionFailed);
  assert.equal(sent.length, 1);
});

test('connection: seq counts from 1 and wraps from 65535 to 0 like libubus\'s u16', () => {
  const { conn, sent } = setup();
  for (let i = 0; i < 65537; i++) {
    conn.send((seq) => ({ type: UbusMsgType.ping, seq, peer: 0, attrs: [] }));
  }
  assert.deepEqual([sent[0]!.seq, sent[65534]!.seq, sent[65535]!.seq, sent[65536]!.seq], [1, 65535, 0, 1]);
});

test('connection: INVOKEs: unknown object NOT_FOUND, NO_REPLY unanswered, a throwing handler UNKNOWN_ERROR, DATA then STATUS', async () => {
  const errors: string[] = [];
  const { conn, sent } = setup({ onHandlerError: (m, e) => errors.push(`${m}: ${String(e)}`) });
  const calls: string[] = [];
  const handler: UbusHandler = (inv) => {
    calls.push(`${inv.method} caller=${inv.caller} noReply=${inv.noReply}`);
    if (inv.method === 'boom') throw new Error('bug');
    if (inv.method === 'slow') return Promise.reject(new Error('async bug'));
    return { status: 0, data: jsonToFields({ ok: true }) };
  };
  conn.setHandler(0x519d8263, handler);
  const invoke = (seq: number, obj: number, method: string, extra: UbusMessage['attrs'] = []): UbusMessage => {
    const m = buildInvoke(seq, obj, method, []);
    return { ...m, peer: 0x2d1da142, attrs: [...m.attrs, ...extra] };
  };
  conn.handleMessage(invoke(7, 0x12345678, 'event'), 0);
  conn.handleMessage(invoke(8, 0x519d8263, 'config.change', [{ kind: 'noReply', value: 1 }]), 0);
  conn.handleMessage(invoke(9, 0x519d8263, 'boom'), 0);
  conn.handleMessage(invoke(10, 0x519d8263, 'slow'), 0);
  conn.handleMessage(invoke(11, 0x519d8263, 'event'), 0);
  await flush();
  assert.deepEqual(calls, [
    'config.change caller=756916546 noReply=true', 'boom caller=756916546 noReply=false',
    'slow caller=756916546 noReply=false', 'event caller=756916546 noReply=false',
  ]);
  assert.deepEqual(errors, ['boom: Error: bug', 'slow: Error: async bug']);
  const summary = sent.map((m) => [m.type, m.seq, m.peer, tableOf(m).status, tableOf(m).objid]);
  assert.deepEqual(summary, [
    [UbusMsgType.status, 7, 0x2d1da142, UbusStatus.notFound, 0x12345678],
    [UbusMsgType.status, 9, 0x2d1da142, UbusStatus.unknownError, 0x519d8263],
    [UbusMsgType.data, 11, 0x2d1da142, undefined, 0x519d8263],
    [UbusMsgType.status, 11, 0x2d1da142, UbusStatus.ok, 0x519d8263],
    [UbusMsgType.status, 10, 0x2d1da142, UbusStatus.unknownError, 0x519d8263],
  ]);
});

test('connection: a reply too large for ubusd becomes NO_MEMORY instead of a dropped connection', async () => {
  const errors: string[] = [];
  const { conn, sent } = setup({ onHandlerError: (_m, e) => errors.push(String(e)) });
  conn.setHandler(5, () => ({ status: 0, data: jsonToFields({ leases: 'x'.repeat(UBUS_MAX_MSGLEN) }) }));
  conn.handleMessage({ ...buildInvoke(3, 5, 'leases', []), peer: 99 }, 0);
  await flush();
  assert.equal(sent.length, 1);
  assert.equal(tableOf(sent[0]!).status, UbusStatus.noMemory);
  assert.match(errors[0]!, /exceeds ubusd's limit of 1048576 bytes; sent NO_MEMORY instead/);
});

test('connection: NOTIFY ACTIVE and UNSUBSCRIBE from ubusd reach their callbacks', () => {
  const seen: string[] = [];
  const { conn } = setup({
    onActive: (o, a) => seen.push(`active ${o} ${a}`),
    onUnsubscribed: (s, t) => seen.push(`unsubscribed ${s} ${t}`),
  });
  conn.handleMessage({ type: UbusMsgType.notify, seq: 1, peer: 0, attrs: [{ kind: 'objid', value: 4 }, { kind: 'active', value: 1 }] }, 0);
  conn.handleMessage({ type: UbusMsgType.unsubscribe, seq: 1, peer: 0, attrs: [{ kind: 'objid', value: 5 }, { kind: 'target', value: 4 }] }, 0);
  assert.deepEqual(seen, ['active 4 true', 'unsubscribed 5 4']);
});
