// files/etc/config/ddhcpd: every option of the UCI schema is there and explained,
// with Gluon's defaults and an empty network, the dhcp_option examples are well
// formed, and it is what the UCI reader's fixture of the shipped file says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../src/config/options';
import { ROOT } from './package-support';

const TEXT = readFileSync(path.join(ROOT, 'files/etc/config/ddhcpd'), 'utf8');
/** `enabled` (the init script's and the daemon's switch) and every UCI setting of the option table. */
const SCHEMA = ['enabled', ...SETTINGS.flatMap((s) => (s.uci === undefined ? [] : [s.uci]))];

interface Section { readonly type: string; readonly name: string | undefined; readonly options: Map<string, string> }

/** UCI sections; with `commented`, also the `#config`/`#\toption` examples. */
function parseUci(text: string, commented: boolean): Section[] {
  const sections: Section[] = [];
  for (const raw of text.split('\n')) {
    const line = commented ? raw.replace(/^#(?=config |\toption )/, '').replace(/^\t#option /, '\toption ') : raw;
    const c = /^config (\S+)(?: '([^']*)')?$/.exec(line);
    if (c !== null) {
      sections.push({ type: c[1] ?? '', name: c[2], options: new Map() });
      continue;
    }
    const o = /^\toption (\S+) '([^']*)'$/.exec(line);
    if (o !== null) sections.at(-1)?.options.set(o[1] ?? '', o[2] ?? '');
  }
  return sections;
}

test('section main documents every schema option, each after a comment', () => {
  const main = parseUci(TEXT, true).find((s) => s.name === 'main');
  assert.ok(main !== undefined && main.type === 'ddhcpd');
  assert.deepEqual([...main.options.keys()].sort(), [...SCHEMA].sort());
  const lines = TEXT.split('\n');
  for (const option of SCHEMA) {
    const at = lines.findIndex((l) => new RegExp(`^(#?\\t|\\t#)option ${option} `).test(l));
    assert.match(lines[at - 1] ?? '', /^\t#/, `${option} has an explaining comment above it`);
  }
});

test('Gluon defaults, and network empty so the service waits for it', () => {
  const main = parseUci(TEXT, false).find((s) => s.name === 'main');
  assert.ok(main !== undefined);
  assert.deepEqual(Object.fromEntries(main.options), {
    enabled: '1', network: '', block_size_pow: '2', spare_leases: '2', block_timeout: '300', tentative_timeout: '15',
    needless_timeout: '300', probe_ms: '500', learning: '1', client_interface: 'br-client', server_interface: 'bat0', lease_time: '300',
    control_path: '/tmp/ddhcpd_ctl', log_level: '2',
  });
});

test('dhcp_option examples have code, len and a payload of len dotted bytes', () => {
  const examples = parseUci(TEXT, true).filter((s) => s.type === 'dhcp_option');
  assert.ok(examples.length >= 2);
  for (const s of examples) {
    const bytes = (s.options.get('payload') ?? '').split('.').map(Number);
    assert.equal(bytes.length, Number(s.options.get('len')), `option ${s.options.get('code')}`);
    assert.ok(bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255));
  }
});

const FIXTURE = path.join(ROOT, 'test/fixtures/uci/ddhcpd-shipped.json');
test('the UCI reader fixture of the shipped config matches the file', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { values: Record<string, Record<string, unknown>> };
  const fromFile = Object.fromEntries(parseUci(TEXT, false).find((s) => s.name === 'main')?.options ?? []);
  const fromFixture = Object.fromEntries(Object.entries(fixture.values['main'] ?? {}).filter(([k]) => !k.startsWith('.')));
  assert.deepEqual(fromFile, fromFixture);
});
