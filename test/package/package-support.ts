// Shared steps of the package tests: where the repository is, whether `make
// build` has produced dist/, building the ipk and dist tarball into a temporary
// directory, and reading openwrt/files.list.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findEntry, readTarGz } from './tar-reader';

export const ROOT = path.resolve(__dirname, '..', '..');

/** What is missing from dist/ for the package tests, or undefined when it is complete. */
export function missingBuild(): string | undefined {
  for (const f of ['dist/ddhcpd.js', 'dist/ddhcpdctl.js', 'dist/ddhcpd-gluon.js', 'dist/ddhcpd_native.node', 'dist/netlink.node']) {
    if (!existsSync(path.join(ROOT, f))) return `${f} is missing: run make build (make test does) before the package tests`;
  }
  return undefined;
}

/**
 * Fails the calling test when dist/ is incomplete. `make test` builds first, so a
 * missing file means the run skipped a step: that is a failure, never a skip.
 */
export function requireBuild(): void {
  const missing = missingBuild();
  if (missing !== undefined) throw new Error(missing);
}

/** Fails the calling test when a tool scripts/setup.sh installs is absent. */
export function requireCommand(name: string, debianPackage: string = name): void {
  if (!hasCommand(name)) throw new Error(`${name} is not installed: run bash scripts/setup.sh (make test does) or apt-get install ${debianPackage}`);
}

export function makeTempDir(tag: string): string {
  return mkdtempSync(path.join(tmpdir(), `ddhcpd-${tag}-`));
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one of scripts/*.sh with a fixed SOURCE_DATE_EPOCH so outputs are comparable. */
export function runScript(script: string, args: readonly string[]): ScriptRun {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds the ipk for the host into `outDir` and returns its path. */
export function buildIpk(outDir: string, extra: readonly string[] = []): string {
  const r = runScript('make-ipk.sh', ['--out', outDir, ...extra]);
  if (r.status !== 0) throw new Error(`make-ipk.sh failed (${r.status}): ${r.stderr}`);
  const ipk = r.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(ipk)) throw new Error(`make-ipk.sh printed ${ipk}, which does not exist`);
  return ipk;
}

export interface LayoutEntry {
  readonly mode: number;
  readonly source: string;
  readonly destination: string;
}

export function readFilesList(): LayoutEntry[] {
  return readFileSync(path.join(ROOT, 'openwrt/files.list'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [mode, source, destination] = l.trim().split(/\s+/) as [string, string, string];
      return { mode: parseInt(mode, 8), source, destination };
    });
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function feedRelease(): string {
  const m = /^PKG_RELEASE:=(\S+)$/m.exec(readFileSync(path.join(ROOT, 'openwrt/ddhcpd/Makefile'), 'utf8'));
  if (m?.[1] === undefined) throw new Error('no PKG_RELEASE in openwrt/ddhcpd/Makefile');
  return m[1];
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let packageData: Buffer | undefined;

/**
 * The ipk's data.tar.gz unpacked into `<work>/root`, as opkg would install it on
 * a node; returns that root. The ipk is built once per test file.
 */
export function installPackageRoot(work: string): string {
  if (packageData === undefined) {
    const ipk = readFileSync(buildIpk(work));
    packageData = findEntry(readTarGz(ipk), './data.tar.gz').data;
  }
  const root = path.join(work, 'root');
  mkdirSync(root, { recursive: true });
  const tarball = path.join(work, 'data.tar.gz');
  writeFileSync(tarball, packageData);
  const r = spawnSync('tar', ['-C', root, '-xzpf', tarball], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return root;
}
