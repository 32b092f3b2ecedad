/** Time as the modem and call code see it: injected, so tests advance it instead of sleeping. */

/** A pending timer. */
export interface Timer {
  /** Cancels the timer; harmless after it fired. */
  clear(): void;
}

/** Wall time in milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch (fractional allowed). */
  now(): number;
  /** Runs `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** The real clock: `performance.timeOrigin + performance.now()` for sub-millisecond pacing. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { clear: () => clearTimeout(handle) };
  },
};

/** Resolves after `ms` on `clock` (used between recovery steps, never in tests with the real clock). */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
