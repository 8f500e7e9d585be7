// The option table (src/config/options.ts) is the one place a setting is
// declared: the command line, UCI, -h, the shipped config, the README's table
// and the reload all follow it. These hold the copies that are text to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../../../src/cli/args';
import { DEFAULTS, type DaemonConfig } from '../../../src/config/config';
import { changedSettings, SETTINGS } from '../../../src/config/options';
import { mapUciConfig } from '../../../src/ubus/uci-config';
import type { UciValues } from '../../../src/ubus/uci-values';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const SHIPPED = readFileSync(path.join(ROOT, 'files/etc/config/ddhcpd'), 'utf8');

const flagName = (flag: string | undefined): string => (flag ?? '').split(' ')[0] ?? '';

test('every setting is declared once, under one UCI key and one flag', () => {
  const keys = SETTINGS.map((s) => s.key);
  assert.equal(new Set(keys).size, keys.length);
  const uci = SETTINGS.flatMap((s) => (s.uci === undefined ? [] : [s.uci]));
  assert.equal(new Set(uci).size, uci.length);
  const flags = SETTINGS.flatMap((s) => (s.flag === undefined ? [] : [flagName(s.flag)]));
  assert.equal(new Set(flags).size, flags.length);
  // Every field of the configuration that a user can set is in the table.
  for (const key of Object.keys(DEFAULTS) as (keyof DaemonConfig)[]) assert.ok(keys.includes(key), `${key} is not in the option table`);
});

test('-h lists every flag of the table with its help', () => {
  const r = parseArgs(['-h']);
  assert.ok(r.ok && r.value.kind === 'exit');
  const help = r.value.output.replace(/\s+/g, ' ');
  for (const s of SETTINGS) {
    if (s.flag === undefined) continue;
    assert.ok(help.includes(`${s.flag} ${s.help}`.replace(/\s+/g, ' ')), `-h lacks ${s.flag}`);
  }
});

test('a value the flag refuses, UCI refuses with the same words', () => {
  const cases: [string, string, string][] = [['-b', 'block_size_pow', '9'], ['-t', 'tentative_timeout', '1'], ['-N', 'network', '10.0.0.1/24'],
    ['-c', 'client_interface', 'a/b'], ['--max-leases', 'max_leases', '0'], ['-s', 'spare_leases', 'x']];
  for (const [flag, key, value] of cases) {
    const cli = parseArgs([flag, value]);
    assert.ok(!cli.ok, `${flag} ${value} accepted`);
    const values: UciValues = { config: 'ddhcpd', sections: [{ name: 'main', type: 'ddhcpd', anonymous: false, index: 0, options: new Map([[key, value]]) }] };
    const uci = mapUciConfig(values);
    assert.ok(!uci.ok, `${key}=${value} accepted`);
    assert.equal(uci.error[0], `ddhcpd.main.${key}: ${cli.error.slice(`${flag}: `.length)}`);
  }
});

/** The README's UCI table: key -> [flag column, package default column]. */
function readmeRows(): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of README.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|([^|]*)\|[^|]*\|([^|]*)\|$/.exec(line);
    if (m !== null) rows.set(m[1] ?? '', [(m[2] ?? '').trim(), (m[3] ?? '').trim()]);
  }
  return rows;
}

test("the README's UCI table has every UCI setting with its flag and the package's default", () => {
  const rows = readmeRows();
  for (const s of SETTINGS) {
    if (s.uci === undefined) continue;
    const row = rows.get(s.uci);
    assert.ok(row !== undefined, `README lacks ${s.uci}`);
    if (s.flag !== undefined) assert.ok(row[0].includes(`\`${flagName(s.flag)}\``), `${s.uci}: flag column '${row[0]}'`);
    const shown = s.packageDefault === '' ? '(empty: refuses to start)' : s.packageDefault ?? s.defaultText ?? '';
    assert.equal(row[1], shown, `${s.uci}: default column`);
  }
  for (const key of rows.keys()) assert.ok(key === 'enabled' || SETTINGS.some((s) => s.uci === key), `README lists ${key}, which is no setting`);
});

test('files/etc/config/ddhcpd ships every UCI setting at its package default (commented out where it has none)', () => {
  for (const s of SETTINGS) {
    if (s.uci === undefined) continue;
    const line = new RegExp(`^\\t(#?)option ${s.uci} '([^']*)'$`, 'm').exec(SHIPPED);
    assert.ok(line !== null, `${s.uci} is not in the shipped config`);
    if (s.packageDefault === undefined) assert.equal(line[1], '#', `${s.uci} has no package default, so it is shipped commented out`);
    else assert.deepEqual([line[1], line[2]], ['', s.packageDefault], s.uci);
  }
});

test('reload: the table says which changes restart the protocol, which apply live, which wait for a restart', () => {
  const base: DaemonConfig = { ...DEFAULTS };
  assert.deepEqual(changedSettings(base, { ...base, blockTimeoutSec: 120 }, 'protocol').map((s) => s.key), ['blockTimeoutSec']);
  assert.deepEqual(changedSettings(base, { ...base, maxLeases: 64 }, 'protocol').map((s) => s.key), ['maxLeases']);
  assert.deepEqual(changedSettings(base, { ...base, leaseTimeSec: 600, logLevel: 4 }, 'protocol'), []);
  assert.deepEqual(changedSettings(base, { ...base, leaseTimeSec: 600, logLevel: 4 }, 'live').map((s) => s.key).sort(), ['leaseTimeSec', 'logLevel']);
  assert.deepEqual(changedSettings(base, { ...base, clientInterface: 'br-client' }, 'start').map((s) => s.uci), ['client_interface']);
  const opt = { code: 3, payload: Uint8Array.of(10, 0, 0, 1) };
  assert.deepEqual(changedSettings({ ...base, options: [opt] }, { ...base, options: [{ ...opt, payload: Uint8Array.of(10, 0, 0, 1) }] }, 'live'), [], 'same bytes, no change');
});
