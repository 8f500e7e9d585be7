import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startControlServer, type ControlServer } from '../../../src/ctl/server';
import { createLogger } from '../../../src/io/log';
import { formatBlockTable } from '../../../src/ctl/block-table';
import { formatOptionStore } from '../../../src/ctl/option-store';
import { block, fakeApi, fakeView, labConfig, readVector, VECTORS, type FakeApi } from './fixtures';

const silent = createLogger(0, () => undefined);
let dir: string;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ddhcpd-ctl-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Talk {
  readonly reply: string;
  readonly error: string | undefined;
}

/** Sends `parts` as separate writes `gapMs` apart and reads until EOF, like a C client. */
function talk(sock: string, parts: Uint8Array[], opts: { gapMs?: number; shutdown?: boolean } = {}): Promise<Talk> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    c.on('close', () => resolve({ reply: Buffer.concat(chunks).toString('latin1'), error }));
    c.on('connect', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, opts.gapMs ?? 0));
        if (!c.destroyed && c.writable) c.write(p);
      }
      if (opts.shutdown === true) c.end();
    });
  });
}

async function withServer(fn: (sock: string, api: FakeApi, server: ControlServer) => Promise<void>, api = fakeApi()): Promise<void> {
  const sock = path.join(dir, `ctl-${Math.random().toString(16).slice(2)}`);
  const server = await startControlServer({ path: sock, api, log: silent, idleTimeoutMs: 400, collectMs: 100 });
  try {
    await fn(sock, api, server);
  } finally {
    await server.close();
  }
}

const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

test('every malformed vector: one ERROR line (or C-compatible answer), clean EOF, nothing changed', async () => {
  const files = JSON.parse(readFileSync(path.join(VECTORS, 'index.json'), 'utf8')) as { file: string }[];
  const malformed = files.map((f) => f.file).filter((f) => f.startsWith('malformed/'));
  // What our server answers where it is not an error: the same as C.
  const answers: Record<string, (api: FakeApi) => string> = {
    'malformed/block_show_split_writes.json': (api) => formatBlockTable(api.view(), api.now()),
    'malformed/d_after_len0.json': (api) => formatOptionStore(api.view()),
    'malformed/option_remove_absent_code.json': () => '',
  };
  await withServer(async (sock, api) => {
    for (const file of malformed) {
      const v = readVector(file);
      const bytes = unhex(v.request_hex ?? '');
      const parts = v.request_writes === 2 ? [bytes.subarray(0, 1), bytes.subarray(1)] : [bytes];
      const callsBefore = api.calls.length;
      const r = await talk(sock, parts, { gapMs: 300, shutdown: v.client_shutdown_wr === true });
      assert.equal(r.error, undefined, `${file}: connection error ${r.error ?? ''}`);
      const expected = answers[file];
      if (expected !== undefined) {
        assert.equal(r.reply, expected(api), file);
      } else {
        assert.match(r.reply, /^ERROR: [^\n]+\n$/, file);
        assert.equal(api.calls.length, callsBefore, `${file} changed the daemon`);
      }
    }
    assert.deepEqual(api.calls, [{ kind: 'removeOption', arg: 200 }]);
    assert.ok(api.stats.get('drop.ctl.truncated') >= 5);
  });
});

test('valid requests: -b -d -s -S answered, -o -r -v applied with an empty reply', async () => {
  await withServer(async (sock, api) => {
    api.stats.add('mcast.recv_pkg', 7);
    assert.equal((await talk(sock, [unhex('01')])).reply, readVector('b.json').reply_text);
    assert.equal((await talk(sock, [unhex('02')])).reply, readVector('d.json').reply_text);
    assert.match((await talk(sock, [unhex('06')])).reply, /^mcast\.recv_pkg 7\n/);
    assert.match((await talk(sock, [unhex('07')])).reply, /^mcast\.recv_pkg 7\n/);
    assert.match((await talk(sock, [unhex('06')])).reply, /^mcast\.recv_pkg 0\n/);
    assert.deepEqual(await talk(sock, [unhex('0303040a000002')]), { reply: '', error: undefined });
    assert.deepEqual(await talk(sock, [unhex('0403')]), { reply: '', error: undefined });
    assert.deepEqual(await talk(sock, [unhex('0505')]), { reply: '', error: undefined });
    assert.deepEqual(api.calls, [
      { kind: 'setOption', arg: { code: 3, payload: [10, 0, 0, 2] } },
      { kind: 'removeOption', arg: 3 },
      { kind: 'setLogLevel', arg: 5 },
    ]);
    // -S reset the counters: 06 and the three changes since.
    assert.equal(api.stats.get('ctl.connections'), 4);
  });
});

