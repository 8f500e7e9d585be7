// The `ddhcpd` ubus object: its published signature, what each method answers
// (as JSON, the way `ubus call` prints it), that bad arguments answer
// INVALID_ARGUMENT and change nothing, and the reply bytes through a connection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/io/log';
import { UbusConnection } from '../../../src/ubus/connection';
import { createDdhcpdObject } from '../../../src/ubus/ddhcpd-object';
import { bytesToHex } from '../../../src/wire/bytes';
import { fieldsToJson, jsonToFields, type JsonValue } from '../../../src/wire/ubus/blobmsg';
import { buildInvoke } from '../../../src/wire/ubus/build';
import { decodeUbusMessage, encodeUbusMessage, tableOf, UbusMsgType, UbusStatus, type UbusMessage } from '../../../src/wire/ubus/message';
import { fakeApi, ip, type FakeApi } from '../ctl/fixtures';

const quiet = createLogger(0, () => undefined);

/** `args` 'none' sends no DATA at all. */
async function call(api: FakeApi, method: string, args: JsonValue | 'none' = {}): Promise<{ status: number; json: JsonValue }> {
  const obj = createDdhcpdObject(api, quiet);
  const r = await obj.handle({
    seq: 1, objId: 7, method, caller: 0x1234, user: 'root', group: 'root', noReply: false,
    args: args === 'none' ? undefined : jsonToFields(args as Record<string, JsonValue>),
  });
  return { status: r.status, json: r.data === undefined ? null : JSON.parse(JSON.stringify(fieldsToJson(r.data))) as JsonValue };
}

test('ddhcpd object: the signature lists every method with its argument types (ubus -v list ddhcpd)', () => {
  const obj = createDdhcpdObject(fakeApi(), quiet);
  assert.equal(obj.path, 'ddhcpd');
  assert.deepEqual(JSON.parse(JSON.stringify(fieldsToJson(obj.signature))), {
    status: {}, blocks: {}, leases: {}, options: {},
    set_option: { code: 5, payload: 3, len: 5 },
    remove_option: { code: 5 },
    set_log_level: { level: 5 },
    statistics: { reset: 7 },
    reload: {},
  });
});

test('ddhcpd object: status gives node, network, timeouts, learning, block and lease counts, uptime, interfaces', async () => {
  const api = fakeApi();
  api.nowMs = 90_500;
  (api as { interfaces: FakeApi['interfaces'] }).interfaces = () => [
    { role: 'client', name: 'br-client', ifindex: 5, up: true, address: '10.0.128.1' },
    { role: 'server', name: 'bat0', ifindex: undefined, up: false, address: undefined },
  ];
  const r = await call(api, 'status');
  assert.equal(r.status, UbusStatus.ok);
  assert.deepEqual(r.json, {
    node_id: '0000000000000000', network: '10.0.128.0/17', block_size: 4, block_count: 8192,
    block_timeout: 60, tentative_timeout: 3, needless_timeout: 300, spare_leases: 2, max_leases: 16384, dhcp_enabled: true, learning: false,
    blocks: { ours: 2, claimed: 1, tentative: 0, claiming: 0, free: 8189 },
    leases: { free: 4, offered: 1, leased: 3 },
    uptime: 90, log_level: 2,
    interfaces: [
      { role: 'client', name: 'br-client', up: true, ifindex: 5, address: '10.0.128.1' },
      { role: 'server', name: 'bat0', up: false },
    ],
  });
});

test('ddhcpd object: blocks as objects, leases sorted by address with seconds left, options as dotted payloads', async () => {
  const api = fakeApi();
  api.fakeView.leases = () => [
    { ip: ip('10.0.255.33'), mac: '02:00:00:00:00:02', state: 'offered', expiresAt: 12_000, blockIndex: 8029 },
    { ip: ip('10.0.201.194'), mac: '02:00:00:00:00:01', state: 'leased', expiresAt: 3_600_000, blockIndex: 4719 },
  ];
  const blocks = await call(api, 'blocks');
  assert.deepEqual(blocks.json, {
    blocks: [
      { index: 4719, state: 'ours', owner: '0000000000000000', claim_count: 3, offered: 0, leased: 0, timeout: 56 },
      { index: 7450, state: 'claimed', owner: '0000000000000000', claim_count: 0, offered: 0, leased: 0, timeout: 51 },
      { index: 8029, state: 'ours', owner: '0000000000000000', claim_count: 3, offered: 1, leased: 3, timeout: 56 },
    ],
  });
  const leases = await call(api, 'leases');
  assert.deepEqual(leases.json, {
    leases: [
      { address: '10.0.201.194', mac: '02:00:00:00:00:01', state: 'leased', valid: 3600, block: 4719 },
      { address: '10.0.255.33', mac: '02:00:00:00:00:02', state: 'offered', valid: 12, block: 8029 },
    ],
  });
  const options = await call(api, 'options');
  assert.deepEqual(options.json, {
    lease_time: 60, dhcp_disabled: false,
    options: [
      { code: 51, len: 4, payload: '0.0.0.60' }, { code: 1, len: 4, payload: '255.255.0.0' },
      { code: 54, len: 4, payload: '10.0.0.1' }, { code: 3, len: 4, payload: '10.0.0.1' },
      { code: 2, len: 4, payload: '0.0.0.0' }, { code: 28, len: 4, payload: '10.0.255.255' },
    ],
  });
});

