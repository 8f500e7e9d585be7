// UCI files as uci writes and reads them: quoting, lists, comments, anonymous
// and repeated sections, and the round trip of what the upgrade step writes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUciFile, renderUciFile } from '../../../src/gluon/uci-file';

test('quoting as uci reads it: single, double with escapes, bare, joined parts, comments', () => {
  const text = [
    "package ddhcpd",
    "# a comment",
    "config ddhcpd 'main'",
    "\toption a 'it'\\''s'",
    '\toption b "say \\"hi\\""',
    '\toption c bare\\ word # trailing comment',
    "\toption d 'x'\"y\"z",
    '\tlist l one',
    "\tlist l 'two'",
    "config dhcp_option",
    "\toption code 3",
    "config dhcp_option",
    "\toption code 6",
    "config ddhcpd main",
    "\toption e 5",
  ].join('\n');
  const v = parseUciFile('ddhcpd', text);
  assert.ok(v.ok, v.ok ? '' : v.error);
  const [main, o1, o2] = v.value.sections;
  assert.equal(v.value.sections.length, 3, 'a repeated named section continues it');
  assert.deepEqual(Object.fromEntries(main?.options ?? []), { a: "it's", b: 'say "hi"', c: 'bare word', d: 'xyz', l: ['one', 'two'], e: '5' });
  assert.deepEqual([o1?.anonymous, o1?.options.get('code'), o2?.options.get('code')], [true, '3', '6']);
});

test('render then parse gives the same values', () => {
  const v = parseUciFile('ddhcpd', "config ddhcpd 'main'\n\toption hook '/x/it'\\''s y'\n\tlist l 'a b'\n\tlist l 'c'\nconfig dhcp_option\n\toption code '26'\n");
  assert.ok(v.ok);
  const text = renderUciFile(v.value.sections, ['header']);
  assert.match(text, /^# header\n\nconfig ddhcpd 'main'\n\toption hook '\/x\/it'\\''s y'\n\tlist l 'a b'\n\tlist l 'c'\n\nconfig dhcp_option\n\toption code '26'\n$/);
  const back = parseUciFile('ddhcpd', text);
  assert.ok(back.ok);
  assert.deepEqual(back.value.sections.map((s) => [s.name, Object.fromEntries(s.options)]), v.value.sections.map((s) => [s.name, Object.fromEntries(s.options)]));
});

test('broken files: the line and what is wrong', () => {
  for (const [text, expected] of [
    ["config ddhcpd 'main\n", /:1: unterminated quote/],
    ["\toption a 1\n", /:1: 'option' before any 'config' line/],
    ["config ddhcpd main\n\tbogus a 1\n", /:2: unknown keyword 'bogus'/],
    ["config ddhcpd main\n\toption a\n", /:2: 'option' needs a name and a value/],
  ] as const) {
    const v = parseUciFile('ddhcpd', text);
    assert.ok(!v.ok);
    assert.match(v.error, expected);
  }
});
