// Appends one run to bench/RESULTS.md: date, commit, machine, exact commands,
// the figures, and what changed in src/ since the commit of the previous run.
// Never rewrites what is there.

import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import path from 'node:path';

export const RESULTS = path.join(__dirname, 'RESULTS.md');

function git(args: readonly string[]): string {
  try {
    return execFileSync('git', ['-C', path.join(__dirname, '..'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeCommit(): string {
  const sha = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--', 'src', 'bench', 'scripts', 'Makefile']) !== '';
  return dirty ? `${sha} + uncommitted changes in src/bench` : sha;
}

export function describeMachine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} CPUs (nproc), ${model}, Linux ${release()}, node ${process.version}`;
}

export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** The commit named in the last "## " heading of RESULTS.md, if any. */
export function previousCommit(): string | undefined {
  if (!existsSync(RESULTS)) return undefined;
  const all = [...readFileSync(RESULTS, 'utf8').matchAll(/^## .*commit ([0-9a-f]{7,40})/gm)];
  return all[all.length - 1]?.[1];
}

export function changesSince(prev: string | undefined): string[] {
  if (prev === undefined) return ['first recorded run'];
  const log = git(['log', '--oneline', '--no-decorate', `${prev}..HEAD`, '--', 'src', 'bench', 'files/usr/sbin/ddhcpd']);
  if (log === '') return [`no commits to src/, bench/ or the wrapper since ${prev}`];
  const lines = log.split('\n');
  return [`${lines.length} commits to src/, bench/ or the wrapper since ${prev}:`, ...lines.slice(0, 12).map((l) => `  ${l}`), ...(lines.length > 12 ? ['  ...'] : [])];
}

export function appendResults(section: string): void {
  const header = existsSync(RESULTS) ? '' : '# Benchmark results\n\nAppended by `make bench` (bench/run.sh); newest last. Never edit old entries.\n';
  appendFileSync(RESULTS, `${header}\n${section.trimEnd()}\n`);
}
