// The gateway follower's decision against batctl's JSON tables in the layout
// batctl documents (test/fixtures/batctl): selected gateway → its announced
// client MACs → their IPv4 address inside prefix4 from the DAT cache.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNetwork } from '../../../src/config/parse';
import { gatewayAddress, selectedGateway, type BatctlTables } from '../../../src/gluon/gateway';

const FIXTURES = join(__dirname, '../../fixtures/batctl');
const read = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const RECORDED: BatctlTables = {
  gateways: read('gateways.json'),
  transGlobal: read('transtable_global.json'),
  datCache: read('dat_cache.json'),
};
const net = (text: string) => {
  const n = parseNetwork(text);
  assert.ok(n.ok);
  return n.value;
};
const PREFIX4 = net('10.116.128.0/17');

test('the selected gateway is the one batctl marks best', () => {
  assert.equal(selectedGateway(RECORDED.gateways), '02:62:e7:ab:06:01');
  assert.equal(selectedGateway([{ orig_address: '02:62:e7:ab:06:01', tq: 255 }]), undefined, 'gw_mode server or off: no best entry');
});

test('its address inside prefix4 from its announced clients and the DAT cache', () => {
  assert.deepEqual(gatewayAddress(RECORDED, PREFIX4), { ok: true, value: '10.116.254.1' });
});

test('outside prefix4 or only deleted entries: no address, and why', () => {
  const other = gatewayAddress(RECORDED, net('10.200.0.0/16'));
  assert.ok(!other.ok);
  assert.match(other.error, /gateway 02:62:e7:ab:06:01 has no IPv4 address .* inside 10\.200\.0\.0\/16/);
  const datOnlyDeleted = { ...RECORDED, datCache: [{ dat_cache_hwaddress: 'b6:9b:d0:ea:b1:99', dat_cache_ip4address: '10.116.254.99', last_seen_msecs: 1 }] };
  assert.ok(!gatewayAddress(datOnlyDeleted, PREFIX4).ok, 'a deleted translation entry is not the gateway');
});

test('another gateway selected: its own client, never the former one', () => {
  const gateways = (RECORDED.gateways as Record<string, unknown>[]).map((g) => ({ ...g, best: g['orig_address'] === '02:62:e7:ab:01:01' }));
  assert.deepEqual(gatewayAddress({ ...RECORDED, gateways }, PREFIX4), { ok: true, value: '10.116.254.7' });
});

test('no gateway, or output that is not batctl JSON', () => {
  const none = gatewayAddress({ ...RECORDED, gateways: [] }, PREFIX4);
  assert.ok(!none.ok);
  assert.match(none.error, /selected no gateway/);
  assert.ok(!gatewayAddress({ gateways: 'x', transGlobal: null, datCache: 7 }, PREFIX4).ok);
  assert.ok(!gatewayAddress({ ...RECORDED, datCache: [{ dat_cache_hwaddress: 'b6:9b:d0:ea:b1:13', dat_cache_ip4address: '10.116.254.300' }] }, PREFIX4).ok);
});

test('of two addresses, the DAT entry refreshed last', () => {
  const datCache = [
    { dat_cache_hwaddress: 'b6:9b:d0:ea:b1:13', dat_cache_ip4address: '10.116.254.1', last_seen_msecs: 364 },
    { dat_cache_hwaddress: '02:62:e7:ab:06:01', dat_cache_ip4address: '10.116.254.2', last_seen_msecs: 12 },
  ];
  assert.deepEqual(gatewayAddress({ ...RECORDED, datCache }, PREFIX4), { ok: true, value: '10.116.254.2' });
});
