// The package's data.tar.gz unpacked into a temporary root: the wrappers in
// usr/sbin start node on the bundle in usr/lib/ddhcpd of that root (not the
// repository's dist/), under dash and under busybox ash as on OpenWrt, and node
// accepts every flag they pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { findEntry, readTarGz } from './tar-reader';
import { buildIpk, makeTempDir, requireBuild, requireCommand } from './package-support';


function unpackIpk(ipk: string, root: string): void {
  const dataTarGz = findEntry(readTarGz(readFileSync(ipk)), './data.tar.gz').data;
  const file = path.join(root, '..', 'data.tar.gz');
  writeFileSync(file, dataTarGz);
  const r = spawnSync('tar', ['-C', root, '-xzpf', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function runIn(root: string, shell: readonly string[], program: string, args: readonly string[]) {
  // cwd `/` and a PATH without the repository: only the unpacked root can serve.
  return spawnSync(shell[0] ?? 'sh', [...shell.slice(1), path.join(root, program), ...args], {
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeout: 30_000,
  });
}

test('the installed wrappers start ddhcpd and ddhcpdctl with -h', () => {
  requireBuild();
  const work = makeTempDir('root');
  const root = path.join(work, 'root');
  try {
    spawnSync('mkdir', ['-p', root]);
    unpackIpk(buildIpk(work), root);
    requireCommand('busybox');
    const shells: string[][] = [['sh'], ['busybox', 'ash']];
    for (const shell of shells) {
      for (const program of ['usr/sbin/ddhcpd', 'usr/sbin/ddhcpdctl']) {
        const r = runIn(root, shell, program, ['-h']);
        assert.equal(r.status, 0, `${shell.join(' ')} ${program} -h: ${r.stderr}`);
        assert.match(r.stdout + r.stderr, /usage/i, `${program} printed its usage`);
        assert.doesNotMatch(r.stderr, /warning|bad option|not allowed/i, `node accepted the wrapper's flags: ${r.stderr}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the wrapper runs the bundle of its own root', () => {
  requireBuild();
  const work = makeTempDir('root');
  const root = path.join(work, 'root');
  try {
    spawnSync('mkdir', ['-p', root]);
    unpackIpk(buildIpk(work), root);
    const bundle = path.join(root, 'usr/lib/ddhcpd/ddhcpd.js');
    renameSync(bundle, `${bundle}.away`);
    const r = runIn(root, ['sh'], 'usr/sbin/ddhcpd', ['-h']);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.includes(`Cannot find module '${bundle}'`), r.stderr);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
