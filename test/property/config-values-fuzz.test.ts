// Fuzzes the config value parsers (command line and UCI strings) with random
// and grammar-shaped text: they never throw, and every accepted value is in
// range and reads back the same from its canonical form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseBoolean, parseDuration, parseIntInRange, parseNetwork, parseOptionSpec } from '../../src/config/parse';
import { formatIpv4 } from '../../src/wire/bytes';
import { describeFuzz, fuzzParams } from './fuzz-support';

/** Text from the characters these grammars use, plus anything else now and then. */
const GRAMMAR_CHARS = '0123456789./:smhdx- 0123456789';
const shaped = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...GRAMMAR_CHARS), { maxLength: 40, size: 'max' }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 20 }) },
);
const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('256', '-1', '010', '', '1e2', ' 1'));
const cidr = fc
  .tuple(octet, octet, octet, octet, fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('', 'x', '08')))
  .map(([a, b, c, d, len]) => `${a}.${b}.${c}.${d}/${len}`);
const validCidr = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([ip, len]) => `${formatIpv4(len === 0 ? 0 : (ip & (0xffffffff << (32 - len))) >>> 0)}/${len}`);
const optionSpec = fc
  .tuple(fc.integer({ min: -1, max: 300 }), fc.integer({ min: -1, max: 300 }), fc.array(octet, { maxLength: 12 }))
  .map(([code, len, bytes]) => `${code}:${len}:${bytes.join('.')}`);
const exactOptionSpec = fc
  .tuple(fc.integer({ min: 1, max: 254 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 20 }))
  .map(([code, bytes]) => `${code}:${bytes.length}:${bytes.join('.')}`);

test('parseNetwork: accepted networks are /8 to /30 without host bits and read back equal', (t) => {
  t.diagnostic(describeFuzz());
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(shaped, cidr, validCidr), (text) => {
      const r = parseNetwork(text);
      if (!r.ok) return typeof r.error === 'string' && r.error.length > 0 && r.error.length < 400;
      accepted++;
      const { prefix, prefixLen } = r.value;
      assert.ok(prefixLen >= 8 && prefixLen <= 30);
      assert.equal((prefix & ~((0xffffffff << (32 - prefixLen)) >>> 0)) >>> 0, 0);
      assert.deepEqual(parseNetwork(`${formatIpv4(prefix)}/${prefixLen}`), r);
      return true;
    }),
    fuzzParams(),
  );
  assert.ok(accepted > 10_000, `only ${accepted} accepted`);
});

test('parseOptionSpec: accepted options have 1 to 255 bytes, code 1 to 254, and read back equal', (t) => {
  t.diagnostic(describeFuzz());
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(shaped, optionSpec, exactOptionSpec), (text) => {
      const r = parseOptionSpec(text);
      if (!r.ok) return typeof r.error === 'string' && r.error.length > 0 && r.error.length < 400;
      accepted++;
      const { code, payload } = r.value;
      assert.ok(code >= 1 && code <= 254 && payload.length >= 1 && payload.length <= 255);
      assert.deepEqual(parseOptionSpec(`${code}:${payload.length}:${[...payload].join('.')}`), r);
      return true;
    }),
    fuzzParams(),
  );
  assert.ok(accepted > 1000, `only ${accepted} accepted`);
});

test('parseDuration, parseIntInRange, parseBoolean: in range or a message', (t) => {
  t.diagnostic(describeFuzz());
  const bounds = fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2_000_000 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const numberish = fc.oneof(shaped, fc.nat({ max: 3_000_000 }).map(String), fc.tuple(fc.nat({ max: 5000 }), fc.constantFrom('', 's', 'm', 'h', 'd', 'w', 'S')).map(([n, u]) => `${n}${u}`));
  let accepted = 0;
  fc.assert(
    fc.property(numberish, bounds, (text, [min, max]) => {
      const d = parseDuration(text, min, max);
      if (d.ok) {
        accepted++;
        assert.ok(Number.isInteger(d.value) && d.value >= min && d.value <= max);
      } else assert.ok(d.error.length > 0 && d.error.length < 400);
      const n = parseIntInRange(text, min, max);
      if (n.ok) {
        assert.ok(n.value >= min && n.value <= max);
        assert.equal(String(n.value), text, 'only the canonical decimal form is accepted');
      } else assert.ok(n.error.length > 0 && n.error.length < 400);
      const b = parseBoolean(text);
      if (b.ok) assert.ok(['1', 'yes', 'on', 'true', 'enabled', '0', 'no', 'off', 'false', 'disabled'].includes(text));
      return true;
    }),
    fuzzParams(),
  );
  assert.ok(accepted > 1000, `only ${accepted} accepted`);
});

test('parsers bound their work on very long input', () => {
  const long = '1'.repeat(1 << 20);
  for (const text of [long, `${long}/24`, `1:1:${long}`, `${'1.'.repeat(1 << 18)}1`]) {
    const started = process.hrtime.bigint();
    for (const r of [parseNetwork(text), parseOptionSpec(text), parseDuration(text, 0, 10), parseIntInRange(text, 0, 10), parseBoolean(text)]) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.error.length < 400, 'error messages clip the input');
    }
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
  }
});
