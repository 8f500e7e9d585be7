// Two Gluon nodes configured by the upgrade step, wired as Gluon wires them
// (bat0 a port of br-client, the next-node address on local-node). The
// single-domain fixture site goes through ddhcpd-gluon (the bundle the package
// installs), and each daemon runs from the /etc/config/ddhcpd it wrote. rpcd is
// not on Debian, so the command line is derived from that file with the
// daemon's own UCI mapping (uci-file.ts, then uci-schema.ts): the values
// `--uci` would read. Checked: the nodes hear each other on br-client; a real
// udhcpc gets the site's options 54, 1, 3, 6, 51 (and 28) and renews; the
// gateway follower, fed batctl's recorded tables, changes router and DNS; and
// a daemon stopped as the autoupdater's download.d does (SIGTERM) and started
// again as abort.d does keeps the client's lease.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DaemonConfig } from '../../src/config/config';
import { parseIpv4 } from '../../src/config/parse';
import { formatIpv4 } from '../../src/wire/bytes';
import { parseUciFile } from '../../src/gluon/uci-file';
import { mapUciConfig } from '../../src/ubus/uci-schema';
import { DhcpClient } from './clients';
import { blockRows, nodeIdOf, ownBlocks, statistic } from './ctl-text';
import { Lab, REPO, sh, sleep, waitFor, type DaemonHandle } from './lab';

const SITE = path.join(REPO, 'test/fixtures/gluon/single-domain');
/** The fixture site's next_node and prefix4 length: local-node carries them on every Gluon node. */
const NEXT_NODE = { mac: '16:41:95:40:f7:dc', ip: '10.116.254.254', prefixLen: 17 };

/** ddhcpd flags equivalent to the UCI settings (flags and UCI fill the same DaemonConfig fields). */
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
  put('--probe-ms', s.probeMs);
  put('--probe-interface', s.probeInterface);
  if (s.learning === false) out.push('-L');
  for (const o of s.options ?? []) out.push('-o', `${o.code}:${o.payload.length}:${[...o.payload].join('.')}`);
  if (s.leaseTimeSec !== undefined) out.push('-o', `51:4:${formatIpv4(s.leaseTimeSec)}`);
  return out;
}

const UDHCPC_SCRIPT = `#!/bin/sh
echo "$1 ip=\${ip:-} subnet=\${subnet:-} router=\${router:-} dns=\${dns:-} serverid=\${serverid:-} lease=\${lease:-} broadcast=\${broadcast:-}" >> "$LEASE_LOG"
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr replace "$ip/\${mask:-${NEXT_NODE.prefixLen}}" dev "$interface" ;;
esac
exit 0
`;

function events(logFile: string): Record<string, string>[] {
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const [state = '', ...fields] = l.split(' ');
    return { state, ...Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)])) };
  });
}

