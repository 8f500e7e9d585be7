// One version (issue 16): package.json's. The daemon's --version prints it, and
// the OpenWrt package, which must write it literally, carries the same.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseArgs } from '../../src/cli/args';
import { VERSION } from '../../src/cli/version';

const ROOT = path.resolve(__dirname, '..', '..');
const packageVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('src/cli/version.ts is package.json\'s version', () => {
  assert.match(packageVersion, /^\d+\.\d+\.\d+/);
  assert.equal(VERSION, packageVersion);
});

test('openwrt/ddhcpd/Makefile\'s PKG_VERSION is package.json\'s version', () => {
  const makefile = readFileSync(path.join(ROOT, 'openwrt', 'ddhcpd', 'Makefile'), 'utf8');
  const lines = makefile.split('\n').filter((l) => l.startsWith('PKG_VERSION:='));
  assert.deepEqual(lines, [`PKG_VERSION:=${packageVersion}`]);
});

test('ddhcpd --version prints package.json\'s version', () => {
  for (const flag of ['-V', '--version']) {
    const r = parseArgs([flag]);
    assert.ok(r.ok && r.value.kind === 'exit', flag);
    assert.deepEqual(r.value, { kind: 'exit', code: 0, output: `ddhcpd ${packageVersion}\n` });
  }
});
