// The site → /etc/config/ddhcpd mapping on its own: the example sites of
// test/fixtures/gluon, the domain merge, defaults, the operator's overrides and
// kept options, and one line naming the site key for every kind of bad value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configureFromSite, type SiteInput } from '../../../src/gluon/site-config';
import { chooseDomain, mergeSite, type JsonTable } from '../../../src/gluon/site-json';
import { parseUciFile, renderUciFile } from '../../../src/gluon/uci-file';
import { mapUciConfig } from '../../../src/ubus/uci-schema';
import type { UciSection, UciValues } from '../../../src/ubus/uci-values';

const FIXTURES = join(__dirname, '../../fixtures/gluon');

function json(file: string): JsonTable {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as JsonTable;
}

const SINGLE = json('single-domain/lib/gluon/site.json');
const MULTI = json('multi-domain/lib/gluon/site.json');

function multi(code: string, node?: UciValues): SiteInput {
  const table = json(`multi-domain/lib/gluon/domains/${code}.json`);
  return { site: mergeSite(MULTI, table), domain: { code, table }, node };
}

function written(input: SiteInput): readonly UciSection[] {
  const r = configureFromSite(input);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.kind, 'write');
  return r.value.kind === 'write' ? r.value.sections : [];
}

function failure(input: SiteInput): string {
  const r = configureFromSite(input);
  assert.ok(!r.ok, 'expected the site to be refused');
  return r.error;
}

function options(sections: readonly UciSection[], name: string): Record<string, unknown> {
  const s = sections.find((x) => x.name === name);
  assert.ok(s !== undefined, `section ${name}`);
  return Object.fromEntries(s.options);
}

function withSite(site: JsonTable, ddhcpd: JsonTable, top: JsonTable = {}): SiteInput {
  return { site: mergeSite(site, { ...top, ddhcpd }), domain: undefined, node: undefined };
}

/** The node's file after the step, read back as the daemon's uci get would see it. */
function reread(sections: readonly UciSection[]): UciValues {
  const v = parseUciFile('ddhcpd', renderUciFile(sections));
  assert.ok(v.ok, v.ok ? '' : v.error);
  return v.value;
}

test('single-domain site: main from the ddhcpd section, Gluon\'s local-node and br-client, options 1, 28, 54, 3, 6', () => {
  const s = written({ site: SINGLE, domain: undefined, node: undefined });
  assert.deepEqual(options(s, 'main'), {
    network: '10.116.224.0/20', block_size_pow: '2', block_timeout: '300', lease_time: '300',
    spare_leases: '2', tentative_timeout: '15', probe_ms: '500', client_interface: 'local-node', server_interface: 'br-client', probe_interface: 'br-client', enabled: '1',
  });
  const payload = (name: string): unknown => options(s, name)['payload'];
  assert.equal(payload('site_subnet_mask'), '255.255.128.0', 'prefix4 is a /17');
  assert.equal(payload('site_broadcast'), '10.116.255.255');
  assert.equal(payload('site_server_id'), '10.116.254.254');
  assert.equal(payload('site_router'), '10.116.254.254');
  assert.equal(payload('site_dns'), '10.116.254.254');
  assert.deepEqual(options(s, 'gluon'), { client_network: '10.116.128.0/17', follow_gateway: '0', site_enabled: '1', site_follow_gateway: '0' });
  const mapped = mapUciConfig(reread(s));
  assert.ok(mapped.ok, mapped.ok ? '' : mapped.error.join('; '));
  assert.deepEqual(mapped.value.settings.options?.map((o) => o.code), [1, 28, 54, 3, 6]);
  assert.equal(mapped.value.settings.leaseTimeSec, 300);
  assert.equal(mapped.value.settings.network?.prefixLen, 20);
});

test('multi-domain: the domain file over site.json, as the fixture README says for sued', () => {
  const s = written(multi('sued'));
  const main = options(s, 'main');
  assert.equal(main['network'], '10.118.32.0/20');
  assert.equal(main['block_size_pow'], '3');
  assert.equal(main['lease_time'], '300', 'the domain replaces the site-wide 600');
  assert.equal(main['block_timeout'], '300');
  assert.equal(options(s, 'site_router')['payload'], '10.118.63.254');
  assert.equal(options(s, 'site_subnet_mask')['payload'], '255.255.192.0');
  const nord = options(written(multi('nord')), 'main');
  assert.equal(nord['network'], '10.117.64.0/19');
  assert.equal(nord['lease_time'], '600', 'nord keeps the site-wide lease time');
  assert.equal(nord['block_size_pow'], '2');
});

test('a changed domain leaves nothing of the old one', () => {
  const sued = written(multi('sued'));
  const nord = written(multi('nord', reread(sued)));
  assert.deepEqual(nord, written(multi('nord')));
});

