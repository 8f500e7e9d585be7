// The firewall uci-defaults script under busybox ash against openwrt-stub/bin/uci
// (a stand-in for the uci CLI over a flat `uci show` file): rules only for the
// zones that exist, the same configuration after a second run, and a reload
// request to procd only on a live system.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, requireCommand, ROOT } from './package-support';

const DEFAULTS = path.join(ROOT, 'files/etc/uci-defaults/50-ddhcpd-firewall');
const STUB_BIN = path.join(__dirname, 'openwrt-stub', 'bin');

const GLUON_ZONES = [
  'firewall.@defaults[0]=defaults',
  'firewall.mesh=zone',
  "firewall.mesh.name='mesh'",
  "firewall.mesh.input='REJECT'",
  'firewall.loc_client=zone',
  "firewall.loc_client.name='loc_client'",
  'firewall.@zone[2]=zone',
  "firewall.@zone[2].name='wan'",
];

interface DefaultsRun {
  readonly status: number | null;
  readonly state: string[];
  readonly log: string[];
}

function runDefaults(etc: string, instroot?: string): DefaultsRun {
  const log = path.join(etc, 'log');
  writeFileSync(log, '');
  const env: Record<string, string> = { PATH: `${STUB_BIN}:/usr/bin:/bin`, STUB_ETC: etc, STUB_LOG: log };
  if (instroot !== undefined) env['IPKG_INSTROOT'] = instroot;
  // Sourced in a subshell, as /etc/init.d/boot and default_postinst do.
  const r = spawnSync('busybox', ['ash', '-c', `( . "${DEFAULTS}" )`], { encoding: 'utf8', env });
  assert.equal(r.stderr, '');
  return {
    status: r.status,
    state: readFileSync(path.join(etc, 'uci-state'), 'utf8').split('\n').filter((l) => l !== '').sort(),
    log: readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
  };
}

function withState(lines: readonly string[], body: (etc: string) => void): void {
  const etc = makeTempDir('fw');
  try {
    writeFileSync(path.join(etc, 'uci-state'), `${lines.join('\n')}\n`);
    body(etc);
  } finally {
    rmSync(etc, { recursive: true, force: true });
  }
}

test('Gluon zones: UDP 1234-1235 from mesh and 67 from loc_client, committed, firewall reloaded', () => {
  requireCommand('busybox');
  withState(GLUON_ZONES, (etc) => {
    const r = runDefaults(etc);
    assert.equal(r.status, 0);
    const added = r.state.filter((l) => l.startsWith('firewall.ddhcpd_'));
    assert.deepEqual(added, [
      'firewall.ddhcpd_client=rule',
      "firewall.ddhcpd_client.dest_port='67'",
      "firewall.ddhcpd_client.name='Allow-ddhcpd-DHCP'",
      "firewall.ddhcpd_client.proto='udp'",
      "firewall.ddhcpd_client.src='loc_client'",
      "firewall.ddhcpd_client.target='ACCEPT'",
      'firewall.ddhcpd_mesh=rule',
      "firewall.ddhcpd_mesh.dest_port='1234-1235'",
      "firewall.ddhcpd_mesh.name='Allow-ddhcpd-mesh'",
      "firewall.ddhcpd_mesh.proto='udp'",
      "firewall.ddhcpd_mesh.src='mesh'",
      "firewall.ddhcpd_mesh.target='ACCEPT'",
    ].sort());
    assert.ok(r.log.includes('uci commit firewall'));
    assert.ok(r.log.some((l) => l.startsWith('ubus call service event') && l.includes('"package":"firewall"')));
  });
});

test('a second run changes nothing', () => {
  requireCommand('busybox');
  withState(GLUON_ZONES, (etc) => {
    const first = runDefaults(etc);
    const second = runDefaults(etc);
    assert.deepEqual(second.state, first.state);
    assert.equal(second.status, 0);
  });
});

test('without those zones: no rule, no commit; with only mesh: only the mesh rule', () => {
  requireCommand('busybox');
  withState(["firewall.@zone[0]=zone", "firewall.@zone[0].name='lan'", "firewall.@rule[0]=rule", "firewall.@rule[0].name='mesh'"], (etc) => {
    const r = runDefaults(etc);
    assert.equal(r.status, 0);
    assert.ok(!r.state.some((l) => l.includes('ddhcpd')), 'a rule named mesh is not a zone');
    assert.deepEqual(r.log, []);
  });
  withState(GLUON_ZONES.slice(0, 4), (etc) => {
    const r = runDefaults(etc);
    assert.ok(r.state.includes('firewall.ddhcpd_mesh=rule'));
    assert.ok(!r.state.includes('firewall.ddhcpd_client=rule'));
  });
});

test('in an image build (IPKG_INSTROOT set) nothing asks procd to reload', () => {
  requireCommand('busybox');
  withState(GLUON_ZONES, (etc) => {
    const r = runDefaults(etc, '/tmp/some-root');
    assert.ok(r.log.includes('uci commit firewall'));
    assert.ok(!r.log.some((l) => l.startsWith('ubus')));
  });
});
