/** Status LEDs: steady or blinking patterns, timed by an injected clock. */
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { Bit, GpioLine } from './gpio-line.js';

/** The status LEDs a box can have. */
export const LED_NAMES = ['ready', 'inCall', 'fault', 'messages'] as const;
/** A status LED: ready, inCall (a call is connected), fault, messages (waiting). */
export type LedName = (typeof LED_NAMES)[number];

/** On and off times of each blinking pattern, in milliseconds. */
export const BLINK_TIMINGS = {
  blink: { onMs: 500, offMs: 500 },
  'fast-blink': { onMs: 125, offMs: 125 },
  heartbeat: { onMs: 100, offMs: 1900 },
} as const;

/** What an LED shows: steady `off`/`on`, `blink` (1 Hz), `fast-blink` (4 Hz) or `heartbeat` (short flash every 2 s). */
export type LedPattern = 'off' | 'on' | keyof typeof BLINK_TIMINGS;

/** Every pattern name. */
export const LED_PATTERNS: readonly LedPattern[] = [
  'off',
  'on',
  ...(Object.keys(BLINK_TIMINGS) as LedPattern[]),
];

/** One LED on one output line. */
export class Led {
  #pattern: LedPattern = 'off';
  #timer: TimerHandle | undefined;
  #level: Bit | undefined;
  // Writes are chained so that a fast blink can never reorder on the way to the pin.
  #writes: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly line: GpioLine,
    readonly clock: Clock,
    readonly log: Logger,
  ) {}

  /** The pattern being shown. */
  get pattern(): LedPattern {
    return this.#pattern;
  }

  /** Shows `pattern`; setting the pattern already shown keeps its phase. */
  set(pattern: LedPattern): void {
    if (pattern === this.#pattern) return;
    this.#pattern = pattern;
    this.#timer?.clear();
    this.#timer = undefined;
    if (pattern === 'off' || pattern === 'on') {
      this.#write(pattern === 'on' ? 1 : 0);
      return;
    }
    const { onMs, offMs } = BLINK_TIMINGS[pattern];
    const phase = (value: Bit) => {
      this.#write(value);
      this.#timer = this.clock.setTimeout(() => phase(value === 1 ? 0 : 1), value === 1 ? onMs : offMs);
    };
    phase(1);
  }

  #write(value: Bit): void {
    if (value === this.#level) return;
    this.#level = value;
    this.#writes = this.#writes
      .then(() => this.line.write(value))
      // A failed LED must never take the daemon down: report it and keep going.
      .catch((e: unknown) => this.log.warn(`LED ${this.name} (BCM ${this.line.pin}): ${describeError(e)}`));
  }

  /** Turns the LED off, waits for pending writes and stops its timer. */
  async stop(): Promise<void> {
    this.set('off');
    await this.#writes;
  }
}
