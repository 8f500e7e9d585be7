// Keyed deadlines in a binary min-heap. Each key has at most one live deadline;
// rescheduling leaves the old heap entry behind, and it is skipped when popped
// (lazy deletion keeps set/cancel O(log n) for 10 000 leases).

import type { Millis } from './types';

interface Entry {
  readonly at: Millis;
  readonly key: string;
}

export class DeadlineHeap {
  private readonly heap: Entry[] = [];
  private readonly live = new Map<string, Millis>();

  set(key: string, at: Millis): void {
    if (this.live.get(key) === at) return;
    this.live.set(key, at);
    this.push({ at, key });
    // A peer repeating one claim many times a second would otherwise grow the heap without bound.
    if (this.heap.length > 2 * this.live.size + 1024) this.rebuild();
  }

  /** Keeps an earlier live deadline instead of postponing it. */
  setIfEarlier(key: string, at: Millis): void {
    const cur = this.live.get(key);
    if (cur === undefined || at < cur) this.set(key, at);
  }

  cancel(key: string): void {
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  get(key: string): Millis | undefined {
    return this.live.get(key);
  }

  /** The earliest live deadline; drops stale entries on the way. */
  peek(): Millis | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest key due at `now`, if any. */
  popDue(now: Millis): string | undefined {
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
