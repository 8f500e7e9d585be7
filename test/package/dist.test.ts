// The release tarball of scripts/make-dist.sh, and the feed package that
// consumes it: contents, reproducible bytes and printed sha256, the native
// helpers compiled from the tarball alone (as the feed build does, with the
// host's compilers here), and openwrt/ddhcpd/Makefile installing files.list.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readTarGz } from './tar-reader';
import { makeTempDir, packageVersion, requireBuild, readFilesList, ROOT, runScript } from './package-support';

const NODE_INCLUDE = ['/usr/include/node', path.join(process.env['HOME'] ?? '/root', '.cache/node-gyp', process.versions.node, 'include/node')]
  .find((d) => existsSync(path.join(d, 'node_api.h')));
const FEED_MAKEFILE = readFileSync(path.join(ROOT, 'openwrt/ddhcpd/Makefile'), 'utf8');

function makeDist(out: string): { tarball: string; sha: string } {
  const r = runScript('make-dist.sh', ['--out', out, '--no-update']);
  assert.equal(r.status, 0, r.stderr);
  const [tarball, shaLine] = r.stdout.trim().split('\n');
  assert.ok(tarball !== undefined && existsSync(tarball), r.stdout);
  const sha = /^sha256 ([0-9a-f]{64})$/.exec(shaLine ?? '')?.[1];
  assert.ok(sha !== undefined, r.stdout);
  return { tarball, sha };
}

test('make-dist writes ddhcpd-<version>.tar.gz with bundles, files, native sources and headers', () => {
  requireBuild();
  const out = makeTempDir('dist');
  try {
    const { tarball, sha } = makeDist(out);
    const top = `ddhcpd-${packageVersion()}`;
    assert.equal(path.basename(tarball), `${top}.tar.gz`);
    const bytes = readFileSync(tarball);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sha, 'printed sha256 is the file hash');
    assert.equal(readFileSync(`${tarball}.sha256`, 'utf8'), `${sha}  ${top}.tar.gz\n`);
    const entries = readTarGz(bytes);
    const names = new Set(entries.filter((e) => e.type === 'file').map((e) => e.name));
    for (const f of [
      'dist/ddhcpd.js', 'dist/ddhcpdctl.js', 'native/Makefile', 'native/ddhcpd_native.c', 'native/netlink/binding.cc',
      'native/netlink/LICENSE', 'native/node-addon-api/napi.h', 'native/node-addon-api/napi-inl.h', 'native/node-addon-api/LICENSE.md',
      'openwrt/files.list', 'files/etc/init.d/ddhcpd', 'files/etc/config/ddhcpd', 'files/usr/sbin/ddhcpd', 'VERSION',
    ]) {
      assert.ok(names.has(`${top}/${f}`), `${f} in tarball`);
    }
    for (const l of readFilesList()) {
      if (!l.source.endsWith('.node')) assert.ok(names.has(`${top}/${l.source}`), `${l.source} (files.list) in tarball`);
    }
    assert.ok(![...names].some((n) => n.endsWith('.node')), 'no prebuilt host binaries in the source tarball');
    assert.ok(entries.every((e) => e.name.startsWith(`${top}/`) && e.uid === 0 && e.gid === 0));
    assert.equal(entries.find((e) => e.name === `${top}/files/etc/init.d/ddhcpd`)?.mode, 0o755);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('make-dist is byte-reproducible, so PKG_HASH holds for a given commit', () => {
  requireBuild();
  const a = makeTempDir('dist');
  const b = makeTempDir('dist');
  try {
    assert.equal(makeDist(a).sha, makeDist(b).sha);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('the tarball alone builds both native helpers, and node loads them', () => {
  requireBuild();
  if (NODE_INCLUDE === undefined) throw new Error('no node headers (node_api.h): run bash scripts/setup.sh (make test does)');
  const out = makeTempDir('dist');
  try {
    const { tarball } = makeDist(out);
    const unpack = spawnSync('tar', ['-C', out, '-xzf', tarball], { encoding: 'utf8' });
    assert.equal(unpack.status, 0, unpack.stderr);
    const native = path.join(out, `ddhcpd-${packageVersion()}`, 'native');
    const build = spawnSync('make', ['-C', native, `NODE_INCLUDE=${NODE_INCLUDE}`], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const load = spawnSync(process.execPath, ['-e', `
      const a = require(${JSON.stringify(path.join(native, 'ddhcpd_native.node'))});
      const b = require(${JSON.stringify(path.join(native, 'netlink.node'))});
      console.log(JSON.stringify([typeof a.bindToDevice, typeof b.NativeNetlink]));`], { encoding: 'utf8' });
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout.trim(), '["function","function"]');
    const ipk = runScript('make-ipk.sh', ['--out', out, '--native-dir', native]);
    assert.equal(ipk.status, 0, `make-ipk takes helpers built from the tarball: ${ipk.stderr}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the feed Makefile installs what files.list says, with the same modes', () => {
  const macroMode: Record<string, number> = { INSTALL_BIN: 0o755, INSTALL_DATA: 0o644, INSTALL_CONF: 0o600 };
  const installs = [...FEED_MAKEFILE.matchAll(/\$\((INSTALL_BIN|INSTALL_DATA|INSTALL_CONF)\) \$\(PKG_BUILD_DIR\)\/(\S+) \$\(1\)(\S+)/g)]
    .map((m) => ({ mode: macroMode[m[1] ?? ''] ?? -1, source: m[2] ?? '', destination: m[3] ?? '' }));
  const expected = readFilesList().map((l) => ({ ...l }));
  const byDest = (x: { destination: string }, y: { destination: string }): number => x.destination.localeCompare(y.destination);
  assert.deepEqual(installs.sort(byDest), expected.sort(byDest));
});

test('the feed Makefile: node dependency, conffile, tarball source, no npm', () => {
  assert.match(FEED_MAKEFILE, /^\s+DEPENDS:=\+node \+libstdcpp @HAS_FPU @\(i386\|\|x86_64\|\|arm\|\|aarch64\)$/m);
  assert.match(FEED_MAKEFILE, /define Package\/ddhcpd\/conffiles\n\/etc\/config\/ddhcpd\nendef/);
  assert.match(FEED_MAKEFILE, /^PKG_SOURCE:=\$\(PKG_NAME\)-\$\(PKG_VERSION\)\.tar\.gz$/m);
  assert.match(FEED_MAKEFILE, /^PKG_HASH:=(skip|[0-9a-f]{64})$/m);
  assert.match(FEED_MAKEFILE, /NODE_INCLUDE="\$\(STAGING_DIR\)\/usr\/include\/node"/);
  assert.match(FEED_MAKEFILE, /\$\(eval \$\(call BuildPackage,ddhcpd\)\)/);
  assert.doesNotMatch(FEED_MAKEFILE.replace(/^#.*$/gm, ''), /\bnpm\b/);
});
