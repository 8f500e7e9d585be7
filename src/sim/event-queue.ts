// The simulator's agenda: a binary min-heap of events ordered by virtual time,
// ties broken by insertion order so every run with the same seed replays exactly.
// Ranked events (node timers) come before the others at their time, in rank
// order whenever they were pushed: a timer armed late, after a batch of kept-back
// deliveries (delivery-log.ts), still runs in the same place as one armed at once.

import type { Millis } from '../core/types';

interface Entry<E> {
  readonly at: Millis;
  readonly seq: number;
  readonly event: E;
}

export class EventQueue<E> {
  private readonly heap: Entry<E>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: Millis, event: E): void {
    this.insert({ at, seq: this.seq++, event });
  }

  /** Before every unranked event at `at`, ordered by `rank` (a small non-negative integer). */
  pushRanked(at: Millis, rank: number, event: E): void {
    this.insert({ at, seq: rank - RANKED_BASE, event });
  }

  private insert(entry: Entry<E>): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry<E>;
      if (!isBefore(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  peekAt(): Millis | undefined {
    return this.heap[0]?.at;
  }

  pop(): { readonly at: Millis; readonly event: E } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Entry<E>;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && isBefore(heap[r] as Entry<E>, heap[l] as Entry<E>)) c = r;
        const child = heap[c] as Entry<E>;
        if (!isBefore(child, last)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** Below every insertion number: ranked events sort first. */
const RANKED_BASE = 2 ** 40;

function isBefore<E>(a: Entry<E>, b: Entry<E>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
