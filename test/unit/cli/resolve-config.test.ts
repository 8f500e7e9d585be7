// The command line over UCI over the defaults, as `ddhcpd --uci` merges them,
// with the UCI reader replaced by fixture replies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type Settings } from '../../../src/cli/args';
import { resolveConfig } from '../../../src/cli/resolve-config';
import { parseUciReply, type UciValues } from '../../../src/ubus/uci-values';
import { ok } from '../../../src/wire/result';

const FIXTURES = path.join(__dirname, '../../fixtures/uci');

function fixture(name: string, drop: readonly string[] = []): UciValues {
  const reply = JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as { values: Record<string, Record<string, unknown>> };
  for (const section of Object.values(reply.values)) for (const key of drop) delete section[key];
  const r = parseUciReply('ddhcpd', reply);
  assert.ok(r.ok);
  return r.value;
}

function cli(...args: string[]): Settings {
  const r = parseArgs(args);
  assert.ok(r.ok && r.value.kind === 'run');
  return r.value.settings;
}

test('--uci with network unset (uci set ddhcpd.main.network=\'\' deletes it) refuses to start', async () => {
  const r = await resolveConfig(cli('--uci'), [], () => Promise.resolve(ok(fixture('ddhcpd-main.json', ['network']))));
  assert.equal(r, "ddhcpd.main.network: not set; set the mesh's network, e.g. uci set ddhcpd.main.network=10.116.224.0/20");
});

test('--uci, older Gluon layout with block_network unset: the same, naming its key', async () => {
  const r = await resolveConfig(cli('--uci'), [], () => Promise.resolve(ok(fixture('gluon-legacy.json', ['block_network']))));
  assert.equal(typeof r, 'string');
  assert.match(r as string, /^ddhcpd\.settings\.block_network: not set; /);
});

test('--uci with network unset but -N on the command line: the flag is the network', async () => {
  const r = await resolveConfig(cli('--uci', '-N', '10.1.0.0/16'), [], () => Promise.resolve(ok(fixture('ddhcpd-main.json', ['network']))));
  assert.ok(typeof r !== 'string', String(r));
  assert.deepEqual(r.network, { prefix: 0x0a010000, prefixLen: 16 });
});

test('--uci with network set: UCI values under the flags', async () => {
  const notes: string[] = [];
  const r = await resolveConfig(cli('--uci', '-b', '3'), notes, () => Promise.resolve(ok(fixture('ddhcpd-main.json'))));
  assert.ok(typeof r !== 'string', String(r));
  assert.deepEqual(r.network, { prefix: 0x0a74e000, prefixLen: 20 });
  assert.equal(r.blockSizePow, 3);
  assert.equal(r.blockTimeoutSec, 300);
  assert.ok(notes.includes('configuration read from UCI (ddhcpd layout)'), notes.join('\n'));
});

test('without --uci the C default network stands, as for the C daemon', async () => {
  const r = await resolveConfig(cli(), [], () => Promise.reject(new Error('UCI must not be read')));
  assert.ok(typeof r !== 'string', String(r));
  assert.deepEqual(r.network, { prefix: 0x0a000000, prefixLen: 24 });
});