describe('two Gluon nodes configured from site.json', { timeout: 180_000 }, () => {
  const lab = new Lab();
  const root = path.join(lab.dir, 'node-root');
  const clientLog = path.join(lab.dir, 'client.log');
  let args: string[] = [];
  const daemons: DaemonHandle[] = [];
  let client: ChildProcess | undefined;

  const renew = async (): Promise<Record<string, string>> => {
    const before = events(clientLog).length;
    client?.kill('SIGUSR1');
    return waitFor('a renewal', () => events(clientLog).slice(before).find((e) => e['state'] !== 'deconfig'), 20_000, 100);
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
    // Only the clock is ours: skip the 300 s learning phase, shorten the tentative wait and the claims.
    args = [...flagsFor(mapped.value.settings), '-L', '-t', '2', '-B', '20'];

    for (const i of [0, 1]) lab.addGluonNode(i, NEXT_NODE);
    lab.filterMeshLikeGluon(NEXT_NODE.mac);
    for (const i of [0, 1]) daemons.push(lab.startDaemonWithArgs(i, args));
    const script = path.join(lab.dir, 'gluon-udhcpc.script');
    writeFileSync(script, UDHCPC_SCRIPT);
    chmodSync(script, 0o755);
    writeFileSync(clientLog, '');
    const c = lab.addClient(0);
    client = lab.track(spawn('ip', ['netns', 'exec', c.ns, 'udhcpc', '-i', 'eth0', '-f', '-s', script, '-t', '20', '-T', '1', '-A', '1',
      '-O', 'router', '-O', 'dns', '-O', 'subnet', '-O', 'broadcast'], { stdio: 'ignore', env: { ...process.env, LEASE_LOG: clientLog } }));
  });

  after(async () => {
    await lab.close();
  });

  test('the command line derived from the generated UCI file: DHCP on local-node, the mesh on br-client', () => {
    assert.deepEqual(args.slice(0, 16), ['-N', '10.116.224.0/20', '-b', '2', '-s', '2', '-B', '300', '-t', '15', '-n', '300', '-c', 'local-node', '-i', 'br-client']);
  });

  test('udhcpc gets an address in range with options 54, 1, 3, 6, 51 and 28 from the site, and renews it', async () => {
    const bound = await waitFor('udhcpc to bind', () => events(clientLog).find((e) => e['state'] === 'bound'), 60_000, 200);
    const ip = parseIpv4(bound['ip'] ?? '');
    assert.ok(ip.ok, `address ${bound['ip']}`);
    assert.equal(ip.value >>> 12, 0x0a74e000 >>> 12, `${bound['ip']} inside range 10.116.224.0/20`);
    const n = NEXT_NODE.ip;
    assert.deepEqual(
      { serverid: bound['serverid'], subnet: bound['subnet'], router: bound['router'], dns: bound['dns'], lease: bound['lease'], broadcast: bound['broadcast'] },
      { serverid: n, subnet: '255.255.128.0', router: n, dns: n, lease: '300', broadcast: '10.116.255.255' },
      daemons[0]?.log,
    );
    // Unicast to the next-node address: it arrives on local-node, where the daemon listens.
    const renewed = await renew();
    assert.deepEqual([renewed['state'], renewed['ip']], ['renew', bound['ip']]);
  });

  test('the nodes hear each other over br-client, through bat0 as a bridge port', async () => {
    const [d0, d1] = daemons as [DaemonHandle, DaemonHandle];
    const id0 = nodeIdOf(lab, d0);
    const id1 = nodeIdOf(lab, d1);
    const knows = (h: DaemonHandle, other: string): boolean => blockRows(lab, h).some((r) => r.owner === other);
    await waitFor('node 1 to claim a block node 0 knows of', () => knows(d0, id1), 20_000, 200);
    await waitFor('node 0\'s blocks to be known at node 1', () => knows(d1, id0), 20_000, 200);
  });

  // A client of node 1 holds an address of a block node 0 owns (as after node 0 lost its
  // state). Node 0's probe goes out on br-client with the node's own MAC and crosses the
  // mesh; from local-node it could not, as Gluon drops the next-node MAC on bat0.
  test('the ARP probe crosses the mesh: an address a client of another node holds is not offered', async () => {
    const d0 = daemons[0] as DaemonHandle;
    assert.ok(args.includes('--probe-interface') && args[args.indexOf('--probe-interface') + 1] === 'br-client', args.join(' '));
    const held = events(clientLog).find((e) => e['state'] === 'bound')?.['ip'];
    const start = parseIpv4('10.116.224.0');
    assert.ok(start.ok);
    const candidates = [...ownBlocks(lab, d0)].flatMap((b) => [0, 1, 2, 3].map((k) => formatIpv4(start.value + b * 4 + k)))
      .filter((ip) => ip !== held && ip !== '10.116.224.0');
    const squatted = candidates.at(-1);
    assert.ok(squatted !== undefined, 'node 0 owns a block');
    const squatter = lab.addClient(1);
    sh('ip', ['-n', squatter.ns, 'addr', 'add', `${squatted}/${NEXT_NODE.prefixLen}`, 'dev', 'eth0']);
    const answeredBefore = statistic(lab, d0, 'arp.probe_answered');
    const newcomer = DhcpClient.udhcpc(lab, lab.addClient(0).ns, ['-r', squatted]);
    const got = await newcomer.waitBound(30_000);
    assert.notEqual(got, squatted, d0.log);
    assert.equal(statistic(lab, d0, 'arp.probe_answered'), answeredBefore + 1);
  });

  test('follow-gateway: router and DNS become the address of the gateway batman-adv selected (recorded batctl tables)', async () => {
    const bin = path.join(lab.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const fixtures = path.join(REPO, 'test/fixtures/batctl');
    writeFileSync(path.join(bin, 'batctl'), `#!/bin/sh\ncase "$3" in\ngateways_json) cat '${fixtures}/gateways.json' ;;\n` +
      `transtable_global_json) cat '${fixtures}/transtable_global.json' ;;\ndat_cache_json) cat '${fixtures}/dat_cache.json' ;;\nesac\n`);
    chmodSync(path.join(bin, 'batctl'), 0o755);
    const d0 = daemons[0] as DaemonHandle;
    const r = spawnSync('ip', ['netns', 'exec', d0.ns, process.execPath, path.join(REPO, 'dist/ddhcpd-gluon.js'), 'follow-gateway',
      '--network', `10.116.128.0/${NEXT_NODE.prefixLen}`, '--control', d0.ctl], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '10.116.254.1\n');
    const renewed = await renew();
    assert.deepEqual([renewed['state'], renewed['router'], renewed['dns'], renewed['serverid']], ['renew', '10.116.254.1', '10.116.254.1', NEXT_NODE.ip]);
  });

  test('stopped as download.d does (SIGTERM), the lease is on disk; started again as abort.d does, the client keeps its address', async () => {
    const ip = events(clientLog).find((e) => e['state'] === 'bound')?.['ip'];
    assert.ok(ip !== undefined);
    const d0 = daemons[0] as DaemonHandle;
    d0.proc.kill('SIGTERM');
    await waitFor('the daemon to exit', () => d0.proc.exitCode !== null || d0.proc.signalCode !== null, 5_000, 20);
    assert.equal(d0.proc.exitCode, 0, d0.log);
    const saved = JSON.parse(readFileSync(path.join(d0.stateDir, 'state.json'), 'utf8')) as { leases: { ip: number; state: string }[] };
    const want = parseIpv4(ip);
    assert.ok(want.ok);
    assert.ok(saved.leases.some((l) => l.ip === want.value && l.state === 'leased'), `state.json has ${ip}: ${JSON.stringify(saved.leases)}`);

    daemons[0] = lab.startDaemonWithArgs(0, args, d0.stateDir);
    await sleep(500);
    const renewed = await renew();
    // The restarted daemon has the options of /etc/config/ddhcpd again: why follow-gateway sets them every minute.
    assert.deepEqual([renewed['state'], renewed['ip'], renewed['router']], ['renew', ip, NEXT_NODE.ip], daemons[0].log);
  });
});
