// The package's other Gluon scripts, installed into a temporary root and run
// under busybox ash: the autoupdater's download.d (stop ddhcpd to free its
// memory) and abort.d (start it again if enabled) against a recording
// /etc/init.d/ddhcpd, and the gateway follower against a batctl that prints
// the tables of test/fixtures/batctl, openwrt-stub's uci and a recording
// control socket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { installPackageRoot, makeTempDir, requireBuild, requireCommand, ROOT } from './package-support';

const STUB_BIN = path.join(__dirname, 'openwrt-stub', 'bin');
const BATCTL_FIXTURES = path.join(ROOT, 'test/fixtures/batctl');

async function withRoot(body: (work: string, root: string, log: string) => Promise<void>): Promise<void> {
  requireBuild();
  requireCommand('busybox');
  const work = makeTempDir('gluon-scripts');
  try {
    const root = installPackageRoot(work);
    const log = path.join(work, 'log');
    writeFileSync(log, '');
    await body(work, root, log);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

function ash(script: string, env: Record<string, string>) {
  return spawnSync('busybox', ['ash', script], { cwd: '/', encoding: 'utf8', env: { PATH: `${STUB_BIN}:/usr/bin:/bin`, ...env }, timeout: 30_000 });
}

/** /etc/init.d/ddhcpd that records its action; `enabled` answers as rc.d would. */
function stubInit(root: string, log: string, enabled: boolean): void {
  const init = path.join(root, 'etc/init.d/ddhcpd');
  writeFileSync(init, `#!/bin/sh\necho "init.d/ddhcpd $1" >> '${log}'\n[ "$1" != enabled ] || exit ${enabled ? 0 : 1}\n`);
  chmodSync(init, 0o755);
}

test('autoupdater download.d stops ddhcpd; abort.d starts it again only when enabled', async () => {
  await withRoot(async (_work, root, log) => {
    stubInit(root, log, true);
    const down = ash(path.join(root, 'usr/lib/autoupdater/download.d/20ddhcpd'), { IPKG_INSTROOT: root });
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(lines(log), ['init.d/ddhcpd stop']);
    const abort = ash(path.join(root, 'usr/lib/autoupdater/abort.d/20ddhcpd'), { IPKG_INSTROOT: root });
    assert.equal(abort.status, 0, abort.stderr);
    assert.deepEqual(lines(log), ['init.d/ddhcpd stop', 'init.d/ddhcpd enabled', 'init.d/ddhcpd start']);

    writeFileSync(log, '');
    stubInit(root, log, false);
    assert.equal(ash(path.join(root, 'usr/lib/autoupdater/abort.d/20ddhcpd'), { IPKG_INSTROOT: root }).status, 0);
    assert.deepEqual(lines(log), ['init.d/ddhcpd enabled'], 'a service disabled in rc.d stays down');
  });
});

test('gluon-reload: ddhcpd stops before the network (330) and starts after the reconfigure, only when enabled (770)', async () => {
  await withRoot(async (_work, root, log) => {
    const reload = path.join(root, 'lib/gluon/reload.d');
    assert.deepEqual(readdirSync(reload).sort(), ['330-ddhcpd-stop', '770-ddhcpd-start']);
    stubInit(root, log, true);
    for (const s of ['330-ddhcpd-stop', '770-ddhcpd-start']) assert.equal(ash(path.join(reload, s), { IPKG_INSTROOT: root }).status, 0);
    assert.deepEqual(lines(log), ['init.d/ddhcpd stop', 'init.d/ddhcpd enabled', 'init.d/ddhcpd start']);
    writeFileSync(log, '');
    stubInit(root, log, false);
    assert.equal(ash(path.join(reload, '770-ddhcpd-start'), { IPKG_INSTROOT: root }).status, 0);
    assert.deepEqual(lines(log), ['init.d/ddhcpd enabled']);
  });
});

test('autoupdater and gluon-reload scripts do nothing where ddhcpd is not installed', async () => {
  await withRoot(async (work, root, log) => {
    rmSync(path.join(root, 'etc/init.d/ddhcpd'));
    for (const s of ['usr/lib/autoupdater/download.d/20ddhcpd', 'usr/lib/autoupdater/abort.d/20ddhcpd', 'lib/gluon/reload.d/330-ddhcpd-stop', 'lib/gluon/reload.d/770-ddhcpd-start']) {
      assert.equal(ash(path.join(root, s), { IPKG_INSTROOT: root, STUB_ETC: work }).status, 0);
    }
    assert.deepEqual(lines(log), []);
  });
});

test('micron.d runs the follower every minute; the multicast filter lets the claims out', async () => {
  await withRoot(async (_work, root) => {
    assert.equal(readFileSync(path.join(root, 'usr/lib/micron.d/ddhcpd'), 'utf8'), '* * * * * /usr/lib/ddhcpd/follow-gateway\n');
    const rules = readFileSync(path.join(root, 'lib/gluon/ebtables/110-mcast-allow-ddhcpd'), 'utf8').split('\n').filter((l) => l.startsWith('rule '));
    assert.deepEqual(rules, ["rule 'MULTICAST_OUT -p IPv6 --ip6-protocol udp --ip6-destination ff02::1234 --ip6-destination-port 1234 -j RETURN'"]);
  });
});

interface FollowRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly log: string[];
  /** Every request the control socket received, as hex. */
  readonly requests: string[];
}

/**
 * Runs follow-gateway with the given UCI state, a batctl that serves `tables`
 * and a control socket that records what it is sent (and, like the daemon for
 * an option set, answers nothing).
 */
async function follow(work: string, root: string, log: string, uci: readonly string[], tables: Record<string, string>): Promise<FollowRun> {
  writeFileSync(log, '');
  const socketPath = path.join(work, 'ctl');
  writeFileSync(path.join(work, 'uci-state'), `${[...uci, `ddhcpd.main.control_path='${socketPath}'`].join('\n')}\n`);
  const bin = path.join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  const cases = Object.entries(tables).map(([table, file]) => `${table}) cat '${file}' ;;`).join('\n');
  writeFileSync(path.join(bin, 'batctl'), `#!/bin/sh\necho "batctl $*" >> '${log}'\ncase "$3" in\n${cases}\n*) echo "no table $3" >&2; exit 1 ;;\nesac\n`);
  chmodSync(path.join(bin, 'batctl'), 0o755);
  const requests: string[] = [];
  rmSync(socketPath, { force: true });
  const server = net.createServer((c) => c.on('data', (d) => {
    requests.push(d.toString('hex'));
    c.end();
  }));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const child = spawn('busybox', ['ash', path.join(root, 'usr/lib/ddhcpd/follow-gateway')], {
      cwd: '/',
      env: { PATH: `${bin}:${STUB_BIN}:/usr/bin:/bin`, STUB_ETC: work, STUB_LOG: log, TMPDIR: work },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { status, stderr, log: lines(log), requests };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const FOLLOWING = [
  "ddhcpd.gluon=gluon",
  "ddhcpd.gluon.follow_gateway='1'",
  "ddhcpd.gluon.client_network='10.116.128.0/17'",
];
const RECORDED = {
  gateways_json: path.join(BATCTL_FIXTURES, 'gateways.json'),
  transtable_global_json: path.join(BATCTL_FIXTURES, 'transtable_global.json'),
  dat_cache_json: path.join(BATCTL_FIXTURES, 'dat_cache.json'),
};
/** `ddhcpdctl -o 3:4:10.116.254.1` and `-o 6:4:10.116.254.1`, as the C tool frames them (command 3, code, length, bytes). */
const SET_ROUTER_AND_DNS = ['0303040a74fe01', '0306040a74fe01'];

test('follow_gateway=1: router and DNS set to the selected gateway\'s address over the control socket, logged once', async () => {
  await withRoot(async (work, root, log) => {
    const r = await follow(work, root, log, FOLLOWING, RECORDED);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.log.filter((l) => l.startsWith('batctl')), [
      'batctl meshif bat0 gateways_json', 'batctl meshif bat0 transtable_global_json', 'batctl meshif bat0 dat_cache_json',
    ]);
    assert.deepEqual(r.requests, SET_ROUTER_AND_DNS);
    assert.deepEqual(r.log.filter((l) => l.startsWith('logger')), ['logger -t ddhcpd -p daemon.notice follow_gateway: router and DNS now 10.116.254.1']);
    const again = await follow(work, root, log, FOLLOWING, RECORDED);
    assert.deepEqual(again.requests, SET_ROUTER_AND_DNS, 'set again: a restarted daemon has lost them');
    assert.ok(!again.log.some((l) => l.startsWith('logger')), 'no log line for an unchanged gateway');
  });
});

test('follow_gateway off: batctl is not even asked; no gateway: options left alone, the reason logged once', async () => {
  await withRoot(async (work, root, log) => {
    const off = await follow(work, root, log, FOLLOWING.map((l) => l.replace("follow_gateway='1'", "follow_gateway='0'")), RECORDED);
    assert.equal(off.status, 0);
    assert.deepEqual([off.log, off.requests], [[], []]);

    const empty = path.join(work, 'empty.json');
    writeFileSync(empty, '[]\n');
    const none = await follow(work, root, log, FOLLOWING, { ...RECORDED, gateways_json: empty });
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(none.requests, []);
    assert.deepEqual(none.log.filter((l) => l.startsWith('logger')), ['logger -t ddhcpd -p daemon.notice follow_gateway: batman-adv has selected no gateway (is gw_mode client, and is a gateway announced?)']);
    const still = await follow(work, root, log, FOLLOWING, { ...RECORDED, gateways_json: empty });
    assert.ok(!still.log.some((l) => l.startsWith('logger')), 'the same reason is not logged every minute');

    const broken = await follow(work, root, log, FOLLOWING, { gateways_json: RECORDED.gateways_json });
    assert.equal(broken.status, 0);
    assert.deepEqual(broken.requests, []);
    assert.ok(broken.log.some((l) => l.startsWith('logger') && l.includes('batctl on bat0')), broken.log.join('\n'));
  });
});
