/**
 * A GpioProvider without hardware: records every write with its clock time and raw level, and lets a test set
 * input levels (a button press is `setLevel(pin, 0)` on an active-low button). It behaves like the real one where
 * it matters: a pin opens once, outputs cannot be read back as inputs change, released lines refuse use.
 */
import { ErrorCode, LinekeeperError } from '../../src/errors.js';
import type { Bit, GpioLine, GpioProvider, LineOptions } from '../../src/gpio/gpio-line.js';
import type { Clock } from '../../src/time/clock.js';

/** One write, as the pin saw it. */
export interface RecordedWrite {
  pin: number;
  /** Logical value written. */
  value: Bit;
  /** Level on the pin (inverted for active-low lines). */
  level: Bit;
  /** Clock time of the write. */
  at: number;
}

/** A fake header. */
export class FakeGpioProvider implements GpioProvider {
  /** Every write on every line, in order. */
  readonly writes: RecordedWrite[] = [];
  readonly #lines = new Map<number, FakeGpioLine>();
  readonly #levels = new Map<number, Bit>();
  #unavailable: string | undefined;

  constructor(readonly clock: Clock) {}

  /** Makes every later `open` fail with `Gpio_Unavailable` and `reason`. */
  makeUnavailable(reason: string): void {
    this.#unavailable = reason;
  }

  async open(pin: number, options: LineOptions): Promise<FakeGpioLine> {
    if (this.#unavailable !== undefined) {
      throw new LinekeeperError(ErrorCode.Gpio_Unavailable, `GPIO is not available: ${this.#unavailable}`);
    }
    if (this.#lines.has(pin)) {
      throw new LinekeeperError(ErrorCode.Gpio_Unavailable, `BCM ${pin} is already open (EBUSY)`);
    }
    const line = new FakeGpioLine(this, pin, options);
    this.#lines.set(pin, line);
    if (options.direction === 'out') line.record(options.initial ?? 0);
    return line;
  }

  /** The open line on `pin`, if any. */
  line(pin: number): FakeGpioLine | undefined {
    return this.#lines.get(pin);
  }

  /** Pins currently open. */
  openPins(): number[] {
    return [...this.#lines.keys()].sort((a, b) => a - b);
  }

  /** Raw level of `pin`: the last level driven or set (inputs float high, as with a pull-up). */
  level(pin: number): Bit {
    return this.#levels.get(pin) ?? 1;
  }

  /** Writes recorded on `pin`. */
  writesOn(pin: number): RecordedWrite[] {
    return this.writes.filter((write) => write.pin === pin);
  }

  /** Sets the raw level of an input pin (an edge when it changes); watchers get the logical value. */
  setLevel(pin: number, level: Bit): void {
    const previous = this.level(pin);
    this.#levels.set(pin, level);
    const line = this.#lines.get(pin);
    if (line !== undefined && previous !== level) line.edge();
  }

  /** @internal Stores a driven level. */
  drive(pin: number, level: Bit): void {
    this.#levels.set(pin, level);
  }

  /** @internal Forgets a released line. */
  forget(pin: number): void {
    this.#lines.delete(pin);
  }
}

/** A line of the fake header. */
export class FakeGpioLine implements GpioLine {
  #released = false;
  readonly #watchers = new Set<(value: Bit) => void>();

  constructor(
    readonly provider: FakeGpioProvider,
    readonly pin: number,
    readonly options: LineOptions,
  ) {}

  /** True once released. */
  get released(): boolean {
    return this.#released;
  }

  /** Number of active watchers. */
  get watcherCount(): number {
    return this.#watchers.size;
  }

  #assertOpen(): void {
    if (this.#released) {
      throw new LinekeeperError(ErrorCode.Internal, `BCM ${this.pin} was used after it was released`);
    }
  }

  #invert(value: Bit): Bit {
    return this.options.activeLow === true ? ((1 - value) as Bit) : value;
  }

  /** @internal Records a write. */
  record(value: Bit): void {
    const level = this.#invert(value);
    this.provider.drive(this.pin, level);
    this.provider.writes.push({ pin: this.pin, value, level, at: this.provider.clock.now() });
  }

  /** @internal Delivers an input edge. */
  edge(): void {
    const value = this.#invert(this.provider.level(this.pin));
    for (const watcher of [...this.#watchers]) watcher(value);
  }

  async write(value: Bit): Promise<void> {
    this.#assertOpen();
    if (this.options.direction !== 'out') {
      throw new LinekeeperError(ErrorCode.Internal, `BCM ${this.pin} is an input and cannot be written`);
    }
    this.record(value);
  }

  async read(): Promise<Bit> {
    this.#assertOpen();
    return this.#invert(this.provider.level(this.pin));
  }

  watch(cb: (value: Bit) => void): () => void {
    this.#assertOpen();
    this.#watchers.add(cb);
    return () => {
      this.#watchers.delete(cb);
    };
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#watchers.clear();
    this.provider.forget(this.pin);
  }
}
