// The interface watcher against a scripted link source: what it reports, that it
// reports only changes, and that a failed re-read is retried even when no
// further kernel event comes (and an event cuts a pending backoff short).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveState, formatIpv6, watchInterfaces, type AddressRow, type InterfaceState, type LinkRow, type LinkSource } from '../../../src/io/netlink';

const FAST = { debounceMs: 5, retryFirstMs: 200, retryMaxMs: 10_000 };
const LL = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
const GLOBAL6 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

class FakeSource implements LinkSource {
  links: LinkRow[] = [];
  addresses: AddressRow[] = [];
  failNext = 0;
  dumps = 0;
  closed = false;
  private onEvent: () => void = () => {};

  subscribe(onEvent: () => void): void {
    this.onEvent = onEvent;
  }

  dump(): Promise<{ links: LinkRow[]; addresses: AddressRow[] }> {
    this.dumps++;
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('Timeout has been reached'));
    }
    return Promise.resolve({ links: [...this.links], addresses: [...this.addresses] });
  }

  event(): void {
    this.onEvent();
  }

  close(): void {
    this.closed = true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function watch(src: FakeSource, names: readonly string[]): { seen: InterfaceState[]; errors: string[]; close: () => void } {
  const seen: InterfaceState[] = [];
  const errors: string[] = [];
  const w = watchInterfaces(names, (s) => seen.push(s), (e) => errors.push(e.message), src, FAST);
  return { seen, errors, close: () => w.close() };
}

test('deriveState: index, up, first IPv4, and only a link-local that finished DAD', () => {
  const links: LinkRow[] = [{ name: 'bat0', index: 7, up: true }];
  const tentative: AddressRow[] = [
    { index: 7, family: 6, bytes: GLOBAL6, usable: true },
    { index: 7, family: 6, bytes: LL, usable: false },
    { index: 3, family: 4, bytes: Uint8Array.of(10, 0, 0, 9), usable: true },
  ];
  assert.deepEqual(deriveState('bat0', links, tentative), { name: 'bat0', ifindex: 7, up: true, ipv4: undefined, linkLocal: undefined });
  const done = [...tentative.slice(0, 1), { index: 7, family: 6, bytes: LL, usable: true } as const, { index: 7, family: 4, bytes: Uint8Array.of(10, 0, 0, 1), usable: true } as const];
  assert.deepEqual(deriveState('bat0', links, done), { name: 'bat0', ifindex: 7, up: true, ipv4: '10.0.0.1', linkLocal: 'fe80::1' });
  assert.equal(deriveState('br-client', links, done).ifindex, undefined);
  assert.equal(formatIpv6(Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x1c, 0xff, 0xfe, 0, 0, 0, 0)), 'fe80::1c:fffe:0:0');
});

test('reports every name once at start, then only changes (new index, down, address)', async () => {
  const src = new FakeSource();
  src.links = [{ name: 'br-client', index: 4, up: true }];
  src.addresses = [{ index: 4, family: 4, bytes: Uint8Array.of(10, 0, 0, 1), usable: true }];
  const w = watch(src, ['br-client', 'bat0']);
  await sleep(20);
  assert.deepEqual(w.seen.map((s) => [s.name, s.ifindex, s.up, s.ipv4]), [['br-client', 4, true, '10.0.0.1'], ['bat0', undefined, false, undefined]]);
  src.event();
  src.event();
  await sleep(30);
  assert.equal(w.seen.length, 2, 'an event without a change reports nothing');
  src.links = [{ name: 'br-client', index: 9, up: false }];
  src.addresses = [];
  src.event();
  await sleep(30);
  assert.deepEqual(w.seen.slice(2).map((s) => [s.name, s.ifindex, s.up, s.ipv4]), [['br-client', 9, false, undefined]]);
  w.close();
  assert.ok(src.closed);
});

test('a failed re-read is retried with backoff without any further event', async () => {
  const src = new FakeSource();
  src.links = [{ name: 'bat0', index: 2, up: true }];
  src.failNext = 2;
  const w = watch(src, ['bat0']);
  await sleep(100);
  assert.deepEqual(w.errors, ['Timeout has been reached']);
  assert.equal(w.seen.length, 0);
  await sleep(200); // first retry after 200 ms fails too; the next waits 400 ms
  assert.equal(w.errors.length, 2);
  assert.equal(w.seen.length, 0);
  await sleep(500);
  assert.equal(w.seen.length, 1);
  assert.equal(w.seen[0]?.up, true);
  w.close();
});

test('an event during a pending backoff re-reads at once', async () => {
  const src = new FakeSource();
  src.links = [{ name: 'bat0', index: 2, up: true }];
  src.failNext = 3;
  const w = watch(src, ['bat0']);
  await sleep(250);
  assert.equal(w.errors.length, 2, 'start and first retry failed; the next retry is 400 ms away');
  src.failNext = 0;
  src.event();
  await sleep(30);
  assert.equal(w.seen.length, 1);
  const dumps = src.dumps;
  await sleep(500);
  assert.equal(src.dumps, dumps, 'the cancelled retry does not run');
  w.close();
});

test('events during a read cause one more read, and nothing runs after close', async () => {
  const src = new FakeSource();
  src.links = [{ name: 'bat0', index: 2, up: false }];
  const w = watch(src, ['bat0']);
  src.links = [{ name: 'bat0', index: 2, up: true }];
  src.event();
  await sleep(30);
  assert.deepEqual(w.seen.map((s) => s.up), [false, true]);
  w.close();
  const dumps = src.dumps;
  src.event();
  await sleep(30);
  assert.equal(src.dumps, dumps);
});
