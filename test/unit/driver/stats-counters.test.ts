import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C_COUNTERS, ddhcpCounter, dhcpCounter } from '../../../src/driver/stats';

test('every DDHCP command maps to its C counter in each direction, on the right channel', () => {
  assert.equal(ddhcpCounter('send', 1), 'mcast.send_updateclaim');
  assert.equal(ddhcpCounter('recv', 2), 'mcast.recv_inquire');
  assert.equal(ddhcpCounter('recv', 16), 'direct.recv_renewlease');
  assert.equal(ddhcpCounter('send', 19), 'direct.send_release');
  assert.equal(ddhcpCounter('recv', 3), undefined);
  for (const cmd of [1, 2, 16, 17, 18, 19]) {
    for (const dir of ['send', 'recv'] as const) assert.ok(C_COUNTERS.includes(ddhcpCounter(dir, cmd) as never), `${dir} ${cmd}`);
  }
});

test('DHCP message types map to counters only where one is kept', () => {
  assert.equal(dhcpCounter('recv', 1), 'dhcp.recv_discover');
  assert.equal(dhcpCounter('send', 2), 'dhcp.send_offer');
  assert.equal(dhcpCounter('send', 6), 'dhcp.send_nak');
  assert.equal(dhcpCounter('recv', 4), 'dhcp.recv_decline');
  assert.equal(dhcpCounter('recv', 8), 'dhcp.recv_inform');
  assert.equal(dhcpCounter('send', 1), undefined);
  assert.equal(dhcpCounter('recv', 99), undefined);
});
