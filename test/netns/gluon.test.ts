// A Gluon node configured by the upgrade step: the single-domain fixture site
// goes through ddhcpd-gluon (the bundle the package installs), and the daemon
// runs from the /etc/config/ddhcpd it wrote. rpcd is not on Debian, so the
// command line is derived from that file with the daemon's own UCI mapping
// (uci-file.ts, then uci-schema.ts), the same values `--uci` would read. A real
// udhcpc must get the site's options 54, 1, 3, 6, 51 (and 28); then the daemon
// is stopped as the autoupdater's download.d does (SIGTERM) and started again
// as abort.d does, and the client keeps its address. The gateway follower,
// fed batctl's recorded tables, changes the router and DNS a renewal gets.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DaemonConfig } from '../../src/config/config';
import { formatIpv4, parseIpv4 } from '../../src/config/parse';
import { parseUciFile } from '../../src/gluon/uci-file';
import { mapUciConfig } from '../../src/ubus/uci-schema';
import { Lab, REPO, sh, sleep, waitFor } from './lab';

const SITE = path.join(REPO, 'test/fixtures/gluon/single-domain');
/** The site's next_node.ip4 and prefix4: every Gluon node's br-client carries them. */
const NEXT_NODE = '10.116.254.254';
const PREFIX4_LEN = 17;

/** ddhcpd flags equivalent to the UCI settings (flags and UCI map to the same DaemonConfig fields). */
function flagsFor(s: Partial<DaemonConfig>): string[] {
  const out: string[] = [];
  const put = (flag: string, v: number | string | undefined): void => {
    if (v !== undefined) out.push(flag, String(v));
  };
  if (s.network !== undefined) put('-N', `${formatIpv4(s.network.prefix)}/${s.network.prefixLen}`);
  put('-b', s.blockSizePow);
  put('-s', s.spareLeases);
  put('-B', s.blockTimeoutSec);
  put('-t', s.tentativeTimeoutSec);
  put('-n', s.needlessTimeoutSec);
  put('-c', s.clientInterface);
  put('-i', s.serverInterface);
  if (s.learning === false) out.push('-L');
  for (const o of s.options ?? []) out.push('-o', `${o.code}:${o.payload.length}:${[...o.payload].join('.')}`);
  if (s.leaseTimeSec !== undefined) out.push('-o', `51:4:${formatIpv4(s.leaseTimeSec)}`);
  return out;
}

const UDHCPC_SCRIPT = `#!/bin/sh
echo "$1 ip=\${ip:-} subnet=\${subnet:-} router=\${router:-} dns=\${dns:-} serverid=\${serverid:-} lease=\${lease:-} broadcast=\${broadcast:-}" >> "$LEASE_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr replace "$ip/\${mask:-${PREFIX4_LEN}}" dev "$interface" ;;
esac
exit 0
`;

function events(logFile: string): Record<string, string>[] {
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const [state = '', ...fields] = l.split(' ');
    return { state, ...Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)])) };
  });
}

