/**
 * Time as an injected dependency: everything that waits (AT timeouts, LED blinking, button debounce, power-key
 * pulses) takes a `Clock`, so tests drive time with a manual clock instead of sleeping.
 */

/** A scheduled callback; `clear()` cancels it (a no-op once it has fired). */
export interface TimerHandle {
  clear(): void;
}

/** The source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch (or since the start of a manual clock). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; the same as `handle.clear()`. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock and Node's timers. */
export const systemClock: Clock = {
  // performance.now() gives sub-millisecond time, which audio pacing needs; timeOrigin anchors it to the epoch.
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return { clear: () => clearTimeout(timer) };
  },
  clearTimeout(handle) {
    handle.clear();
  },
};

/** Resolves after `ms` milliseconds of `clock` time; an aborted `signal` rejects with its reason. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      handle.clear();
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
