// UCI through ubus: the reader's bytes against recorded `ubus call uci get`
// sessions (served by the replaying stand-in), its errors, and the mapping of
// sample configs (ours, the shipped default, the older Gluon layout) to settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapUciConfig, readUciConfig } from '../../../src/ubus/uci-config';
import { parseUciReply, type UciValues } from '../../../src/ubus/uci-values';
import { connectionScript } from './scenarios';
import { startReplay } from './replay-ubusd';

const FIXTURES = join(__dirname, '../../fixtures/uci');

function fixture(name: string): UciValues {
  const v = parseUciReply('ddhcpd', JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')));
  assert.ok(v.ok, v.ok ? '' : v.error);
  return v.value;
}

function withOption(values: UciValues, section: string, key: string, value: string | string[]): UciValues {
  return {
    ...values,
    sections: values.sections.map((s) => (s.name !== section ? s : { ...s, options: new Map([...s.options, [key, value]]) })),
  };
}

test('readUciConfig sends the recorded LOOKUP and INVOKE and reads rpcd\'s reply (call_uci_get)', async () => {
  const replay = await startReplay([connectionScript(['call_uci_get'], 'ubus-cli', 8)]);
  try {
    const r = await readUciConfig(replay.path, 2000);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(r.value.sections.map((s) => [s.name, s.type, s.anonymous, s.index]),
      [['settings', 'ddhcpd', false, 0], ['gateway', 'dhcp_option', false, 1]]);
    assert.equal(r.value.sections[0]!.options.get('prefix'), '10.116.128.0/18');
    assert.deepEqual(r.value.sections[0]!.options.get('dns'), ['10.116.128.1', '10.116.128.2']);
    const outcome = await replay.outcomes[0]!;
    assert.deepEqual(outcome, { matched: 2, mismatches: [], extra: [], finished: true });
    // The lab's config is neither layout's exact schema: its options are reported, not guessed.
    const mapped = mapUciConfig(r.value);
    assert.ok(!mapped.ok);
    assert.ok(mapped.error.includes('ddhcpd.settings.dns: expected one value, got a list (use \'option\', not \'list\')'));
    assert.ok(mapped.error.includes('ddhcpd.gateway.payload: missing'));
  } finally {
    await replay.close();
  }
});

test('readUciConfig: a missing config is NOT_FOUND from rpcd (error_uci_get_no_such_config)', async () => {
  const replay = await startReplay([connectionScript(['error_uci_get_no_such_config'], 'ubus-cli', 12)]);
  try {
    const r = await readUciConfig(replay.path, 2000, 'nosuch');
    assert.deepEqual(r, { ok: false, error: "uci: no config 'nosuch' (/etc/config/nosuch is missing)" });
    assert.equal((await replay.outcomes[0]!).matched, 2);
  } finally {
    await replay.close();
  }
});

test('readUciConfig: without permission the uci object is hidden from LOOKUP (acl_nonroot)', async () => {
  const replay = await startReplay([connectionScript(['acl_nonroot'], 'ubus-cli', 2)]);
  try {
    const r = await readUciConfig(replay.path, 2000);
    assert.ok(!r.ok);
    assert.match(r.error, /rpcd's 'uci' object not found \(is rpcd running, and are we root\?\)/);
    const outcome = await replay.outcomes[0]!;
    assert.equal(outcome.matched, 1, 'the LOOKUP matched; we do not call a hidden object');
    assert.equal(outcome.finished, false);
  } finally {
    await replay.close();
  }
});

test('readUciConfig: no answer to the LOOKUP times out within the given time', async () => {
  const script = connectionScript(['call_uci_get'], 'ubus-cli', 8).slice(0, 2); // HELLO, our LOOKUP
  const replay = await startReplay([script]);
  try {
    const started = performance.now();
    const r = await readUciConfig(replay.path, 300);
    const took = performance.now() - started;
    assert.ok(!r.ok);
    assert.match(r.error, /failed with TIMEOUT: no reply in time/);
    assert.ok(took >= 250 && took < 1500, `took ${took} ms`);
  } finally {
    await replay.close();
  }
});

test('readUciConfig: no socket is a clear error, not a throw', async () => {
  const r = await readUciConfig('/nonexistent/ubus.sock', 500);
  assert.deepEqual(r, { ok: false, error: 'ubus: no ubus socket at /nonexistent/ubus.sock' });
});

test('mapUciConfig: our layout with network set gives every setting and the options in file order', () => {
  const r = mapUciConfig(fixture('ddhcpd-main.json'));
  assert.ok(r.ok, r.ok ? '' : r.error.join('\n'));
  assert.equal(r.value.layout, 'ddhcpd');
  assert.equal(r.value.enabled, true);
  assert.deepEqual(r.value.warnings, []);
  assert.deepEqual(r.value.settings, {
    network: { prefix: 0x0a74e000, prefixLen: 20 },
    blockSizePow: 2,
    spareLeases: 2,
    blockTimeoutSec: 300,
    tentativeTimeoutSec: 15,
    needlessTimeoutSec: 300,
    learning: true,
    clientInterface: 'br-client',
    serverInterface: 'bat0',
    leaseTimeSec: 3600,
    controlPath: '/tmp/ddhcpd_ctl',
    logLevel: 2,
    options: [
      { code: 3, payload: Uint8Array.of(10, 116, 254, 254) },
      { code: 6, payload: Uint8Array.of(10, 116, 254, 254, 10, 116, 254, 253) },
      { code: 26, payload: Uint8Array.of(5, 0) },
    ],
  });
});

test('mapUciConfig: the shipped default refuses to start until network is set', () => {
  const r = mapUciConfig(fixture('ddhcpd-shipped.json'));
  assert.deepEqual(r, { ok: false, error: ["ddhcpd.main.network: '' is not a CIDR network (write it as ADDRESS/LEN, e.g. 10.116.224.0/20)"] });
});

test('mapUciConfig: the older Gluon layout (section settings) maps its own option names', () => {
  const r = mapUciConfig(fixture('gluon-legacy.json'));
  assert.ok(r.ok, r.ok ? '' : r.error.join('\n'));
  assert.equal(r.value.layout, 'gluon-legacy');
  assert.deepEqual(r.value.settings, {
    clientInterface: 'local-node',
    serverInterface: 'bat0',
    network: { prefix: 0x0a748000, prefixLen: 17 },
    blockSizePow: 3,
    blockTimeoutSec: 60,
    tentativeTimeoutSec: 12,
    spareLeases: 4,
    leaseTimeSec: 600,
  });
});

test('mapUciConfig: enabled 0 is returned so the daemon can refuse; unknown options are warnings', () => {
  let v = withOption(fixture('ddhcpd-main.json'), 'main', 'enabled', '0');
  v = withOption(v, 'main', 'colour', 'blue');
  const r = mapUciConfig(v);
  assert.ok(r.ok);
  assert.equal(r.value.enabled, false);
  assert.deepEqual(r.value.warnings, ['ddhcpd.main.colour: unknown option, ignored']);
});

const INVALID: readonly [string, string, string, string][] = [
  ['main', 'network', '10.0.0.0', "ddhcpd.main.network: '10.0.0.0' is not a CIDR network (write it as ADDRESS/LEN, e.g. 10.116.224.0/20)"],
  ['main', 'network', '10.0.0.1/24', "ddhcpd.main.network: '10.0.0.1/24' has host bits set; did you mean 10.0.0.0/24?"],
  ['main', 'block_size_pow', '8', 'ddhcpd.main.block_size_pow: 8 is out of range, use 0 to 7'],
  ['main', 'spare_leases', '-1', "ddhcpd.main.spare_leases: '-1' is not a whole number from 0 to 65535"],
  ['main', 'block_timeout', '3', 'ddhcpd.main.block_timeout: 3 is out of range, use 4 to 65535'],
  ['main', 'tentative_timeout', '1', 'ddhcpd.main.tentative_timeout: 1 is out of range, use 2 to 65535'],
  ['main', 'needless_timeout', 'soon', "ddhcpd.main.needless_timeout: 'soon' is not a whole number from 1 to 65535"],
  ['main', 'learning', 'maybe', "ddhcpd.main.learning: 'maybe' is not a boolean (use 1 or 0)"],
  ['main', 'client_interface', 'br client', "ddhcpd.main.client_interface: 'br client' is not an interface name (1 to 15 characters, no '/' or spaces)"],
  ['main', 'server_interface', '', "ddhcpd.main.server_interface: '' is not an interface name (1 to 15 characters, no '/' or spaces)"],
  ['main', 'lease_time', '1w', "ddhcpd.main.lease_time: '1w' is not a duration (seconds, or a number with s, m, h or d)"],
  ['main', 'control_path', 'ctl', "ddhcpd.main.control_path: 'ctl' is not an absolute path"],
  ['main', 'log_level', '9', 'ddhcpd.main.log_level: 9 is out of range, use 0 to 7'],
  ['main', 'enabled', 'yes please', "ddhcpd.main.enabled: 'yes please' is not a boolean (use 1 or 0)"],
  ['mtu', 'code', '255', 'ddhcpd.mtu.code: 255 is out of range, use 1 to 254'],
  ['mtu', 'len', '3', 'ddhcpd.mtu.payload: option 26: length says 3 bytes but the payload has 2'],
  ['mtu', 'payload', '5.300', 'ddhcpd.mtu.payload: option 26: payload byte 2: 300 is out of range, use 0 to 255'],
  ['cfg02a2b3', 'payload', '10.116.254', 'ddhcpd.@dhcp_option[0].payload: option 3: length says 4 bytes but the payload has 3'],
];

for (const [section, key, value, message] of INVALID) {
  test(`mapUciConfig: ${section}.${key}='${value}' gives its UCI path and what is wrong`, () => {
    const r = mapUciConfig(withOption(fixture('ddhcpd-main.json'), section, key, value));
    assert.deepEqual(r, { ok: false, error: [message] });
  });
}

test('mapUciConfig: a list where one value belongs, and every error at once', () => {
  let v = withOption(fixture('ddhcpd-main.json'), 'main', 'network', ['10.0.0.0/8', '10.1.0.0/16']);
  v = withOption(v, 'main', 'spare_leases', 'x');
  const r = mapUciConfig(v);
  assert.deepEqual(r, {
    ok: false,
    error: [
      "ddhcpd.main.network: expected one value, got a list (use 'option', not 'list')",
      "ddhcpd.main.spare_leases: 'x' is not a whole number from 0 to 65535",
    ],
  });
});

test('mapUciConfig: no main and no settings section says which sections it looked for', () => {
  const r = mapUciConfig({ config: 'ddhcpd', sections: [] });
  assert.deepEqual(r, { ok: false, error: ["ddhcpd: no section 'main' (config ddhcpd 'main'), nor 'settings' of the older Gluon layout"] });
});