test('ddhcpd object: set_option and remove_option change the store; len is optional and checked when given', async () => {
  const api = fakeApi();
  assert.deepEqual(await call(api, 'set_option', { code: 3, len: 4, payload: '10.116.254.253' }), { status: 0, json: {} });
  assert.deepEqual(await call(api, 'set_option', { code: 26, payload: '5.0' }), { status: 0, json: {} });
  assert.deepEqual(await call(api, 'remove_option', { code: 54 }), { status: 0, json: {} });
  assert.deepEqual(api.calls, [
    { kind: 'setOption', arg: { code: 3, payload: [10, 116, 254, 253] } },
    { kind: 'setOption', arg: { code: 26, payload: [5, 0] } },
    { kind: 'removeOption', arg: 54 },
  ]);
});

const BAD: readonly [string, JsonValue, string][] = [
  ['set_option', { payload: '10.0.0.1' }, 'code: required, an integer from 1 to 254'],
  ['set_option', { code: 300, payload: '10.0.0.1' }, 'code: must be an integer from 1 to 254'],
  ['set_option', { code: '3', payload: '10.0.0.1' }, 'code: must be an integer from 1 to 254'],
  ['set_option', { code: 3 }, 'payload: required, a string of dotted decimal bytes, e.g. "10.116.254.254"'],
  ['set_option', { code: 3, payload: 167772161 }, 'payload: required, a string of dotted decimal bytes, e.g. "10.116.254.254"'],
  ['set_option', { code: 3, len: 4, payload: '10.0.0' }, 'option 3: length says 4 bytes but the payload has 3'],
  ['set_option', { code: 3, payload: '10.0.0.256' }, 'option 3: payload byte 4: 256 is out of range, use 0 to 255'],
  ['set_option', { code: 3, len: -1, payload: '10.0.0.1' }, 'len: must be an integer from 0 to 255'],
  ['remove_option', {}, 'code: required, an integer from 1 to 254'],
  ['set_log_level', { level: 8 }, 'level: must be an integer from 0 to 7'],
  ['statistics', { reset: 'yes' }, 'reset: must be true or false'],
];

for (const [method, args, message] of BAD) {
  test(`ddhcpd object: ${method} ${JSON.stringify(args)} is INVALID_ARGUMENT with a reason and changes nothing`, async () => {
    const api = fakeApi();
    api.stats.add('dhcp.recv_pkg', 3);
    const r = await call(api, method, args);
    assert.deepEqual(r, { status: UbusStatus.invalidArgument, json: { error: message } });
    assert.deepEqual(api.calls, []);
    assert.equal(api.stats.get('dhcp.recv_pkg'), 3);
  });
}

test('ddhcpd object: set_log_level, statistics with reset (values before the reset), reload ok and refused', async () => {
  const api = fakeApi();
  assert.deepEqual(await call(api, 'set_log_level', { level: 4 }), { status: 0, json: { level: 4 } });
  api.stats.add('dhcp.recv_discover', 2);
  const stats = await call(api, 'statistics', { reset: true });
  assert.equal((stats.json as Record<string, number>)['dhcp.recv_discover'], 2);
  assert.equal((stats.json as Record<string, number>)['ddhcp.blocks.ours'], 2);
  assert.equal(api.stats.get('dhcp.recv_discover'), 0);
  assert.deepEqual(await call(api, 'reload'), { status: 0, json: {} });
  api.reload = () => Promise.resolve("ddhcpd.main.network: '10.0.0.0' is not a CIDR network");
  assert.deepEqual(await call(api, 'reload'), {
    status: UbusStatus.invalidArgument, json: { error: "ddhcpd.main.network: '10.0.0.0' is not a CIDR network" },
  });
});

test('ddhcpd object: unknown methods are METHOD_NOT_FOUND (also inherited names); a call without DATA is INVALID_ARGUMENT', async () => {
  const api = fakeApi();
  assert.deepEqual(await call(api, 'nosuch'), { status: UbusStatus.methodNotFound, json: null });
  assert.deepEqual(await call(api, 'constructor'), { status: UbusStatus.methodNotFound, json: null });
  assert.equal((await call(api, 'status', 'none')).status, UbusStatus.invalidArgument);
});

test('ddhcpd object: through a connection, an INVOKE is answered with DATA then STATUS, seq and caller echoed', async () => {
  const sent: UbusMessage[] = [];
  const conn = new UbusConnection((b) => {
    const d = decodeUbusMessage(b);
    assert.ok(d.ok);
    sent.push(d.value);
  });
  conn.handleMessage({ type: UbusMsgType.hello, seq: 0, peer: 0x50e743a5, attrs: [] }, 0);
  const obj = createDdhcpdObject(fakeApi(), quiet);
  conn.setHandler(0x29588b10, obj.handle);
  // The forwarded INVOKE as ubusd delivers it (server_invoke_count.json), for our method.
  const invoke = buildInvoke(2, 0x29588b10, 'set_log_level', jsonToFields({ level: 3 }));
  conn.handleMessage({ ...invoke, peer: 0x50e743a5, attrs: [...invoke.attrs, { kind: 'user', value: 'root' }] }, 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 2);
  const [data, status] = sent as [UbusMessage, UbusMessage];
  assert.equal(bytesToHex(enc(data)), bytesToHex(enc({ type: UbusMsgType.data, seq: 2, peer: 0x50e743a5,
    attrs: [{ kind: 'objid', value: 0x29588b10 }, { kind: 'data', fields: jsonToFields({ level: 3 }) }] })));
  assert.deepEqual(tableOf(status), { status: 0, objid: 0x29588b10 });
  assert.equal(status.seq, 2);
  assert.equal(status.peer, 0x50e743a5);
});

function enc(m: UbusMessage): Uint8Array {
  const r = encodeUbusMessage(m);
  assert.ok(r.ok);
  return r.value;
}
