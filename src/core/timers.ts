// Keyed deadlines in a binary min-heap. Each key has at most one live deadline;
// rescheduling marks the old heap entry dead, and it is skipped when it surfaces
// (lazy deletion keeps set and cancel O(log n)).

import type { Ipv4, Millis } from './types';

/**
 * Frequent deadlines use number keys, not a fresh string each time: needless checks
 * per owned block and lease expiry per owned block (keyed by its first address).
 * Blocks are below 2^24 (prefixLen >= 8), so the ranges cannot overlap.
 */
export type TimerKey = string | number;
const NEEDLESS_BASE = 2 ** 24;
const LEASE_BASE = 2 ** 25;

export function needlessTimerKey(index: number): number {
  return NEEDLESS_BASE + index;
}

export function leaseTimerKey(ip: Ipv4): number {
  return LEASE_BASE + ip;
}

export type NumericTimer =
  | { readonly kind: 'needless'; readonly index: number }
  | { readonly kind: 'leaseExpiry'; readonly ip: Ipv4 };

export function decodeTimerKey(key: number): NumericTimer {
  if (key >= LEASE_BASE) return { kind: 'leaseExpiry', ip: key - LEASE_BASE };
  if (key >= NEEDLESS_BASE) return { kind: 'needless', index: key - NEEDLESS_BASE };
  throw new RangeError(`no timer has key ${key}`);
}

interface Entry {
  readonly at: Millis;
  readonly key: TimerKey;
  /** Set when the key was rescheduled or cancelled; the heap drops it when it surfaces. */
  dead: boolean;
}

/**
 * The top of the heap is never a dead entry (every change drops dead ones from the
 * top), and `topAt` is its deadline: a core asks "is anything due?" on every input,
 * and in a simulated mesh of 1000 nodes that answer should not cost a cache miss
 * on an Entry object.
 */
export class DeadlineHeap {
  private heap: Entry[] = [];
  private readonly live = new Map<TimerKey, Entry>();
  /** The earliest live deadline, Infinity when there is none. */
  private topAt: Millis = Infinity;

  set(key: TimerKey, at: Millis): void {
    const cur = this.live.get(key);
    if (cur !== undefined) {
      if (cur.at === at) return;
      cur.dead = true;
    }
    const e: Entry = { at, key, dead: false };
    this.live.set(key, e);
    this.push(e);
    // A peer repeating one claim many times a second would otherwise grow the heap without bound.
    if (this.heap.length > 2 * this.live.size + 1024) this.rebuild();
    this.dropStale();
  }

  cancel(key: TimerKey): void {
    const cur = this.live.get(key);
    if (cur === undefined) return;
    cur.dead = true;
    this.live.delete(key);
    this.dropStale();
  }

  has(key: TimerKey): boolean {
    return this.live.has(key);
  }

  get(key: TimerKey): Millis | undefined {
    return this.live.get(key)?.at;
  }

  /** The earliest live deadline. */
  peek(): Millis | undefined {
    return this.topAt === Infinity ? undefined : this.topAt;
  }

  /** Removes and returns the earliest key due at `now`, if any. */
  popDue(now: Millis): TimerKey | undefined {
    if (this.topAt > now) return undefined;
    const top = this.heap[0] as Entry;
    this.pop();
    this.live.delete(top.key);
    this.dropStale();
    return top.key;
  }

  /** Pops dead entries off the top and notes the new top's deadline. */
  private dropStale(): void {
    let top = this.heap[0];
    for (; top !== undefined && top.dead; top = this.heap[0]) this.pop();
    this.topAt = top === undefined ? Infinity : top.at;
  }

  private rebuild(): void {
    this.heap = [];
    for (const e of this.live.values()) this.push(e);
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