test('run twice: the same sections', () => {
  const once = written({ site: SINGLE, domain: undefined, node: undefined });
  const twice = written({ site: SINGLE, domain: undefined, node: reread(once) });
  assert.equal(renderUciFile(twice), renderUciFile(once));
});

test('defaults of the older package for keys the site leaves out', () => {
  const s = written(withSite({ prefix4: '10.1.0.0/16', next_node: { ip4: '10.1.255.254' } }, { range: '10.1.128.0/18' }));
  assert.deepEqual(
    [options(s, 'main')['block_size_pow'], options(s, 'main')['block_timeout'], options(s, 'main')['lease_time'],
      options(s, 'main')['spare_leases'], options(s, 'main')['tentative_timeout'], options(s, 'main')['enabled']],
    ['2', '300', '300', '2', '15', '1'],
  );
});

test('router and dns: another address, a list, or false for none', () => {
  const s = written(withSite(SINGLE, { router: '10.116.254.1', dns: ['10.116.254.2', '10.116.254.3'] }));
  assert.deepEqual(options(s, 'site_router'), { code: '3', len: '4', payload: '10.116.254.1' });
  assert.deepEqual(options(s, 'site_dns'), { code: '6', len: '8', payload: '10.116.254.2.10.116.254.3' });
  const none = written(withSite(SINGLE, { router: false, dns: false }));
  assert.ok(!none.some((x) => x.name === 'site_router' || x.name === 'site_dns'));
  assert.ok(none.some((x) => x.name === 'site_server_id'), 'option 54 stays');
});

test('a site without next_node.ip4: no options 54, 3 and 6, so the daemon uses local-node\'s address as server identifier', () => {
  const { next_node: _, ...site } = SINGLE;
  const s = written({ site, domain: undefined, node: undefined });
  assert.deepEqual(s.filter((x) => x.type === 'dhcp_option').map((x) => x.options.get('code')), ['1', '28']);
  const routerOnly = written(withSite(site, { router: '10.116.254.1' }));
  assert.deepEqual(routerOnly.filter((x) => x.type === 'dhcp_option').map((x) => x.options.get('code')), ['1', '28', '3']);
});

test('unknown keys of the section are reported, not fatal', () => {
  const r = configureFromSite(withSite(SINGLE, { blocksize: 3, dns: false }));
  assert.ok(r.ok && r.value.kind === 'write');
  assert.deepEqual(r.value.warnings, ['site.ddhcpd.blocksize: unknown key, ignored']);
  const clean = configureFromSite({ site: SINGLE, domain: undefined, node: undefined });
  assert.ok(clean.ok && clean.value.kind === 'write');
  assert.deepEqual(clean.value.warnings, []);
});

test('no ddhcpd section: nothing to write', () => {
  const { ddhcpd: _, ...bare } = SINGLE;
  const r = configureFromSite({ site: bare, domain: undefined, node: undefined });
  assert.deepEqual(r, { ok: true, value: { kind: 'no-section' } });
});

