// The Gluon upgrade step as a node runs it: the package's data.tar.gz unpacked
// into a temporary root, one of test/fixtures/gluon's node trees copied over it,
// then /lib/gluon/upgrade/560-ddhcpd under busybox ash (IPKG_INSTROOT points the
// script at the root; logger is openwrt-stub's). Checks the /etc/config/ddhcpd
// it leaves: the single- and multi-domain sites, a domain change, a second run,
// bad site values, the operator's enabled, and a site without a ddhcpd section.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseUciFile } from '../../src/gluon/uci-file';
import { mapUciConfig } from '../../src/ubus/uci-schema';
import type { UciValues } from '../../src/ubus/uci-values';
import { installPackageRoot, makeTempDir, requireBuild, requireCommand, ROOT } from './package-support';

const FIXTURES = path.join(ROOT, 'test/fixtures/gluon');
const STUB_BIN = path.join(__dirname, 'openwrt-stub', 'bin');
const UPGRADE = 'lib/gluon/upgrade/560-ddhcpd';

/** A node's root: the package installed, then the fixture tree `tree` over it. */
function makeNode(tree: 'single-domain' | 'multi-domain'): { work: string; root: string } {
  requireBuild();
  requireCommand('busybox');
  const work = makeTempDir('gluon');
  const root = installPackageRoot(work);
  cpSync(path.join(FIXTURES, tree), root, { recursive: true });
  return { work, root };
}

interface StepRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly log: string[];
  readonly config: string;
}

function runUpgrade(work: string, root: string): StepRun {
  const log = path.join(work, 'log');
  writeFileSync(log, '');
  const r = spawnSync('busybox', ['ash', path.join(root, UPGRADE)], {
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: `${STUB_BIN}:/usr/bin:/bin`, IPKG_INSTROOT: root, STUB_LOG: log, STUB_ETC: work },
    timeout: 30_000,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    log: readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
    config: readFileSync(path.join(root, 'etc/config/ddhcpd'), 'utf8'),
  };
}

function parsed(config: string): UciValues {
  const v = parseUciFile('ddhcpd', config);
  assert.ok(v.ok, v.ok ? '' : v.error);
  return v.value;
}

function main(config: string): Record<string, unknown> {
  return Object.fromEntries(parsed(config).sections.find((s) => s.name === 'main')?.options ?? []);
}

function payloads(config: string): Record<string, unknown> {
  return Object.fromEntries(parsed(config).sections.filter((s) => s.type === 'dhcp_option').map((s) => [s.options.get('code'), s.options.get('payload')]));
}

function editJson(file: string, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(file, JSON.stringify(v));
}

function withNode(tree: 'single-domain' | 'multi-domain', body: (work: string, root: string) => void): void {
  const { work, root } = makeNode(tree);
  try {
    body(work, root);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('the upgrade step and its helpers pass shellcheck -s sh and parse under busybox ash', () => {
  requireCommand('shellcheck');
  requireCommand('busybox');
  for (const f of ['files/lib/gluon/upgrade/560-ddhcpd', 'files/usr/lib/ddhcpd/ddhcpd-gluon', 'files/usr/lib/ddhcpd/follow-gateway',
    'files/usr/lib/autoupdater/download.d/20ddhcpd', 'files/usr/lib/autoupdater/abort.d/20ddhcpd',
    'files/lib/gluon/reload.d/330-ddhcpd-stop', 'files/lib/gluon/reload.d/770-ddhcpd-start']) {
    const sc = spawnSync('shellcheck', ['-s', 'sh', path.join(ROOT, f)], { encoding: 'utf8' });
    assert.equal(sc.status, 0, `${f}:\n${sc.stdout}`);
    const ash = spawnSync('busybox', ['ash', '-n', path.join(ROOT, f)], { encoding: 'utf8' });
    assert.equal(ash.status, 0, `${f}: ${ash.stderr}`);
  }
});

test('single-domain site: /etc/config/ddhcpd from site.json, accepted by the daemon; a second run changes nothing', () => {
  withNode('single-domain', (work, root) => {
    const shipped = readFileSync(path.join(root, 'etc/config/ddhcpd'), 'utf8');
    assert.match(shipped, /option network ''/, 'starts from the package default');
    const first = runUpgrade(work, root);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'ddhcpd: wrote /etc/config/ddhcpd from site.json\n');
    assert.deepEqual(main(first.config), {
      enabled: '1', network: '10.116.224.0/20', block_size_pow: '2', block_timeout: '300', lease_time: '300',
      spare_leases: '2', tentative_timeout: '15', probe_ms: '500', client_interface: 'local-node', server_interface: 'br-client',
      probe_interface: 'br-client',
      // Kept from the package default: the site has no say in them.
      needless_timeout: '300', learning: '1', control_path: '/tmp/ddhcpd_ctl', log_level: '2',
    });
    assert.deepEqual(payloads(first.config), {
      1: '255.255.128.0', 28: '10.116.255.255', 54: '10.116.254.254', 3: '10.116.254.254', 6: '10.116.254.254',
    });
    const mapped = mapUciConfig(parsed(first.config));
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.error.join('; '));
    assert.equal(mapped.value.layout, 'ddhcpd');

    const second = runUpgrade(work, root);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.config, first.config, 'idempotent: the same bytes');
    assert.equal(second.stdout, 'ddhcpd: unchanged /etc/config/ddhcpd from site.json\n');
  });
});