test('a request split into writes a few ms apart is collected; a 1601-byte one is refused without a reset', async () => {
  await withServer(async (sock, api) => {
    const r = await talk(sock, [unhex('030304'), unhex('0a000002')], { gapMs: 20 });
    assert.deepEqual(r, { reply: '', error: undefined });
    assert.deepEqual(api.calls, [{ kind: 'setOption', arg: { code: 3, payload: [10, 0, 0, 2] } }]);
    const big = await talk(sock, [unhex(readVector('malformed/oversize_1601_bytes.json').request_hex ?? '')]);
    assert.deepEqual(big, { reply: 'ERROR: request longer than 1500 bytes\n', error: undefined });
    const huge = await talk(sock, [new Uint8Array(40_000).fill(1)]);
    assert.deepEqual(huge, { reply: 'ERROR: request longer than 1500 bytes\n', error: undefined });
  });
});

test('a silent connection is answered and dropped after the idle timeout, others are served meanwhile', async () => {
  await withServer(async (sock) => {
    const t0 = Date.now();
    const silentConn = talk(sock, []);
    assert.equal((await talk(sock, [unhex('02')])).reply, readVector('d.json').reply_text);
    const r = await silentConn;
    assert.match(r.reply, /^ERROR: no request within/);
    assert.ok(Date.now() - t0 >= 350, 'not dropped before the timeout');
  });
});

test('more than 16 concurrent connections: the extra one is refused at once and counted', async () => {
  await withServer(async (sock, api) => {
    const held = Array.from({ length: 16 }, () => net.connect(sock));
    await Promise.all(held.map((c) => new Promise((r) => c.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const extra = await talk(sock, [unhex('01')]);
    assert.equal(extra.reply, 'ERROR: too many control connections\n');
    assert.equal(api.stats.get('ctl.refused'), 1);
    for (const c of held) c.destroy();
    // The server learns of the closes as it reads them: on a busy machine that may take more than one try.
    let after = await talk(sock, [unhex('02')]);
    for (let k = 0; k < 40 && after.reply === extra.reply; k++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await talk(sock, [unhex('02')]);
    }
    assert.equal(after.reply, readVector('d.json').reply_text);
  });
});

test('socket file: mode 0600, stale one replaced, foreign file and live socket refused, removed on close', async () => {
  const sock = path.join(dir, 'stale');
  const stale = net.createServer();
  await new Promise<void>((r) => stale.listen(sock, r));
  await assert.rejects(startControlServer({ path: sock, api: fakeApi(), log: silent }), /in use/);
  await new Promise<void>((r) => stale.close(() => r()));
  // A crashed daemon leaves the file behind and nobody accepts on it (libuv unlinks on a clean close).
  spawnSync(process.execPath, ['-e',
    `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.ok(statSync(sock).isSocket());
  const server = await startControlServer({ path: sock, api: fakeApi(), log: silent });
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  assert.ok(statSync(sock).isSocket());
  await server.close();
  assert.equal(existsSync(sock), false);
  const file = path.join(dir, 'regular');
  writeFileSync(file, 'keep me');
  await assert.rejects(startControlServer({ path: file, api: fakeApi(), log: silent }), /not a socket/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('a slow reader still gets a large reply whole (no linger cut before the reply is out)', async () => {
  const many = Array.from({ length: 30_000 }, (_, i) => block(i, 'claimed', '00112233445566ff', 60_000));
  const api = fakeApi(fakeView(labConfig({ prefixLen: 8 }), many));
  await withServer(async (sock) => {
    const expected = formatBlockTable(api.view(), api.now());
    assert.ok(expected.length > 900_000);
    const got = await new Promise<string>((resolve, reject) => {
      const c = net.connect(sock);
      const chunks: Buffer[] = [];
      c.on('error', reject);
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      c.on('connect', () => {
        c.write(Uint8Array.of(1));
        c.pause();
        setTimeout(() => c.resume(), 2500);
      });
    });
    assert.equal(got.length, expected.length);
    assert.equal(got, expected);
  }, api);
});
