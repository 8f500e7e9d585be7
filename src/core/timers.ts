// Keyed deadlines in a binary min-heap. Each key has at most one live deadline;
// rescheduling leaves the old heap entry behind, and it is skipped when popped
// (lazy deletion keeps set/cancel O(log n) for 10 000 leases).

import type { Ipv4, Millis } from './types';

/**
 * Per-block and per-lease deadlines use number keys: a simulated node hears tens
 * of claims a second, and a fresh string per refresh was measurable there.
 * Blocks are below 2^24 (prefixLen >= 8), so the three ranges cannot overlap.
 */
export type TimerKey = string | number;
const NEEDLESS_BASE = 2 ** 24;
const LEASE_BASE = 2 ** 25;

export function blockTimerKey(index: number): number {
  return index;
}

export function needlessTimerKey(index: number): number {
  return NEEDLESS_BASE + index;
}

export function leaseTimerKey(ip: Ipv4): number {
  return LEASE_BASE + ip;
}

export type NumericTimer =
  | { readonly kind: 'blockExpiry'; readonly index: number }
  | { readonly kind: 'needless'; readonly index: number }
  | { readonly kind: 'leaseExpiry'; readonly ip: Ipv4 };

export function decodeTimerKey(key: number): NumericTimer {
  if (key >= LEASE_BASE) return { kind: 'leaseExpiry', ip: key - LEASE_BASE };
  if (key >= NEEDLESS_BASE) return { kind: 'needless', index: key - NEEDLESS_BASE };
  return { kind: 'blockExpiry', index: key };
}

interface Entry {
  readonly at: Millis;
  readonly key: TimerKey;
}

export class DeadlineHeap {
  private readonly heap: Entry[] = [];
  private readonly live = new Map<TimerKey, Millis>();

  set(key: TimerKey, at: Millis): void {
    if (this.live.get(key) === at) return;
    this.live.set(key, at);
    this.push({ at, key });
    // A peer repeating one claim many times a second would otherwise grow the heap without bound.
    if (this.heap.length > 2 * this.live.size + 1024) this.rebuild();
  }

  /** Keeps an earlier live deadline instead of postponing it. */
  setIfEarlier(key: TimerKey, at: Millis): void {
    const cur = this.live.get(key);
    if (cur === undefined || at < cur) this.set(key, at);
  }

  cancel(key: TimerKey): void {
    this.live.delete(key);
  }

  has(key: TimerKey): boolean {
    return this.live.has(key);
  }

  get(key: TimerKey): Millis | undefined {
    return this.live.get(key);
  }

  /** The earliest live deadline; drops stale entries on the way. */
  peek(): Millis | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest key due at `now`, if any. */
  popDue(now: Millis): TimerKey | undefined {
    this.dropStale();
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.pop();
    this.live.delete(top.key);
    return top.key;
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.live.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (const [key, at] of this.live) this.push({ at, key });
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Entry;
      if (parent.at <= e.at) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const lc = h[l] as Entry;
      const rc = h[r];
      const c = rc !== undefined && rc.at < lc.at ? r : l;
      const child = h[c] as Entry;
      if (child.at >= last.at) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