describe('a Gluon node configured from site.json serves the site\'s options', { timeout: 180_000 }, () => {
  const lab = new Lab();
  const root = path.join(lab.dir, 'node-root');
  const stateDir = path.join(lab.dir, 'state');
  const ctl = path.join(lab.dir, 'ctl');
  const clientLog = path.join(lab.dir, 'client.log');
  let args: string[] = [];
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  let client: ChildProcess | undefined;
  let ns = '';

  const startDaemon = (): ChildProcess => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, path.join(REPO, 'dist/ddhcpd.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => {
      if (daemonLog.length < 1 << 20) daemonLog += d.toString();
    });
    return lab.track(p);
  };

  before(() => {
    cpSync(SITE, root, { recursive: true });
    mkdirSync(path.join(root, 'etc/config'), { recursive: true });
    cpSync(path.join(REPO, 'files/etc/config/ddhcpd'), path.join(root, 'etc/config/ddhcpd'));
    const step = spawnSync(process.execPath, [path.join(REPO, 'dist/ddhcpd-gluon.js'), 'upgrade', '--root', root], { encoding: 'utf8' });
    assert.equal(step.status, 0, step.stderr);
    const values = parseUciFile('ddhcpd', readFileSync(path.join(root, 'etc/config/ddhcpd'), 'utf8'));
    assert.ok(values.ok, values.ok ? '' : values.error);
    const mapped = mapUciConfig(values.value);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.error.join('; '));
    assert.ok(mapped.value.enabled);
    // Only the clock is ours: skip the 300 s learning phase and shorten the tentative wait.
    args = [...flagsFor(mapped.value.settings), '-L', '-t', '2', '-C', ctl, '--state-dir', stateDir];

    ns = lab.addNode(0);
    sh('ip', ['-n', ns, 'addr', 'flush', 'dev', 'br-client']);
    sh('ip', ['-n', ns, 'addr', 'add', `${NEXT_NODE}/${PREFIX4_LEN}`, 'dev', 'br-client']);
    daemon = startDaemon();
    const script = path.join(lab.dir, 'gluon-udhcpc.script');
    writeFileSync(script, UDHCPC_SCRIPT);
    chmodSync(script, 0o755);
    writeFileSync(clientLog, '');
    const c = lab.addClient(0);
    client = lab.track(spawn('ip', ['netns', 'exec', c.ns, 'udhcpc', '-i', 'eth0', '-f', '-s', script, '-t', '20', '-T', '1', '-A', '1',
      '-O', 'router', '-O', 'dns', '-O', 'subnet', '-O', 'broadcast'], { stdio: 'ignore', env: { ...process.env, LEASE_LOG: clientLog } }));
  });

  after(async () => {
    if (daemonLog !== '') writeFileSync(path.join(lab.dir, 'daemon.log'), daemonLog);
    await lab.close();
  });

  test('the command line derived from the generated UCI file', () => {
    assert.deepEqual(args.slice(0, 16), ['-N', '10.116.224.0/20', '-b', '2', '-s', '2', '-B', '300', '-t', '15', '-n', '300', '-c', 'br-client', '-i', 'bat0']);
  });

  test('udhcpc gets an address in range with options 54, 1, 3, 6, 51 and 28 from the site', async () => {
    const bound = await waitFor('udhcpc to bind', () => events(clientLog).find((e) => e['state'] === 'bound'), 60_000, 200);
    const ip = parseIpv4(bound['ip'] ?? '');
    assert.ok(ip.ok, `address ${bound['ip']}`);
    assert.equal(ip.value >>> 12, 0x0a74e000 >>> 12, `${bound['ip']} inside range 10.116.224.0/20`);
    assert.deepEqual(
      { serverid: bound['serverid'], subnet: bound['subnet'], router: bound['router'], dns: bound['dns'], lease: bound['lease'], broadcast: bound['broadcast'] },
      { serverid: NEXT_NODE, subnet: '255.255.128.0', router: NEXT_NODE, dns: NEXT_NODE, lease: '300', broadcast: '10.116.255.255' },
      daemonLog,
    );
  });

  test('follow-gateway: router and DNS become the address of the gateway batman-adv selected (recorded batctl tables)', async () => {
    const bin = path.join(lab.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const fixtures = path.join(REPO, 'test/fixtures/batctl');
    writeFileSync(path.join(bin, 'batctl'), `#!/bin/sh\ncase "$3" in\ngateways_json) cat '${fixtures}/gateways.json' ;;\n` +
      `transtable_global_json) cat '${fixtures}/transtable_global.json' ;;\ndat_cache_json) cat '${fixtures}/dat_cache.json' ;;\nesac\n`);
    chmodSync(path.join(bin, 'batctl'), 0o755);
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, path.join(REPO, 'dist/ddhcpd-gluon.js'), 'follow-gateway',
      '--network', `10.116.128.0/${PREFIX4_LEN}`, '--control', ctl], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '10.116.254.1\n');
    const before = events(clientLog).length;
    client?.kill('SIGUSR1');
    const renewed = await waitFor('the renewal', () => events(clientLog).slice(before).find((e) => e['state'] !== 'deconfig'), 20_000, 100);
    assert.deepEqual([renewed['state'], renewed['router'], renewed['dns'], renewed['serverid']], ['renew', '10.116.254.1', '10.116.254.1', NEXT_NODE]);
  });

  test('stopped as download.d does (SIGTERM), the lease is on disk; started again as abort.d does, the client keeps its address', async () => {
    const ip = events(clientLog).find((e) => e['state'] === 'bound')?.['ip'];
    assert.ok(ip !== undefined);
    const d = daemon;
    assert.ok(d !== undefined);
    d.kill('SIGTERM');
    await waitFor('the daemon to exit', () => d.exitCode !== null || d.signalCode !== null, 5_000, 20);
    assert.equal(d.exitCode, 0, daemonLog);
    const saved = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { leases: { ip: number; state: string }[] };
    const want = parseIpv4(ip);
    assert.ok(want.ok);
    assert.ok(saved.leases.some((l) => l.ip === want.value && l.state === 'leased'), `state.json has ${ip}: ${JSON.stringify(saved.leases)}`);

    daemon = startDaemon();
    await sleep(500);
    const before = events(clientLog).length;
    client?.kill('SIGUSR1');
    const renewed = await waitFor('the renewal after the restart', () => events(clientLog).slice(before).find((e) => e['state'] !== 'deconfig'), 30_000, 100);
    // The restarted daemon has the options of /etc/config/ddhcpd again: why follow-gateway sets them every minute.
    assert.deepEqual([renewed['state'], renewed['ip'], renewed['router']], ['renew', ip, NEXT_NODE], daemonLog);
  });
});