test('bad values: one line that starts with the site key', () => {
  const cases: [JsonTable, JsonTable, RegExp][] = [
    [{ range: '10.200.0.0/20' }, {}, /^site\.ddhcpd\.range: 10\.200\.0\.0\/20 is not inside prefix4 10\.116\.128\.0\/17$/],
    [{ range: '10.116.224.0' }, {}, /^site\.ddhcpd\.range: '10\.116\.224\.0' is not a CIDR network/],
    [{ range: '10.116.224.1/20' }, {}, /^site\.ddhcpd\.range: .*host bits/],
    [{ range: '10.116.0.0/16' }, {}, /^site\.ddhcpd\.range: .*not inside prefix4/],
    [{ block_size: 8 }, {}, /^site\.ddhcpd\.block_size: 8 is out of range, use 0 to 7$/],
    [{ block_size: 2.5 }, {}, /^site\.ddhcpd\.block_size: expected a number or a string, got 2\.5$/],
    [{ range: ['10.116.224.0/20'] }, {}, /^site\.ddhcpd\.range: expected a number or a string, got \[/],
    [{ range: '10.116.224.0/28', block_size: 4 }, {}, /^site\.ddhcpd\.block_size: 2\^4 addresses/],
    [{ block_timeout: 1 }, {}, /^site\.ddhcpd\.block_timeout: 1 is out of range/],
    [{ tentative_timeout: '1' }, {}, /^site\.ddhcpd\.tentative_timeout: /],
    [{ dhcp_lease_time: 0 }, {}, /^site\.ddhcpd\.dhcp_lease_time: /],
    [{ spare_leases: -1 }, {}, /^site\.ddhcpd\.spare_leases: /],
    [{ enabled: 'maybe' }, {}, /^site\.ddhcpd\.enabled: expected true or false/],
    [{ router: '10.200.0.1' }, {}, /^site\.ddhcpd\.router: 10\.200\.0\.1 is not inside prefix4/],
    [{ dns: ['10.116.254.254', 'x'] }, {}, /^site\.ddhcpd\.dns: 'x' is not an IPv4 address$/],
    [{}, { prefix4: '10.116.128.0' }, /^site\.prefix4: /],
    [{}, { next_node: { ip4: '10.9.9.9' } }, /^site\.next_node\.ip4: 10\.9\.9\.9 is not inside prefix4/],
  ];
  for (const [ddhcpd, top, expected] of cases) {
    const e = failure(withSite(SINGLE, ddhcpd, top));
    assert.match(e, expected, JSON.stringify(ddhcpd));
    assert.ok(!e.includes('\n'), 'one line');
  }
  const { range: _, ...noRange } = SINGLE['ddhcpd'] as JsonTable;
  assert.match(failure({ site: { ...SINGLE, ddhcpd: noRange }, domain: undefined, node: undefined }), /^site\.ddhcpd\.range: missing/);
});

test('a bad value from a domain file says which file', () => {
  const table = { ddhcpd: { range: '10.200.0.0/20' } };
  const e = failure({ site: mergeSite(multi('sued').site, table), domain: { code: 'sued', table }, node: undefined });
  assert.match(e, /^site\.ddhcpd\.range: .* \(from domains\/sued\.json\)$/);
});

test('enabled: the site decides until the operator sets another value on the node', () => {
  const first = written(withSite(SINGLE, { enabled: true }));
  const off = reread(first.map((s) => (s.name === 'main' ? { ...s, options: new Map([...s.options, ['enabled', '0']]) } : s)));
  assert.equal(options(written({ ...withSite(SINGLE, { enabled: true }), node: off }), 'main')['enabled'], '0', 'operator wins');
  assert.equal(options(written({ ...withSite(SINGLE, { enabled: false }), node: off }), 'main')['enabled'], '0');
  // Untouched on the node: a site that turns ddhcpd off turns it off.
  assert.equal(options(written({ ...withSite(SINGLE, { enabled: false }), node: reread(first) }), 'main')['enabled'], '0');
  // The shipped default (enabled '1', no marker) is the package's, not the operator's.
  const shipped: UciValues = { config: 'ddhcpd', sections: [{ name: 'main', type: 'ddhcpd', anonymous: false, index: 0, options: new Map([['enabled', '1']]) }] };
  assert.equal(options(written({ ...withSite(SINGLE, { enabled: false }), node: shipped }), 'main')['enabled'], '0');
  // The older package's file: its enabled was the node's and stays.
  const legacy: UciValues = { config: 'ddhcpd', sections: [{ name: 'settings', type: 'ddhcpd', anonymous: false, index: 0, options: new Map([['enabled', '0'], ['block_network', '10.116.224.0/20']]) }] };
  const migrated = written({ ...withSite(SINGLE, { enabled: true }), node: legacy });
  assert.equal(options(migrated, 'main')['enabled'], '0');
  assert.ok(!migrated.some((s) => s.name === 'settings'), 'the old layout is replaced');
});

test('options the operator added on the node are kept; what the site owns is rewritten', () => {
  const first = written({ site: SINGLE, domain: undefined, node: undefined });
  const edited = reread([
    ...first.map((s) => (s.name === 'main' ? { ...s, options: new Map([...s.options, ['log_level', '4'], ['network', '10.0.0.0/24']]) } : s)),
    { name: 'cfg99', type: 'dhcp_option', anonymous: true, index: 99, options: new Map([['code', '26'], ['payload', '5.0']]) },
  ]);
  const again = written({ site: SINGLE, domain: undefined, node: edited });
  assert.equal(options(again, 'main')['log_level'], '4');
  assert.equal(options(again, 'main')['network'], '10.116.224.0/20');
  assert.ok(again.some((s) => s.anonymous && s.options.get('code') === '26'));
});

test('chooseDomain: gluon.core.domain when its file exists, else default_domain', () => {
  const has = (c: string): boolean => c === 'nord' || c === 'sued';
  assert.equal(chooseDomain(MULTI, 'sued', has), 'sued');
  assert.equal(chooseDomain(MULTI, 'gone', has), 'nord');
  assert.equal(chooseDomain(MULTI, undefined, has), 'nord');
  assert.equal(chooseDomain(MULTI, '../etc/passwd', () => true), 'nord', 'a code is a name, not a path');
  assert.equal(chooseDomain(MULTI, 'gone', () => false), undefined);
});

test('mergeSite: tables merge, other values are replaced', () => {
  assert.deepEqual(mergeSite({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 2 } }), { a: { b: 1, c: [3] }, d: { e: 2 } });
});
