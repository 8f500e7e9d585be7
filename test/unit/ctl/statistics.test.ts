import { test } from 'node:test';
import assert from 'node:assert/strict';
import { C_COUNTERS, EXTRA_COUNTERS, Statistics, type CounterName } from '../../../src/driver/stats';
import { formatStatistics, formatStatisticsJson, parseStatistics } from '../../../src/ctl/statistics';
import { fakeView, labBlocksNode1, labConfig, readVector } from './fixtures';

function statsFrom(text: string): Statistics {
  const s = new Statistics();
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if ((C_COUNTERS as readonly string[]).includes(name ?? '')) s.add(name as CounterName, Number(value));
  }
  return s;
}

test('-s is C text without the per-block lines, then our counters (s.json)', () => {
  const c = readVector('s.json').reply_text ?? '';
  const view = fakeView(labConfig(), labBlocksNode1());
  const ours = formatStatistics(statsFrom(c), view);
  const cWithoutBlocks = c.split('\n').filter((l) => !l.startsWith('block.')).join('\n');
  assert.ok(ours.startsWith(cWithoutBlocks), 'C counters and block sums come first, in C order and C format');
  assert.equal(ours.split('\n').filter((l) => l.startsWith('block.')).length, 0);
  const names = ours.trimEnd().split('\n').map((l) => l.split(' ')[0]);
  for (const extra of EXTRA_COUNTERS) assert.ok(names.includes(extra), extra);
  assert.ok(ours.split('\n').length < 60, 'no line per block');
});

test('block sums: free counts every block not busy, tentative includes claiming, claimed includes ours', () => {
  const view = fakeView(labConfig(), [
    ...labBlocksNode1(),
    { index: 1, state: 'tentative', owner: undefined, ownerAddress: undefined, claimCount: 0, timeoutAt: 1, leases: undefined },
    { index: 2, state: 'claiming', owner: undefined, ownerAddress: undefined, claimCount: 1, timeoutAt: 1, leases: undefined },
  ]);
  const stats = new Statistics();
  stats.addDrop('ctl', 'unknownCommand');
  const parsed = parseStatistics(formatStatistics(stats, view));
  assert.ok(parsed.ok);
  const m = new Map(parsed.value);
  assert.equal(m.get('ddhcp.blocks.free'), 8192 - 5);
  assert.equal(m.get('ddhcp.blocks.tentative'), 2);
  assert.equal(m.get('ddhcp.blocks.claimed'), 3);
  assert.equal(m.get('ddhcp.leases.offered'), 1);
  assert.equal(m.get('drop.ctl.unknownCommand'), 1);
});

test('C statistics text (with block lines) parses; JSON keeps names and order', () => {
  for (const file of ['s.json', 'S.json', 's_after_reset.json']) {
    const parsed = parseStatistics(readVector(file).reply_text ?? '');
    assert.ok(parsed.ok, file);
    assert.deepEqual(parsed.value.slice(0, C_COUNTERS.length).map(([n]) => n), [...C_COUNTERS]);
  }
  const json = JSON.parse(formatStatisticsJson(new Statistics(), fakeView())) as Record<string, number>;
  assert.deepEqual(Object.keys(json).slice(0, 3), ['mcast.recv_pkg', 'mcast.send_pkg', 'mcast.recv_byte']);
  assert.equal(json['ddhcp.blocks.free'], 8192);
});

test('parser refuses lines that are not "name value" and duplicate names', () => {
  assert.equal(parseStatistics('a 1\nb x\n').ok, false);
  assert.equal(parseStatistics('a 1\na 2\n').ok, false);
  assert.equal(parseStatistics('a 1').ok, false);
  assert.deepEqual(parseStatistics('a.b -3\n'), { ok: true, value: [['a.b', -3]] });
});
