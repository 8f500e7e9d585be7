import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOptionStore, formatOptionStoreJson, parseOptionStore, renderOptionStore } from '../../../src/ctl/option-store';
import { fakeView, labConfig, readVector } from './fixtures';

const u8 = (...b: number[]): Uint8Array => Uint8Array.from(b);

test('-d of the lab store is byte-identical to the C daemon (d.json)', () => {
  assert.equal(formatOptionStore(fakeView()), readVector('d.json').reply_text);
});

test('lease time comes from option 51 and is 0 without it; DHCP Disabled follows dhcpEnabled', () => {
  const view = fakeView(labConfig({ dhcpEnabled: false }));
  view.optionList = view.optionList.filter((o) => o.code !== 51);
  assert.match(formatOptionStore(view), /^DHCP Lease Time: 0\n\nDHCP Disabled: 1\n/);
  view.optionList.push({ code: 51, payload: u8(0xff, 0xff, 0xff, 0xff) });
  assert.match(formatOptionStore(view), /^DHCP Lease Time: 4294967295\n/);
  view.optionList[view.optionList.length - 1] = { code: 51, payload: u8(1, 2) };
  assert.match(formatOptionStore(view), /^DHCP Lease Time: 0\n/);
});

test('C stores (defaults, -S, without 51, len 0) render back byte for byte from their parse', () => {
  const files = ['d.json', 'd_after_o.json', 'd_after_r.json', 'd_after_l.json', 'd_after_readd.json', 'd_without_51.json',
    'd_defaults_no_o.json', 'd_dhcp_disabled.json', 'malformed/d_after_len0.json', 'nonstats/d.json'];
  for (const file of files) {
    const text = readVector(file).reply_text ?? '';
    const parsed = parseOptionStore(text);
    assert.ok(parsed.ok, `${file}: ${parsed.ok ? '' : parsed.error}`);
    assert.equal(renderOptionStore(parsed.value), text, file);
  }
  const len0 = parseOptionStore(readVector('malformed/d_after_len0.json').reply_text ?? '');
  assert.deepEqual(len0.ok && len0.value.options.at(-1), { code: 3, len: 0, payload: [] });
});

test('JSON carries the same data', () => {
  const json = JSON.parse(formatOptionStoreJson(fakeView())) as unknown;
  const parsed = parseOptionStore(readVector('d.json').reply_text ?? '');
  assert.ok(parsed.ok);
  assert.deepEqual(json, parsed.value);
  assert.deepEqual(parsed.value.options[0], { code: 51, len: 4, payload: [0, 0, 0, 60] });
});

test('parser refuses a wrong len, a missing header or a missing final newline', () => {
  const good = formatOptionStore(fakeView());
  assert.equal(parseOptionStore(good.replace('51\t4\t', '51\t5\t')).ok, false);
  assert.equal(parseOptionStore(good.replace('DHCP Option Store', 'Options')).ok, false);
  assert.equal(parseOptionStore(good.slice(0, -1)).ok, false);
});
