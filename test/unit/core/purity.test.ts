// src/core stays pure: no node:* modules, no io/ubus/cli imports, no clock,
// randomness, timers or logging of its own (STYLE.md 2.1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CORE = join(__dirname, '../../../src/core');
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+'node:|require\(/, 'node modules'],
  [/from\s+'\.\.\/(io|ubus|cli|sim|present|config)\b/, 'shell layers'],
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b/, 'a clock'],
  [/\bMath\.random\b/, 'randomness'],
  [/\bset(Timeout|Interval|Immediate)\b/, 'timers'],
  [/\bconsole\./, 'logging'],
];

test('src/core imports nothing with side effects and reads no clock', () => {
  const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const f of files) {
    const text = readFileSync(join(CORE, f), 'utf8');
    for (const [re, what] of FORBIDDEN) assert.doesNotMatch(text, re, `${f} uses ${what}`);
  }
});
