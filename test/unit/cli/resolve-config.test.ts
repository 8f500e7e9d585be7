// The command line over UCI over the defaults, as `ddhcpd --uci` merges them,
// with the UCI reader replaced by fixture replies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type Settings } from '../../../src/cli/args';
import { resolveConfig } from '../../../src/cli/resolve-config';
import { maxLeasesOf } from '../../../src/config/config';
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

test('--max-leases and UCI max_leases: the flag wins, the default is half the network, less than a block is refused', async () => {
  const fromUci = fixture('ddhcpd-main.json');
  const withCap: UciValues = { ...fromUci, sections: fromUci.sections.map((s) => (s.name === 'main' ? { ...s, options: new Map([...s.options, ['max_leases', '512']]) } : s)) };
  const uci = await resolveConfig(cli('--uci'), [], () => Promise.resolve(ok(withCap)));
  assert.ok(typeof uci !== 'string', String(uci));
  assert.equal(uci.maxLeases, 512);
  const flag = await resolveConfig(cli('--uci', '--max-leases', '100'), [], () => Promise.resolve(ok(withCap)));
  assert.ok(typeof flag !== 'string', String(flag));
  assert.equal(flag.maxLeases, 100);
  const unset = await resolveConfig(cli('-N', '10.116.224.0/20'), [], () => Promise.reject(new Error('no UCI')));
  assert.ok(typeof unset !== 'string', String(unset));
  assert.equal(maxLeasesOf(unset), 2048);
  assert.equal(await resolveConfig(cli('-b', '3', '--max-leases', '4'), [], () => Promise.reject(new Error('no UCI'))),
    'max leases 4 is less than one block of 2^3; use at least 8');
  assert.deepEqual(parseArgs(['--max-leases', 'x']), { ok: false, error: "--max-leases: 'x' is not a whole number from 1 to 16777216" });
});
