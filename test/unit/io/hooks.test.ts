import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HookRunner } from '../../../src/io/hooks';
import { createLogger } from '../../../src/io/log';

function setup(): { dir: string; lines: string[]; log: ReturnType<typeof createLogger> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ddhcpd-hooks-'));
  const lines: string[] = [];
  return { dir, lines, log: createLogger(4, (l) => lines.push(l)) };
}

async function waitFor(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('hook: a script file read by /bin/sh (as C does), path and arguments never parsed as shell', async () => {
  const { dir, log } = setup();
  const hookDir = path.join(dir, 'a dir; $(touch PWNED) `touch PWNED2`');
  mkdirSync(hookDir);
  const out = path.join(dir, 'args');
  // Not executable and no shebang: C runs it with /bin/sh -e -- too.
  writeFileSync(path.join(hookDir, 'hook'), `for a in "$@"; do printf '%s\\n' "$a" >> '${out}'; done\n`, { mode: 0o644 });
  const runner = new HookRunner(path.join(hookDir, 'hook'), log);
  runner.run(['lease', '10.0.0.5', '$(touch PWNED3);02:00:00:00:00:01']);
  await waitFor('the hook to write its arguments', () => existsSync(out) && readFileSync(out, 'utf8').split('\n').length >= 4);
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ['lease', '10.0.0.5', '$(touch PWNED3);02:00:00:00:00:01']);
  for (const f of ['PWNED', 'PWNED2', 'PWNED3']) {
    assert.equal(existsSync(path.join(dir, f)) || existsSync(path.join(hookDir, f)) || existsSync(f), false, f);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('hook: one that hangs (and leaves a child holding its pipes) is killed with its child; the queue moves on', async () => {
  const { dir, lines, log } = setup();
  const hook = path.join(dir, 'hook.sh');
  const started = path.join(dir, 'started');
  writeFileSync(hook, `#!/bin/sh\necho "$1 $(date +%s%N)" >> '${started}'\nsleep 60 &\necho $! > '${dir}/child-'"$1"\nsleep 60\n`, { mode: 0o755 });
  const runner = new HookRunner(hook, log, 400);
  const t0 = Date.now();
  runner.run(['first']);
  runner.run(['second']);
  await waitFor('the second call', () => existsSync(started) && readFileSync(started, 'utf8').includes('second'), 5000);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 2000, `second call after ${elapsed} ms (time limit 400 ms)`);
  assert.ok(lines.some((l) => /hook .* first ran longer than 0.4 s; killed/.test(l)), lines.join(''));
  const childPid = Number(readFileSync(path.join(dir, 'child-first'), 'utf8'));
  await waitFor('the background child of the killed hook to be gone', () => {
    try {
      process.kill(childPid, 0);
      return false;
    } catch {
      return true;
    }
  }, 2000);
  await waitFor('the second call to be killed too', () => lines.some((l) => /second ran longer/.test(l)), 3000);
  rmSync(dir, { recursive: true, force: true });
});

test('hook: a flood of output is read only up to a cap and logged briefly', async () => {
  const { dir, lines, log } = setup();
  const hook = path.join(dir, 'hook.sh');
  writeFileSync(hook, '#!/bin/sh\nyes "$1 is chatty"\n', { mode: 0o755 });
  const runner = new HookRunner(hook, log, 500);
  const cpu0 = process.cpuUsage();
  runner.run(['flood']);
  await waitFor('the flood hook to be killed', () => lines.some((l) => /flood ran longer/.test(l)), 5000);
  const cpu = process.cpuUsage(cpu0);
  // Reading 500 ms of `yes` at full speed costs hundreds of ms of CPU; the cap stops after 64 KB.
  assert.ok(cpu.user + cpu.system < 200_000, `daemon CPU while the hook flooded: ${(cpu.user + cpu.system) / 1000} ms`);
  rmSync(dir, { recursive: true, force: true });
});

test('hook: the queue is bounded; calls beyond it are dropped and counted', () => {
  const { lines, log } = setup();
  const runner = new HookRunner('/bin/true', log, 10_000);
  for (let i = 0; i < 1000; i++) runner.run(['lease', `10.0.0.${i & 255}`, '02:00:00:00:00:01']);
  // One is running, 256 wait.
  assert.equal(runner.droppedCount(), 1000 - 1 - 256);
  assert.equal(lines.filter((l) => /hook queue is full/.test(l)).length, 1, 'logged once');
});
