// The foreign claims' expiry steps, as one binary min-heap of (step, block index) in
// typed arrays. It replaced a Map of one growing array per step: every claim is filed
// again about once per block timeout, and those arrays lived until their step came,
// long enough to be copied out of the young generation first (in a simulated mesh of
// 1000 nodes a tenth of the CPU went to collecting them). Entries may be stale: the
// claim table's own record of the step a block is filed in decides (blocks.ts).

export class ExpiryHeap {
  private steps = new Float64Array(16);
  private indexes = new Int32Array(16);
  size = 0;

  /** The earliest step filed, Infinity when empty. */
  get first(): number {
    return this.size === 0 ? Infinity : (this.steps[0] as number);
  }

  push(step: number, index: number): void {
    if (this.size === this.steps.length) this.grow();
    const steps = this.steps;
    const indexes = this.indexes;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = steps[parent] as number;
      if (p <= step) break;
      steps[i] = p;
      indexes[i] = indexes[parent] as number;
      i = parent;
    }
    steps[i] = step;
    indexes[i] = index;
  }

  /** Removes the earliest entry and returns its block index. */
  pop(): number {
    const steps = this.steps;
    const indexes = this.indexes;
    const top = indexes[0] as number;
    const n = --this.size;
    const step = steps[n] as number;
    const index = indexes[n] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (steps[r] as number) < (steps[l] as number) ? r : l;
      if ((steps[c] as number) >= step) break;
      steps[i] = steps[c] as number;
      indexes[i] = indexes[c] as number;
      i = c;
    }
    steps[i] = step;
    indexes[i] = index;
    return top;
  }

  private grow(): void {
    const steps = new Float64Array(this.steps.length * 2);
    steps.set(this.steps);
    const indexes = new Int32Array(this.indexes.length * 2);
    indexes.set(this.indexes);
    this.steps = steps;
    this.indexes = indexes;
  }
}
