import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { buildBlockTable, formatBlockTable, formatBlockTableJson, parseBlockTable, renderBlockTable } from '../../../src/ctl/block-table';
import { block, fakeView, labBlocksNode1, labConfig, readVector } from './fixtures';

const NODE_COUNT = "tail -n+10 | sed -e 's/\\t\\+/ /g' | cut -d ' ' -f 3 | sort -u | wc -l";

function countNodes(text: string): number {
  return Number(execFileSync('bash', ['-c', NODE_COUNT], { input: text }).toString().trim());
}

test('-b of the lab view is byte-identical to the C daemon (b.json)', () => {
  const view = fakeView(labConfig(), labBlocksNode1());
  assert.equal(formatBlockTable(view, 0), readVector('b.json').reply_text);
});

test('rows whose timeout has passed are not listed; our own blocks always are', () => {
  const view = fakeView(labConfig(), [
    block(1, 'claimed', 'aaaaaaaaaaaaaaaa', 1000),
    block(2, 'tentative', 'bbbbbbbbbbbbbbbb', 5000),
    block(3, 'ours', undefined, undefined, { claimCount: 3, leases: { free: 4, offered: 0, leased: 0 } }),
  ]);
  const t = buildBlockTable(view, 1000);
  assert.deepEqual(t.blocks.map((b) => [b.index, b.timeoutSec, b.owner]), [[2, 4, 'bbbbbbbbbbbbbbbb'], [3, 0, '0000000000000000']]);
  assert.match(formatBlockTable(view, 1000), /\nblocks in use: 2\n$/);
});

test('node ids are upper-case hex in the text, lower-case in JSON; -S prints spare leases 0', () => {
  const cfg = labConfig({ nodeId: '0123456789abcdef', dhcpEnabled: false });
  const view = fakeView(cfg, [block(7, 'ours', '0123456789abcdef', 9000, { claimCount: 3, leases: { free: 2, offered: 1, leased: 1 } })]);
  const text = formatBlockTable(view, 0);
  assert.match(text, /\nnode id\t0123456789ABCDEF\n/);
  assert.match(text, /\n7\t4\t0123456789ABCDEF\t3\t1\/1\t9\n/);
  assert.match(text, /\n {6}spare leases needed\t0\n/);
  const json = JSON.parse(formatBlockTableJson(view, 0)) as { nodeId: string; blocks: { state: string }[] };
  assert.equal(json.nodeId, '0123456789abcdef');
  assert.equal(json.blocks[0]?.state, 'ours');
});

test('header and footer lines keep C quirks: trailing spaces, 6-space indents, three tabs after owner', () => {
  const lines = formatBlockTable(fakeView(), 0).split('\n');
  assert.equal(lines[0], 'block size/number\t4/8192 ');
  assert.equal(lines[5], '      network: 10.0.128.0/17 ');
  assert.equal(lines[8], 'index\tstate\towner\t\t\tclaim\tleases\ttimeout');
  assert.deepEqual(lines.slice(9), ['', 'blocks in use: 0', '']);
});

test('parse(render(t)) == t, and every C -b reply parses and renders back byte for byte', () => {
  const t = buildBlockTable(fakeView(labConfig({ nodeId: 'fedcba9876543210' }), labBlocksNode1({ self: 'fedcba9876543210', peer: '00000000000000aa' })), 0);
  assert.deepEqual(parseBlockTable(renderBlockTable(t)), { ok: true, value: t });
  for (const file of ['b.json', 'b_node2.json', 'b_first_block_timeout.json', 'malformed/block_show_split_writes.json']) {
    const text = readVector(file).reply_text ?? '';
    const parsed = parseBlockTable(text);
    assert.ok(parsed.ok, `${file}: ${parsed.ok ? '' : parsed.error}`);
    assert.equal(renderBlockTable(parsed.value), text, file);
  }
  const learning = parseBlockTable(readVector('b_first_block_timeout.json').reply_text ?? '');
  assert.equal(learning.ok && learning.value.blocks.length, 8192);
});

test('parser refuses text that is not the layout', () => {
  const good = formatBlockTable(fakeView(labConfig(), labBlocksNode1()), 0);
  assert.equal(parseBlockTable(good.replace('blocks in use: 3', 'blocks in use: 4')).ok, false);
  assert.equal(parseBlockTable(good.replace('\t4\t', '\t9\t')).ok, false);
  assert.equal(parseBlockTable(good.slice(0, -1)).ok, false);
  assert.equal(parseBlockTable('').ok, false);
  assert.equal(parseBlockTable('ERROR: unknown command 8\n').ok, false);
});

test('the node-count one-liner gives distinct owners + 2 on our text, as on C text', () => {
  assert.equal(countNodes(readVector('b.json').reply_text ?? ''), 3);
  const a = 'a1a1a1a1a1a1a1a1', b = 'b2b2b2b2b2b2b2b2', c = 'c3c3c3c3c3c3c3c3';
  const view = fakeView(labConfig({ nodeId: a }), [
    block(10, 'ours', a, 50_000, { claimCount: 3, leases: { free: 4, offered: 0, leased: 0 } }),
    block(11, 'ours', a, 50_000, { claimCount: 3, leases: { free: 3, offered: 0, leased: 1 } }),
    block(20, 'claimed', b, 40_000),
    block(30, 'claimed', c, 30_000),
    block(31, 'claimed', c, 30_000),
  ]);
  assert.equal(countNodes(formatBlockTable(view, 0)), 3 + 2);
  assert.equal(countNodes(formatBlockTable(fakeView(), 0)), 2);
});
