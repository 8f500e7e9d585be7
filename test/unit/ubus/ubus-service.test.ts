// The daemon's ubus service without a real ubusd: it says once that ubus is not
// in use and keeps retrying quietly; it connects when a socket appears and
// publishes `ddhcpd` with its signature; it reconnects with doubling backoff when
// ubusd goes away. The stand-in only replays the recorded HELLO.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/io/log';
import { createDdhcpdObject } from '../../../src/ubus/ddhcpd-object';
import { startUbusService } from '../../../src/ubus/ubus-service';
import { hexToBytes } from '../../../src/wire/bytes';
import { decodeUbusMessage, tableOf, UbusMsgType } from '../../../src/wire/ubus/message';
import { fakeApi } from '../ctl/fixtures';
import { startReplay } from './replay-ubusd';
import { connectionScript } from './scenarios';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HELLO = connectionScript(['server_add_object'], 'example-server', 23).slice(0, 1);

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger(4, (l) => lines.push(l.trimEnd())) };
}

test('ubus service: without ubusd it logs once that ubus is not in use, then connects when the socket appears', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ubus-svc-'));
  const path = join(dir, 'ubus.sock');
  const { lines, log } = capture();
  const api = fakeApi();
  const svc = startUbusService({ socketPath: path, api, log, onConfigChange: () => undefined },
    { backoffMinMs: 20, backoffMaxMs: 40, timeoutMs: 500 });
  try {
    await sleep(250);
    assert.equal(svc.connected, false);
    const notInUse = lines.filter((l) => l.includes('ubus not in use'));
    assert.deepEqual(notInUse, [`INFO: ubus not in use (no ubus socket at ${path}); the daemon runs without it and connects when ubusd appears`]);
    assert.equal(lines.filter((l) => !l.startsWith('DEBUG')).length, 1, lines.join('\n'));
    svc.sendEvent('ddhcpd.lease', { ip: '10.0.0.2', mac: '02:00:00:00:00:01', node: '0000000000000000' });

    const replay = await startReplay([HELLO], { path });
    try {
      await replay.accepted(0);
      await sleep(100);
      svc.stop();
      const outcome = await replay.outcomes[0]!;
      assert.equal(outcome.finished, true);
      // ubusd's reply is not recorded for our object, so we only check what we asked for.
      assert.equal(outcome.extra.length, 1);
      const add = decodeUbusMessage(hexToBytes(outcome.extra[0]!)!);
      assert.ok(add.ok);
      assert.equal(add.value.type, UbusMsgType.addObject);
      assert.equal(add.value.seq, 1);
      const t = tableOf(add.value);
      assert.equal(t.objpath, 'ddhcpd');
      assert.deepEqual(t.signature, createDdhcpdObject(api, log).signature);
    } finally {
      await replay.close();
    }
  } finally {
    svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ubus service: when ubusd drops the connection it reconnects with doubling backoff, warning once', async () => {
  const { lines, log } = capture();
  const replay = await startReplay([HELLO, HELLO, HELLO, HELLO], { closeAtEnd: true });
  const accepted: number[] = [];
  const svc = startUbusService({ socketPath: replay.path, api: fakeApi(), log, onConfigChange: () => undefined },
    { backoffMinMs: 60, backoffMaxMs: 1000, timeoutMs: 500 });
  try {
    for (let i = 0; i < 4; i++) {
      await replay.accepted(i);
      accepted.push(performance.now());
    }
    const gaps = accepted.slice(1).map((t, i) => t - accepted[i]!);
    assert.ok(gaps[0]! >= 55 && gaps[1]! >= 115 && gaps[2]! >= 235, `gaps ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
    assert.equal(svc.connected, false);
    const warnings = lines.filter((l) => l.startsWith('WARN'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /adding object 'ddhcpd' failed with CONNECTION_FAILED.*; retrying/);
  } finally {
    svc.stop();
    await replay.close();
  }
});

test('ubus service: stop() ends the retry loop at once and sendEvent after it does not throw', async () => {
  const { lines, log } = capture();
  const svc = startUbusService({ socketPath: '/nonexistent/ubus.sock', api: fakeApi(), log, onConfigChange: () => undefined },
    { backoffMinMs: 20, backoffMaxMs: 20, timeoutMs: 100 });
  await sleep(50);
  svc.stop();
  const before = lines.length;
  await sleep(100);
  svc.sendEvent('ddhcpd.release', { ip: '10.0.0.2' });
  assert.equal(lines.filter((l) => !l.includes('dropped, not connected')).length, before);
});
