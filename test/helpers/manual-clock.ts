/** A clock that only moves when a test says so: timers fire in due order during `advance(ms)`. */
import type { Clock, TimerHandle } from '../../src/time/clock.js';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  cleared: boolean;
}

/**
 * Lets pending promise continuations and I/O-free work run (they may schedule the next timer) before time moves
 * on; several turns of the event loop, since one continuation often awaits another.
 */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A manual Clock for tests. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  /** The current manual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at now + ms (negative delays count as 0, as in Node). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cleared: false };
    this.#timers.push(timer);
    return {
      clear: () => {
        timer.cleared = true;
      },
    };
  }

  /** Cancels a timer. */
  clearTimeout(handle: TimerHandle): void {
    handle.clear();
  }

  /** How many timers are still waiting to fire. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cleared).length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due (also those scheduled by earlier callbacks or
   * by promise continuations they resume), each at its own due time.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      this.#timers = this.#timers.filter((timer) => !timer.cleared);
      const next = this.#timers
        .filter((timer) => timer.due <= target)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#now = next.due;
      next.cleared = true;
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}
