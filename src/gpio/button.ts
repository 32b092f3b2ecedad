/**
 * A push button with debounced short and long presses. A level counts once it has held for `debounceMs`; a
 * press held for `longPressMs` reports `long` at that moment (so the user sees the effect while still holding),
 * a shorter one reports `short` on release. Timing comes from the injected clock.
 */
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { Bit, GpioLine } from './gpio-line.js';

/** What kind of press happened. */
export type ButtonPress = 'short' | 'long';

/** Button timing. */
export interface ButtonTiming {
  /** How long a level must hold before it counts. */
  debounceMs: number;
  /** How long a press must last to count as long. */
  longPressMs: number;
}

/** Debounced press detection on one input line (logical 1 = pressed). */
export class Button {
  readonly #listeners = new Set<(press: ButtonPress) => void>();
  #stable: Bit = 0;
  #raw: Bit = 0;
  #edgeAt: number | undefined;
  #debounce: TimerHandle | undefined;
  #pressedAt: number | undefined;
  #long: TimerHandle | undefined;
  #longReported = false;
  #unwatch: (() => void) | undefined;

  constructor(
    readonly line: GpioLine,
    readonly clock: Clock,
    readonly timing: ButtonTiming,
    readonly log: Logger,
  ) {}

  /** Starts watching. A button already held at start reports nothing until it has been released. */
  async start(): Promise<void> {
    this.#stable = await this.line.read();
    this.#raw = this.#stable;
    this.#unwatch = this.line.watch((value) => this.#onRaw(value));
  }

  /** Calls `cb` for every press; returns the unsubscribe function. */
  onPress(cb: (press: ButtonPress) => void): () => void {
    this.#listeners.add(cb);
    return () => {
      this.#listeners.delete(cb);
    };
  }

  /** Stops watching and cancels timers. */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#debounce?.clear();
    this.#long?.clear();
    this.#listeners.clear();
  }

  #onRaw(value: Bit): void {
    this.#raw = value;
    // The first edge of a bouncing burst is when the contact really moved.
    this.#edgeAt ??= this.clock.now();
    this.#debounce?.clear();
    this.#debounce = this.clock.setTimeout(() => this.#settle(), this.timing.debounceMs);
  }

  #settle(): void {
    const edgeAt = this.#edgeAt ?? this.clock.now();
    this.#edgeAt = undefined;
    this.#debounce = undefined;
    if (this.#raw === this.#stable) return;
    this.#stable = this.#raw;
    if (this.#stable === 1) {
      this.#pressedAt = edgeAt;
      this.#longReported = false;
      const remaining = this.timing.longPressMs - (this.clock.now() - edgeAt);
      this.#long = this.clock.setTimeout(() => {
        this.#longReported = true;
        this.#emit('long');
      }, remaining);
      return;
    }
    this.#long?.clear();
    this.#long = undefined;
    if (this.#pressedAt !== undefined && !this.#longReported) this.#emit('short');
    this.#pressedAt = undefined;
  }

  #emit(press: ButtonPress): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(press);
      } catch (e) {
        // One faulty listener must not stop the others or the detector.
        this.log.error(`button listener failed: ${describeError(e)}`);
      }
    }
  }
}
