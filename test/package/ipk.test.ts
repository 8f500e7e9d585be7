// The .ipk that scripts/make-ipk.sh builds, read back: the outer gzipped tar and
// its three members, the control fields, conffiles and maintainer scripts, and
// every installed path with its mode and owner (openwrt/files.list).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { findEntry, parseControl, readTarGz, type TarEntry } from './tar-reader';
import { buildIpk, feedRelease, makeTempDir, requireBuild, packageVersion, readFilesList, ROOT, runScript } from './package-support';


function readIpk(ipk: string): { outer: TarEntry[]; control: TarEntry[]; data: TarEntry[] } {
  const bytes = readFileSync(ipk);
  const outer = readTarGz(bytes);
  return {
    outer,
    control: readTarGz(findEntry(outer, './control.tar.gz').data),
    data: readTarGz(findEntry(outer, './data.tar.gz').data),
  };
}

test('make-ipk builds a gzipped tar (not ar) with debian-binary, data and control', () => {
  requireBuild();
  const out = makeTempDir('ipk');
  try {
    const ipk = buildIpk(out);
    assert.equal(path.basename(ipk), `ddhcpd_${packageVersion()}-r${feedRelease()}_x86_64.ipk`);
    const bytes = readFileSync(ipk);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'outer file is gzip');
    assert.notEqual(bytes.subarray(0, 7).toString('latin1'), '!<arch>');
    const { outer } = readIpk(ipk);
    assert.deepEqual(outer.map((e) => e.name), ['./debian-binary', './data.tar.gz', './control.tar.gz']);
    assert.equal(findEntry(outer, './debian-binary').data.toString(), '2.0\n');
    for (const e of outer) assert.deepEqual([e.uid, e.gid, e.type], [0, 0, 'file'], e.name);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('control.tar.gz has the control fields, conffiles and the standard postinst/prerm', () => {
  requireBuild();
  const out = makeTempDir('ipk');
  try {
    const { control, data, outer } = readIpk(buildIpk(out));
    assert.deepEqual(control.filter((e) => e.type === 'file').map((e) => e.name).sort(), ['./conffiles', './control', './postinst', './prerm']);
    const fields = parseControl(findEntry(control, './control').data.toString());
    assert.equal(fields.get('Package'), 'ddhcpd');
    assert.equal(fields.get('Version'), `${packageVersion()}-r${feedRelease()}`);
    assert.deepEqual(fields.get('Depends')?.split(/,\s*/), ['libc', 'node', 'libstdcpp6']);
    assert.equal(fields.get('Section'), 'net');
    assert.equal(fields.get('Architecture'), 'x86_64');
    assert.equal(fields.get('License'), 'GPL-3.0-or-later');
    assert.match(fields.get('Source') ?? '', /ddhcpd/);
    assert.match(fields.get('Description') ?? '', /mesh/);
    assert.ok(data.length > 0);
    const dataTar = gunzipSync(findEntry(outer, './data.tar.gz').data);
    assert.equal(fields.get('Installed-Size'), String(dataTar.length), 'Installed-Size is the uncompressed data.tar size, as ipkg-build computes it');

    assert.equal(findEntry(control, './conffiles').data.toString(), '/etc/config/ddhcpd\n');
    const postinst = findEntry(control, './postinst');
    const prerm = findEntry(control, './prerm');
    assert.equal(postinst.mode, 0o755);
    assert.equal(prerm.mode, 0o755);
    assert.match(postinst.data.toString(), /^#!\/bin\/sh\n/);
    assert.match(postinst.data.toString(), /\. \$\{IPKG_INSTROOT\}\/lib\/functions\.sh\ndefault_postinst \$0 \$@\n$/);
    assert.match(prerm.data.toString(), /\. \$\{IPKG_INSTROOT\}\/lib\/functions\.sh\ndefault_prerm \$0 \$@\n$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('data.tar.gz installs exactly files.list, root-owned, with its modes and contents', () => {
  requireBuild();
  const out = makeTempDir('ipk');
  try {
    const { data } = readIpk(buildIpk(out));
    const layout = readFilesList();
    const files = data.filter((e) => e.type === 'file');
    assert.deepEqual(files.map((e) => e.name).sort(), layout.map((l) => `.${l.destination}`).sort());
    for (const l of layout) {
      const e = findEntry(data, `.${l.destination}`);
      assert.equal(e.mode.toString(8), l.mode.toString(8), `${l.destination} mode`);
      const source = l.source.startsWith('native/') ? path.join('dist', l.source.slice('native/'.length)) : l.source;
      assert.ok(e.data.equals(readFileSync(path.join(ROOT, source))), `${l.destination} has the bytes of ${source}`);
    }
    for (const exe of ['./etc/init.d/ddhcpd', './usr/sbin/ddhcpd', './usr/sbin/ddhcpdctl', './etc/uci-defaults/50-ddhcpd-firewall']) {
      assert.equal(findEntry(data, exe).mode & 0o111, 0o111, `${exe} is executable`);
    }
    for (const e of data) {
      assert.deepEqual([e.uid, e.gid], [0, 0], `${e.name} owned by root`);
      assert.ok(e.name === './' || e.name.startsWith('./'), `${e.name} is relative to ./`);
      if (e.type === 'dir') assert.equal(e.mode, 0o755, `${e.name} dir mode`);
    }
    assert.ok(data.some((e) => e.name === './usr/lib/ddhcpd/' && e.type === 'dir'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the same inputs give the same ipk bytes', () => {
  requireBuild();
  const a = makeTempDir('ipk');
  const b = makeTempDir('ipk');
  try {
    assert.ok(readFileSync(buildIpk(a)).equals(readFileSync(buildIpk(b))));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('make-ipk refuses an ARCH its native helpers were not built for', () => {
  requireBuild();
  const out = makeTempDir('ipk');
  try {
    const arm = runScript('make-ipk.sh', ['--out', out, '--arch', 'aarch64_cortex-a53']);
    assert.equal(arm.status, 1);
    assert.match(arm.stderr, /ELF machine 62, not for aarch64_cortex-a53 \(183\)/);
    assert.match(arm.stderr, /--native-dir/);
    const mips = runScript('make-ipk.sh', ['--out', out, '--arch', 'mips_24kc']);
    assert.equal(mips.status, 1);
    assert.match(mips.stderr, /no Node\.js for 'mips_24kc'/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
