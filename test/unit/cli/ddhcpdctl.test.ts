import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseCtlArgs, USAGE } from '../../../src/cli/ddhcpdctl-args';
import { startControlServer, type ControlServer } from '../../../src/ctl/server';
import { createLogger } from '../../../src/io/log';
import { buildBlockTable } from '../../../src/ctl/block-table';
import { buildOptionStoreListing } from '../../../src/ctl/option-store';
import { encodeControlRequest } from '../../../src/ctl/codec';
import { fakeApi, readVector, type FakeApi } from '../ctl/fixtures';

const ROOT = path.resolve(__dirname, '../../..');
let dir: string;
let sock: string;
let api: FakeApi;
let server: ControlServer;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ddhcpdctl-'));
  sock = path.join(dir, 'ctl');
  api = fakeApi();
  server = await startControlServer({ path: sock, api, log: createLogger(0, () => undefined) });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function ctl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/ddhcpdctl.ts', ...args], { cwd: ROOT, timeout: 20_000 }, (e, stdout, stderr) => {
      const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stand-in daemon that answers every connection with `reply` (or stays silent) the way the C one would. */
async function fakeDaemon(reply: string | undefined, fn: (p: string) => Promise<void>): Promise<void> {
  const p = path.join(dir, `fake-${Math.random().toString(16).slice(2)}`);
  const srv = net.createServer((c) => {
    c.once('data', () => {
      if (reply !== undefined) c.end(reply);
    });
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(p, r));
  try {
    await fn(p);
  } finally {
    srv.close();
    srv.unref();
  }
}

const hexOf = (argv: string[]): string => {
  const plan = parseCtlArgs(argv);
  assert.ok(plan.ok && plan.value.kind === 'request', argv.join(' '));
  return Buffer.from(encodeControlRequest(plan.value.request)).toString('hex');
};

test('argument forms: clustered, attached and separate values give the C bytes', () => {
  assert.equal(hexOf(['-b']), '01');
  assert.equal(hexOf(['-C/x', '-r3']), '0403');
  assert.equal(hexOf(['-C', '/x', '-o', '3:4:10.116.254.254']), '0303040a74fefe');
  assert.equal(hexOf(['-l', '4294967295']), '033304ffffffff');
  assert.equal(hexOf(['-v0']), '0500');
  assert.equal(hexOf(['--json', '-s']), '06');
  const p = parseCtlArgs(['-t', '3', '-C', '/run/x', '-Sb'.slice(0, 2), '--json']);
  assert.deepEqual(p, { ok: true, value: { kind: 'request', path: '/run/x', request: { kind: 'statisticsReset' }, json: true, timeoutSec: 3 } });
});

test('bad arguments give one line each', () => {
  for (const argv of [['-x'], ['-b', '-d'], ['-r', '0'], ['-r', '255'], ['-l', '0'], ['-l', '0x258'], ['-v', '256'], ['-o', '3:4:10.0'],
    ['-o', '3:0:'], ['-b', 'extra'], ['-C'], ['-C', 'x'.repeat(108), '-b'], ['-o', '3:4:1.2.3.4', '--json'], ['-C', '/x'], ['-t', '0', '-b'], ['--nope']]) {
    const p = parseCtlArgs(argv);
    assert.equal(p.ok, false, argv.join(' '));
    assert.ok(!p.ok && p.error.length > 5 && !p.error.includes('\n'), argv.join(' '));
  }
  assert.deepEqual(parseCtlArgs([]), { ok: true, value: { kind: 'help' } });
  assert.deepEqual(parseCtlArgs(['-b', '-h']), { ok: true, value: { kind: 'help' } });
});

test('against our server: -b, -d --json, -s --json, -o, -r, -l, -v', async () => {
  const [b, bj, d, s] = await Promise.all([
    ctl('-C', sock, '-b'), ctl('-C', sock, '-b', '--json'), ctl('-C', sock, '-d', '--json'), ctl('-C', sock, '--json', '-s'),
  ]);
  assert.deepEqual(b, { code: 0, stdout: readVector('b.json').reply_text, stderr: '' });
  assert.deepEqual(JSON.parse(bj.stdout), JSON.parse(JSON.stringify(buildBlockTable(api.view(), api.now()))));
  assert.deepEqual(JSON.parse(d.stdout), JSON.parse(JSON.stringify(buildOptionStoreListing(api.view()))));
  assert.equal(s.code, 0);
  assert.equal((JSON.parse(s.stdout) as Record<string, number>)['ddhcp.blocks.claimed'], 3);
  for (const args of [['-o', '3:4:10.0.0.2'], ['-r', '3'], ['-l', '600'], ['-v', '5']]) {
    assert.deepEqual(await ctl('-C', sock, ...args), { code: 0, stdout: '', stderr: '' }, args.join(' '));
  }
  assert.deepEqual(api.calls, [
    { kind: 'setOption', arg: { code: 3, payload: [10, 0, 0, 2] } },
    { kind: 'removeOption', arg: 3 },
    { kind: 'setOption', arg: { code: 51, payload: [0, 0, 2, 88] } },
    { kind: 'setLogLevel', arg: 5 },
  ]);
});

test('usage, version and bad flags: exit codes and one-line errors', async () => {
  const [none, help, version, bad] = await Promise.all([ctl(), ctl('-h'), ctl('-V'), ctl('-C', sock, '-r', '300')]);
  assert.deepEqual(none, { code: 0, stdout: USAGE, stderr: '' });
  assert.deepEqual(help, { code: 0, stdout: USAGE, stderr: '' });
  assert.match(version.stdout, /^Revision: .+\n$/);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^ddhcpdctl: -r: option code 300 is out of range, use 1 to 254\n$/);
  assert.equal(api.calls.filter((c) => c.arg === 44).length, 0, 'nothing was sent');
});

test('connect failure names the path and says the daemon may not be running', async () => {
  const missing = path.join(dir, 'nope');
  const r = await ctl('-C', missing, '-b');
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').length, 2);
  assert.ok(r.stderr.includes(missing) && r.stderr.includes('may not be running'), r.stderr);
});

test('a refused request, a silent reply to -s, a timeout and C text with --json', async () => {
  await fakeDaemon('ERROR: unknown command 8\n', async (p) => {
    assert.deepEqual(await ctl('-C', p, '-b'), { code: 1, stdout: '', stderr: 'ddhcpdctl: daemon refused the request: unknown command 8\n' });
  });
  await fakeDaemon('', async (p) => {
    const r = await ctl('-C', p, '-s');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no reply/);
    assert.deepEqual(await ctl('-C', p, '-r', '3'), { code: 0, stdout: '', stderr: '' });
  });
  await fakeDaemon(undefined, async (p) => {
    const r = await ctl('-C', p, '-t', '1', '-d');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /within 1 s/);
  });
  await fakeDaemon(readVector('b_node2.json').reply_text, async (p) => {
    const r = await ctl('-C', p, '-b', '--json');
    assert.equal(r.code, 0);
    const t = JSON.parse(r.stdout) as { blocks: { index: number; state: string }[] };
    assert.deepEqual(t.blocks.map((x) => [x.index, x.state]), [[4719, 'claimed'], [7450, 'ours'], [8029, 'claimed']]);
  });
  await fakeDaemon('this is not a block table\n', async (p) => {
    const r = await ctl('-C', p, '-b', '--json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unexpected reply/);
  });
});
