// A user's clone has only this repository: no code, test or script may read a
// path outside it (the recorded vectors live in test/vectors/), and no path of
// one particular machine may appear in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Code and build files: what runs. Prose (Markdown) may mention where a recording came from. */
const CODE = /\.(ts|mjs|js|sh|c|mk|py)$|(^|\/)(Makefile|run)$|^files\/|^\.ci\//;
const OUTSIDE = [/\.\.\/shared\b/, /\/work\//, /\.\.\/\.\.\/\.\.\/\.\.\//];

test('no tracked code, test or script names a path outside the repository', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && CODE.test(f) && !f.startsWith('test/vectors/') && f !== 'test/unit/portable.test.ts');
  assert.ok(files.length > 100, `only ${files.length} files listed: git ls-files did not see the tree`);
  const hits: string[] = [];
  for (const f of files) {
    const lines = readFileSync(path.join(ROOT, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.some((re) => re.test(line))) hits.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});
