// One re-armable timer driven by the core's next deadline: the daemon sleeps
// until the protocol needs it and never polls.

import type { Millis } from '../core/types';

/** Node's setTimeout overflows past 2^31-1 ms; longer waits are re-armed. */
const MAX_DELAY_MS = 0x7fffffff;

export class DeadlineTimer {
  private handle: NodeJS.Timeout | undefined;
  private armedFor: Millis | undefined;

  constructor(
    private readonly now: () => Millis,
    private readonly fire: () => void,
  ) {}

  arm(deadline: Millis | undefined): void {
    if (deadline === this.armedFor && this.handle !== undefined) return;
    this.cancel();
    if (deadline === undefined) return;
    this.armedFor = deadline;
    const delay = Math.min(Math.max(0, deadline - this.now()), MAX_DELAY_MS);
    this.handle = setTimeout(() => {
      this.handle = undefined;
      this.armedFor = undefined;
      this.fire();
    }, delay);
  }

  cancel(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = undefined;
  }
}
