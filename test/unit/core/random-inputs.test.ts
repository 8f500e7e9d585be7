// Property test: any interleaving of DHCP, DDHCP, command, link and timer
// inputs keeps the core's invariants, and handle() never throws.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCore } from '../../../src/core/node';
import { swapBytes32 } from '../../../src/wire/bytes';
import type { Core, Input } from '../../../src/core/types';
import type { DhcpSpec } from './fixtures';
import { BIG_ID, dhcp, inquire, ip, leaseMsg, mac, makeCfg, SERVER_ID, seededRng, SMALL_ID, u32, updateClaim } from './fixtures';

const SEED = Number(process.env.FC_SEED ?? 20240611);
const RUNS = Number(process.env.FC_RUNS ?? 2000);

const addr = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((x) => (ip('10.0.0.0') + x) >>> 0),
  fc.constantFrom(ip('192.168.1.1'), 0),
);
const id = fc.constantFrom(SMALL_ID, BIG_ID, makeCfg().nodeId);

const input: fc.Arbitrary<Input> = fc.oneof(
  fc.constant<Input>({ kind: 'timer' }),
  fc.record({
    type: fc.constantFrom(1, 3, 4, 7, 8, 99),
    client: fc.integer({ min: 1, max: 6 }),
    xid: fc.integer({ min: 0, max: 3 }),
    requested: fc.option(addr, { nil: undefined }),
    ciaddr: fc.option(addr, { nil: undefined }),
    serverId: fc.option(fc.constantFrom(SERVER_ID, ip('10.0.0.99')), { nil: undefined }),
    giaddr: fc.option(fc.constant(ip('10.0.0.2')), { nil: undefined }),
  }).map((spec): Input => {
    const clean = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as DhcpSpec;
    return { kind: 'dhcp', msg: dhcp(clean) };
  }),
  fc.tuple(id, fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }), fc.integer({ min: 0, max: 120 }), fc.boolean()).map(
    ([who, blocks, timeout, claim]): Input => ({ kind: 'ddhcp', from: 'fe80::7', msg: claim ? updateClaim(who, blocks, timeout) : inquire(who, blocks) }),
  ),
  fc.tuple(fc.constantFrom(16, 17, 18, 19) as fc.Arbitrary<16 | 17 | 18 | 19>, addr, fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 6 })).map(
    ([cmd, a, swap, xid, client]): Input => ({
      kind: 'ddhcp',
      from: 'fe80::7',
      msg: leaseMsg(cmd, { addressRaw: swap ? swapBytes32(a) : a, xid, chaddr: mac(client) }),
    }),
  ),
  fc.oneof(
    addr.map((r): Input => ({ kind: 'command', cmd: { kind: 'setOption', option: { code: 3, payload: u32(r) } } })),
    fc.constant<Input>({ kind: 'command', cmd: { kind: 'removeOption', code: 3 } }),
    fc.option(addr, { nil: undefined }).map((a): Input => ({ kind: 'link', clientAddress: a })),
  ),
);

function checkInvariants(core: Core, now: number): void {
  const v = core.view();
  const blocks = v.blocks();
  const ours = new Set(blocks.filter((b) => b.state === 'ours').map((b) => b.index));
  for (const b of blocks) assert.ok(b.index >= 0 && b.index < 32, `block ${b.index} in range`);
  const byIp = new Set<number>();
  const activeByMac = new Map<string, number>();
  const reserved = new Set([ip('10.0.0.0'), ip('10.0.0.255'), SERVER_ID]);
  for (const l of v.leases()) {
    assert.ok(!byIp.has(l.ip), 'one lease per address');
    byIp.add(l.ip);
    assert.ok(ours.has(l.blockIndex), 'leases only in our blocks');
    assert.equal(Math.floor((l.ip - ip('10.0.0.0')) / 8), l.blockIndex);
    assert.ok(l.expiresAt > now, 'expired leases are gone');
    if (l.state !== 'declined') {
      assert.ok(!activeByMac.has(l.mac), `one active lease per MAC (${l.mac})`);
      activeByMac.set(l.mac, l.ip);
      assert.ok(!reserved.has(l.ip), `reserved ${l.ip} never handed out`);
    }
  }
  const c = v.counts();
  assert.equal(c.blocksOurs, ours.size);
  assert.ok(c.leasesFree + c.leasesOffered + c.leasesLeased <= ours.size * 8);
  const next = core.nextDeadline();
  assert.ok(next === undefined || next > now, `deadline ${next} after ${now}`);
}

test(`random input interleavings keep core invariants (seed ${SEED}, ${RUNS} runs)`, () => {
  console.log(`fast-check seed ${SEED}`);
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), input), { maxLength: 60 }), (learning, steps) => {
      const core = createCore(makeCfg({ learning, spareLeases: 10 }), seededRng(3), 0);
      let now = 0;
      for (const [dt, inp] of steps) {
        now += dt;
        core.handle(inp, now);
        checkInvariants(core, now);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
