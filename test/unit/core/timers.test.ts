// The deadline heap against a plain model: random set, cancel and popDue (seeded).
// peek() and popDue() read a cached top deadline, so every change must keep it right.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineHeap } from '../../../src/core/timers';
import { seededRng } from './fixtures';

test('set, cancel and popDue agree with a Map of deadlines, through reschedules and rebuilds', () => {
  for (const seed of [1, 2, 3]) {
    const rng = seededRng(seed);
    const heap = new DeadlineHeap();
    const model = new Map<number, number>();
    let now = 0;
    for (let i = 0; i < 30_000; i++) {
      const key = rng.nextU32() % (seed === 1 ? 8 : 2000);
      const op = rng.nextU32() % 10;
      if (op < 6) {
        const at = now + (rng.nextU32() % 500);
        heap.set(key, at);
        model.set(key, at);
      } else if (op < 8) {
        heap.cancel(key);
        model.delete(key);
      } else {
        now += rng.nextU32() % 50;
        for (let k = heap.popDue(now); k !== undefined; k = heap.popDue(now)) {
          const at = model.get(k as number);
          assert.ok(at !== undefined && at <= now, `seed ${seed} step ${i}: popped ${k} due at ${at}, now ${now}`);
          assert.equal(at, Math.min(...model.values()), 'earliest first');
          model.delete(k as number);
        }
        assert.ok([...model.values()].every((at) => at > now), 'everything due was popped');
      }
      const earliest = model.size === 0 ? undefined : Math.min(...model.values());
      assert.equal(heap.peek(), earliest, `seed ${seed} step ${i}: peek`);
      assert.equal(heap.has(key), model.has(key));
    }
  }
});
