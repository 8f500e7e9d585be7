// The procd init script and the uci-defaults script: shellcheck -s sh, busybox
// ash syntax, and their behaviour under busybox ash with openwrt-stub/ standing
// in for rc.common, functions.sh, procd.sh and validate_data (our own stand-ins,
// see openwrt-stub/rc.sh): what reaches procd for start and reload, given a config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, requireCommand, ROOT } from './package-support';

const INIT = path.join(ROOT, 'files/etc/init.d/ddhcpd');
const DEFAULTS = path.join(ROOT, 'files/etc/uci-defaults/50-ddhcpd-firewall');
const SHIPPED = readFileSync(path.join(ROOT, 'files/etc/config/ddhcpd'), 'utf8');
const STUB = path.join(__dirname, 'openwrt-stub');

const GLUON_NETWORK = `
config interface 'client'
	option device 'br-client'
	option proto 'dhcp'

config interface 'bat0'
	option proto 'gluon_bat0'

config interface 'wan'
	option device 'br-wan'
`;

interface InitRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly log: string[];
}

function withOption(config: string, option: string, value: string): string {
  const re = new RegExp(`^(\\toption ${option} ).*$`, 'm');
  assert.match(config, re, `shipped config has option ${option}`);
  return config.replace(re, `$1'${value}'`);
}