test('multi-domain site: the node\'s domain merged over site.json; a domain change leaves nothing of the old one', () => {
  withNode('multi-domain', (work, root) => {
    const sued = runUpgrade(work, root);
    assert.equal(sued.status, 0, sued.stderr);
    assert.equal(sued.stdout, 'ddhcpd: wrote /etc/config/ddhcpd from site.json and domains/sued.json\n');
    const m = main(sued.config);
    assert.deepEqual([m['network'], m['block_size_pow'], m['lease_time'], m['block_timeout'], m['spare_leases'], m['tentative_timeout']],
      ['10.118.32.0/20', '3', '300', '300', '2', '15']);
    assert.deepEqual(payloads(sued.config), { 1: '255.255.192.0', 28: '10.118.63.255', 54: '10.118.63.254', 3: '10.118.63.254', 6: '10.118.63.254' });

    writeFileSync(path.join(root, 'etc/config/gluon'), "\nconfig core 'core'\n\toption domain 'nord'\n");
    const nord = runUpgrade(work, root);
    assert.equal(nord.status, 0, nord.stderr);
    const n = main(nord.config);
    assert.deepEqual([n['network'], n['block_size_pow'], n['lease_time']], ['10.117.64.0/19', '2', '600']);
    assert.doesNotMatch(nord.config, /10\.118\./, 'nothing of domain sued is left');
    assert.equal(payloads(nord.config)['3'], '10.117.127.254');

    // A domain whose file is gone (dropped from the firmware): default_domain, as Gluon does.
    writeFileSync(path.join(root, 'etc/config/gluon'), "\nconfig core 'core'\n\toption domain 'west'\n");
    const fallback = runUpgrade(work, root);
    assert.equal(fallback.status, 0, fallback.stderr);
    assert.equal(fallback.config.replace(/domains\/\w+\.json/, ''), nord.config.replace(/domains\/\w+\.json/, ''));
  });
});

test('a bad site value stops the step with one line naming the site key and leaves the file as it was', () => {
  withNode('single-domain', (work, root) => {
    const good = runUpgrade(work, root);
    assert.equal(good.status, 0, good.stderr);
    const site = path.join(root, 'lib/gluon/site.json');
    const original = readFileSync(site, 'utf8');
    const cases: [(d: Record<string, unknown>) => void, RegExp][] = [
      [(d) => (d['range'] = '10.200.0.0/20'), /^ddhcpd: site\.ddhcpd\.range: 10\.200\.0\.0\/20 is not inside prefix4 10\.116\.128\.0\/17$/],
      [(d) => (d['range'] = '10.116.224.0'), /^ddhcpd: site\.ddhcpd\.range: '10\.116\.224\.0' is not a CIDR network/],
      [(d) => (d['block_size'] = 9), /^ddhcpd: site\.ddhcpd\.block_size: 9 is out of range, use 0 to 7$/],
    ];
    for (const [edit, expected] of cases) {
      writeFileSync(site, original);
      editJson(site, (v) => edit(v['ddhcpd'] as Record<string, unknown>));
      const bad = runUpgrade(work, root);
      assert.equal(bad.status, 1);
      assert.equal(bad.stdout, '');
      assert.equal(bad.stderr.split('\n').filter((l) => l !== '').length, 1, bad.stderr);
      assert.match(bad.stderr.trim(), expected);
      assert.equal(bad.config, good.config, 'the node keeps its configuration');
      assert.ok(bad.log.some((l) => l.startsWith('logger -t ddhcpd -p daemon.err ddhcpd: site.ddhcpd.')), 'and the system log says why');
    }
  });
});

