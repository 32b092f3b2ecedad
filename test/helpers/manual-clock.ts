/** A clock tests advance by hand: timers fire in order when `advance` passes their due time. */
import type { Clock, Timer } from '../../src/clock.js';

/** Manual time for unit tests (no sleeping). */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { due: number; fn: () => void; seq: number }[] = [];
  #seq = 0;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { due: this.#now + Math.max(0, ms), fn, seq: this.#seq++ };
    this.#timers.push(timer);
    return { clear: () => this.#timers.splice(this.#timers.indexOf(timer) >>> 0, 1) && undefined };
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers (and letting promise callbacks run between them). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      this.#timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.due > end) break;
      this.#timers.shift();
      this.#now = next.due;
      next.fn();
    }
    this.#now = end;
    await flushMicrotasks();
  }
}

/** Lets pending promise callbacks and I/O-free continuations run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