function runInit(action: 'start' | 'reload', ddhcpd: string, network = GLUON_NETWORK): InitRun {
  const etc = makeTempDir('etc');
  try {
    mkdirSync(path.join(etc, 'config'));
    writeFileSync(path.join(etc, 'config/ddhcpd'), ddhcpd);
    writeFileSync(path.join(etc, 'config/network'), network);
    const log = path.join(etc, 'log');
    writeFileSync(log, '');
    const r = spawnSync('busybox', ['ash', path.join(STUB, 'rc.sh'), INIT, action], {
      encoding: 'utf8',
      env: { PATH: `${path.join(STUB, 'bin')}:/usr/bin:/bin`, STUB_ETC: etc, STUB_LOG: log },
    });
    return { status: r.status, stderr: r.stderr, log: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
  } finally {
    rmSync(etc, { recursive: true, force: true });
  }
}

const CONFIGURED = withOption(SHIPPED, 'network', '10.116.224.0/20');

test('init script and uci-defaults pass shellcheck -s sh', () => {
  requireCommand('shellcheck');
  for (const f of [INIT, DEFAULTS, path.join(ROOT, 'files/usr/sbin/ddhcpd'), path.join(ROOT, 'files/usr/sbin/ddhcpdctl')]) {
    const r = spawnSync('shellcheck', ['-s', 'sh', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}:\n${r.stdout}`);
  }
});

test('init script and uci-defaults parse under busybox ash', () => {
  requireCommand('busybox');
  for (const f of [INIT, DEFAULTS]) {
    const r = spawnSync('busybox', ['ash', '-n', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
  const broken = spawnSync('busybox', ['ash', '-n', '-c', 'if then fi'], { encoding: 'utf8' });
  assert.notEqual(broken.status, 0, 'ash -n does reject a syntax error');
});

test('shipped config: no instance, and a message saying how to set network', () => {
  requireCommand('busybox');
  const r = runInit('start', SHIPPED);
  assert.ok(!r.log.includes('open_instance '), r.log.join('\n'));
  assert.ok(r.log.includes('start_service_rc 1'));
  assert.match(r.stderr, /ddhcpd\.main\.network is not set.*uci set ddhcpd\.main\.network=/);
  assert.ok(r.log.some((l) => l.startsWith('logger -t ddhcpd -p daemon.err')), 'the message goes to syslog too');
  assert.ok(r.log.includes('reload_trigger ddhcpd'), 'a later commit still reaches the service');
});

test('configured: one instance of ddhcpd --uci with netdev, respawn and logging', () => {
  requireCommand('busybox');
  const r = runInit('start', CONFIGURED);
  const from = r.log.indexOf('open_instance ');
  const to = r.log.indexOf('close_instance');
  assert.ok(from >= 0 && to > from, r.log.join('\n'));
  assert.deepEqual(r.log.slice(from + 1, to), [
    'set_param command /usr/sbin/ddhcpd --uci',
    'set_param netdev br-client bat0',
    'set_param respawn',
    'set_param stdout 1',
    'set_param stderr 1',
  ]);
  assert.ok(r.log.includes('start_service_rc 0'));
  assert.equal(r.log.filter((l) => l === 'open_instance ').length, 1);
});

test('triggers: config reload, the two networks of the interfaces, validation', () => {
  requireCommand('busybox');
  const r = runInit('start', CONFIGURED);
  assert.ok(r.log.includes('reload_trigger ddhcpd'));
  assert.deepEqual(r.log.filter((l) => l.startsWith('interface_trigger')), ['interface_trigger client', 'interface_trigger bat0']);
  assert.ok(r.log.includes('validation validate_ddhcpd_section'));
  assert.ok(r.log.includes("json_add_string lease_time regex('[1-9][0-9]*[smhd]?')"), 'validate_data JSON survives eval');
  const legacy = runInit('start', withOption(CONFIGURED, 'client_interface', 'br-local'), "config interface 'local'\n\toption ifname 'br-local'\n");
  assert.deepEqual(legacy.log.filter((l) => l.startsWith('interface_trigger')), ['interface_trigger local']);
});

test('enabled 0: no instance and no error', () => {
  requireCommand('busybox');
  const r = runInit('start', withOption(CONFIGURED, 'enabled', '0'));
  assert.ok(!r.log.includes('open_instance '));
  assert.ok(r.log.includes('start_service_rc 0'));
  assert.equal(r.stderr, '');
});

test('an invalid value stops start and names the option', () => {
  requireCommand('busybox');
  for (const [option, value] of [['block_size_pow', '9'], ['network', '10.116.224.0/40'], ['lease_time', '1w'], ['learning', 'maybe']] as const) {
    const r = runInit('start', withOption(CONFIGURED, option, value));
    assert.ok(!r.log.includes('open_instance '), `${option}=${value}`);
    assert.match(r.stderr, new RegExp(`ddhcpd\\.main\\.${option}=`), `${option}=${value}: ${r.stderr}`);
    assert.match(r.stderr, /invalid value in \/etc\/config\/ddhcpd/);
  }
  for (const value of ['300', '30m', '1h', '1d', '90s']) {
    const r = runInit('start', withOption(CONFIGURED, 'lease_time', value));
    assert.ok(r.log.includes('open_instance '), `lease_time ${value} is accepted`);
  }
});

test('reload: procd re-reads the instance, then the daemon re-reads UCI', () => {
  requireCommand('busybox');
  const r = runInit('reload', CONFIGURED);
  const set = r.log.indexOf('close_service set');
  const call = r.log.indexOf('ubus call ddhcpd reload');
  assert.ok(set >= 0 && call > set, r.log.join('\n'));
  assert.ok(r.log.includes('set_param command /usr/sbin/ddhcpd --uci'), 'the same instance, so procd keeps it running');
});

test('reload with an invalid value leaves procd alone so the daemon keeps running', () => {
  requireCommand('busybox');
  const r = runInit('reload', withOption(CONFIGURED, 'block_size_pow', '9'));
  assert.ok(!r.log.some((l) => l.startsWith('open_service')), 'no empty instance list that would stop the daemon');
  assert.ok(r.log.includes('ubus call ddhcpd reload'));
  assert.match(r.stderr, /running daemon keeps its current configuration/);
});

test('the older Gluon layout (section settings) starts with its interfaces', () => {
  requireCommand('busybox');
  const legacy = "config ddhcpd 'settings'\n\toption block_network '10.116.128.0/17'\n\toption dhcp_interface 'local-node'\n\toption server_interface 'bat0'\n";
  const r = runInit('start', legacy);
  assert.ok(r.log.includes('set_param netdev local-node bat0'), r.log.join('\n'));
});