test('enabled: the site\'s value on a fresh node, the operator\'s once set on the node', () => {
  withNode('single-domain', (work, root) => {
    const site = path.join(root, 'lib/gluon/site.json');
    editJson(site, (v) => ((v['ddhcpd'] as Record<string, unknown>)['enabled'] = false));
    const off = runUpgrade(work, root);
    assert.equal(off.status, 0, off.stderr);
    assert.equal(main(off.config)['enabled'], '0', 'the site turns ddhcpd off although the package default says 1');

    const config = path.join(root, 'etc/config/ddhcpd');
    writeFileSync(config, off.config.replace("option enabled '0'", "option enabled '1'"));
    const kept = runUpgrade(work, root);
    assert.equal(main(kept.config)['enabled'], '1', 'uci set ddhcpd.main.enabled=1 on the node wins');
    editJson(site, (v) => ((v['ddhcpd'] as Record<string, unknown>)['enabled'] = true));
    assert.equal(main(runUpgrade(work, root).config)['enabled'], '1');
  });
});

test('a site without a ddhcpd section leaves /etc/config/ddhcpd alone', () => {
  withNode('single-domain', (work, root) => {
    const config = path.join(root, 'etc/config/ddhcpd');
    writeFileSync(config, "config ddhcpd 'main'\n\toption network '10.9.0.0/16'\n");
    editJson(path.join(root, 'lib/gluon/site.json'), (v) => delete v['ddhcpd']);
    const r = runUpgrade(work, root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no ddhcpd section; \/etc\/config\/ddhcpd left as it is/);
    assert.equal(r.config, "config ddhcpd 'main'\n\toption network '10.9.0.0/16'\n");
  });
});

test('the init script starts one daemon from the written file, on local-node and br-client, with their networks as triggers', () => {
  withNode('single-domain', (work, root) => {
    const step = runUpgrade(work, root);
    assert.equal(step.status, 0, step.stderr);
    // openwrt-stub's rc.sh reads $STUB_ETC/config, as the real one reads /etc/config.
    const etc = path.join(work, 'etc');
    cpSync(path.join(root, 'etc/config'), path.join(etc, 'config'), { recursive: true });
    // Gluon's networks: `client` is the bridge br-client, `local_node` the next-node veth.
    writeFileSync(path.join(etc, 'config/network'),
      "config interface 'client'\n\toption device 'br-client'\n\nconfig interface 'local_node'\n\toption device 'local-node'\n\toption proto 'static'\n\nconfig interface 'bat0'\n\toption proto 'gluon_bat0'\n");
    const log = path.join(work, 'init.log');
    writeFileSync(log, '');
    const stub = path.join(__dirname, 'openwrt-stub');
    const r = spawnSync('busybox', ['ash', path.join(stub, 'rc.sh'), path.join(root, 'etc/init.d/ddhcpd'), 'start'], {
      encoding: 'utf8',
      env: { PATH: `${STUB_BIN}:/usr/bin:/bin`, STUB_ETC: etc, STUB_LOG: log },
    });
    assert.equal(r.stderr, '', 'validate_data accepts every value the step wrote');
    const calls = readFileSync(log, 'utf8').split('\n');
    assert.equal(calls.filter((l) => l === 'open_instance ').length, 1, calls.join('\n'));
    assert.ok(calls.includes('set_param netdev local-node br-client'));
    assert.deepEqual(calls.filter((l) => l.startsWith('interface_trigger')), ['interface_trigger local_node', 'interface_trigger client']);
    assert.ok(calls.includes('start_service_rc 0'));
  });
});

test('a key nobody reads (a typo) is named in the step\'s output and does not stop it', () => {
  withNode('single-domain', (work, root) => {
    editJson(path.join(root, 'lib/gluon/site.json'), (v) => ((v['ddhcpd'] as Record<string, unknown>)['blocksize'] = 3));
    const r = runUpgrade(work, root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'ddhcpd: wrote /etc/config/ddhcpd from site.json\nddhcpd: site.ddhcpd.blocksize: unknown key, ignored\n');
    assert.equal(main(r.config)['block_size_pow'], '2');
  });
});
