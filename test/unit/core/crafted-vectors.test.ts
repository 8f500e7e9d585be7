// The crafted probes of test/vectors/ddhcp-vectors/crafted.json, decoded by the real
// codec and fed to a core set up like the probed C node (10.0.128.0/17, blocks
// of 4, owning block 8130): what the codec lets through, the core must judge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../../../src/core/node';
import type { Effect } from '../../../src/core/types';
import { decodeDdhcp } from '../../../src/wire/ddhcp';
import { advance, events, fixedRng, ip, makeCfg, OWNED_AT } from './fixtures';
import { DDHCP_VECTORS } from '../../vectors/dirs';

interface Crafted {
  readonly name: string;
  readonly hex: string;
  readonly expect: 'drop' | 'ignore entry' | 'no reply';
}

const DIR = DDHCP_VECTORS;
const vectors = JSON.parse(readFileSync(join(DIR, 'crafted.json'), 'utf8')) as Crafted[];
const OWNED = 8130;

function probedNode() {
  const core = createCore(makeCfg({ prefix: ip('10.0.128.0'), prefixLen: 17, blockSizePow: 2, spareLeases: 1 }), fixedRng(OWNED), 0);
  advance(core, OWNED_AT);
  assert.equal(core.view().blocks().find((b) => b.index === OWNED)?.state, 'ours');
  return core;
}

function sends(out: readonly Effect[]): Effect[] {
  return out.filter((e) => e.kind !== 'event');
}

for (const v of vectors) {
  test(`crafted ${v.name}: ${v.expect}`, () => {
    const decoded = decodeDdhcp(Buffer.from(v.hex, 'hex'));
    const core = probedNode();
    const before = JSON.stringify(core.view().blocks());
    if (!decoded.ok) {
      assert.equal(v.expect, 'drop', 'only drop vectors may fail to decode');
      return;
    }
    const out = core.handle({ kind: 'ddhcp', from: 'fe80::a01a:f3ff:fe12:9f62', msg: decoded.value }, 30_000);
    if (v.expect === 'drop') {
      assert.deepEqual(sends(out), []);
      assert.deepEqual(events(out), ['dropped:foreignMesh']);
      assert.equal(JSON.stringify(core.view().blocks()), before, 'kept its block, learnt nothing');
    } else if (v.expect === 'ignore entry') {
      assert.deepEqual(sends(out), []);
      assert.deepEqual(events(out), ['dropped:blockOutOfRange']);
      assert.equal(JSON.stringify(core.view().blocks()), before);
    } else {
      // Deliberate deviation: big-endian C hosts write this form, so we accept it
      // (10.0.255.9 in our block 8130, free) where the little-endian C node stayed silent.
      assert.equal(v.name, 'renewlease_address_not_byte_reversed');
      const replies = sends(out);
      assert.equal(replies.length, 1);
      assert.equal(replies[0]?.kind === 'unicast' && replies[0].msg.command, 17);
    }
  });
}
