/**
 * The real GpioProvider: sysfs GPIO through `onoff`, with the header chip's base found at run time (kernel 6.6+
 * numbers lines from 512, or 571 on a Pi 5). Inputs are polled rather than watched through epoll, because sysfs
 * edge interrupts are missed on a Pi 5 (fivdi/onoff#197) and a button needs debouncing anyway.
 */
import { join } from 'node:path';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { type Clock, systemClock, type TimerHandle } from '../time/clock.js';
import type { Bit, GpioLine, GpioProvider, LineOptions } from './gpio-line.js';
import {
  assertSysfsAccess,
  DEFAULT_SYSFS_GPIO_ROOT,
  findHeaderChip,
  type GpioChip,
  GROUP_HINT,
  sysfsNumber,
} from './sysfs-chip.js';

/** The part of onoff's `Gpio` this adapter uses. */
export interface OnoffGpio {
  read(): Promise<Bit>;
  write(value: Bit): Promise<void>;
  unexport(): void;
}

/** Creates an onoff line for a global sysfs number; `high`/`low` are outputs with that raw initial level. */
export type OnoffGpioFactory = (
  sysfsNumber: number,
  direction: 'in' | 'high' | 'low',
  options: { activeLow: boolean },
) => OnoffGpio;

/** How the provider finds and drives the header. */
export interface OnoffProviderOptions {
  /** Where chips are discovered and access is checked (onoff itself always uses /sys/class/gpio). */
  sysfsRoot?: string;
  /** Header chip label, or `auto`. */
  chip?: string;
  /** Drives input polling. */
  clock?: Clock;
  /** Input polling interval in milliseconds (default 10). */
  pollMs?: number;
  /** Builds onoff lines; tests substitute one backed by a generated sysfs tree. Default: onoff, loaded lazily. */
  createGpio?: OnoffGpioFactory;
  log?: Logger;
}

async function loadOnoff(): Promise<OnoffGpioFactory> {
  // Imported on first use so that commands and tests that never open a pin do not load the native epoll addon.
  let Gpio: typeof import('onoff').Gpio;
  try {
    ({ Gpio } = await import('onoff'));
  } catch (e) {
    throw new LinekeeperError(
      ErrorCode.Gpio_Unavailable,
      `GPIO is not available: the onoff module (with its native epoll addon) does not load: ${describeError(e)}; run \`npm rebuild epoll\` on the box`,
      { cause: e },
    );
  }
  // No edge: inputs are polled (see above), and some kernels lack or reject the edge file.
  return (number, direction, options) => new Gpio(number, direction, undefined, options);
}

function hintFor(code: string | undefined, chip: GpioChip): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return GROUP_HINT;
    case 'EBUSY':
      return 'the pin is claimed by a kernel driver or another process (check dtoverlays and `pinctrl get`)';
    case 'EINVAL':
      return `the kernel rejected the number; check gpio.chip (using "${chip.label}", base ${chip.base})`;
    default:
      return 'check that the pin is free and the header chip is right';
  }
}

/** Opens header pins through onoff at `base + BCM`. */
export class OnoffGpioProvider implements GpioProvider {
  readonly #root: string;
  readonly #chipLabel: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #createGpio: OnoffGpioFactory | undefined;
  #chip: Promise<GpioChip> | undefined;

  constructor(options: OnoffProviderOptions = {}) {
    this.#root = options.sysfsRoot ?? DEFAULT_SYSFS_GPIO_ROOT;
    this.#chipLabel = options.chip ?? 'auto';
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? 10;
    this.#log = options.log ?? silentLogger;
    this.#createGpio = options.createGpio;
  }

  /** Checks access and finds the header chip (once); fails with `Gpio_Unavailable`. */
  chip(): Promise<GpioChip> {
    this.#chip ??= (async () => {
      await assertSysfsAccess(this.#root);
      return findHeaderChip(this.#root, this.#chipLabel);
    })();
    // A failed check is not cached: the operator may fix group membership and retry from the CLI.
    this.#chip.catch(() => {
      this.#chip = undefined;
    });
    return this.#chip;
  }

  /** Opens `pin` (BCM) as `options` say. */
  async open(pin: number, options: LineOptions): Promise<GpioLine> {
    const chip = await this.chip();
    const number = sysfsNumber(chip, pin);
    const create = this.#createGpio ?? (await loadOnoff());
    const activeLow = options.activeLow ?? false;
    // `high`/`low` set the raw level together with the direction, so an output never glitches to the wrong
    // state; with active-low wiring logical 0 is the raw high level.
    const raw = (options.initial ?? 0) ^ (activeLow ? 1 : 0);
    const direction = options.direction === 'in' ? 'in' : raw === 1 ? 'high' : 'low';
    let gpio: OnoffGpio;
    try {
      gpio = create(number, direction, { activeLow });
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      const path = error.path ?? join(this.#root, `gpio${number}`);
      throw new LinekeeperError(
        ErrorCode.Gpio_Unavailable,
        `GPIO is not accessible: cannot open BCM ${pin} (sysfs gpio${number} on "${chip.label}"): ${error.code ?? describeError(e)} at ${path}; ${hintFor(error.code, chip)}`,
        { cause: e, context: { pin, sysfsNumber: number, path, errno: error.code } },
      );
    }
    this.#log.debug(`opened BCM ${pin} as gpio${number} (${direction}${activeLow ? ', active low' : ''})`);
    return new OnoffLine(pin, gpio, this.#clock, this.#pollMs, this.#log);
  }
}

class OnoffLine implements GpioLine {
  #released = false;
  #watchers = new Set<(value: Bit) => void>();
  #poll: TimerHandle | undefined;
  #last: Bit | undefined;
  #readFailed = false;
  // Bumped when polling stops, so a read still in flight from an earlier watch does not start a second loop.
  #generation = 0;

  constructor(
    readonly pin: number,
    readonly gpio: OnoffGpio,
    readonly clock: Clock,
    readonly pollMs: number,
    readonly log: Logger,
  ) {}

  #assertOpen(): void {
    if (this.#released) {
      throw new LinekeeperError(ErrorCode.Internal, `BCM ${this.pin} was used after it was released`);
    }
  }

  async write(value: Bit): Promise<void> {
    this.#assertOpen();
    await this.gpio.write(value);
  }

  async read(): Promise<Bit> {
    this.#assertOpen();
    return this.gpio.read();
  }

  watch(cb: (value: Bit) => void): () => void {
    this.#assertOpen();
    this.#watchers.add(cb);
    if (this.#poll === undefined) this.#schedulePoll();
    return () => {
      this.#watchers.delete(cb);
      if (this.#watchers.size === 0) this.#stopPolling();
    };
  }

  #schedulePoll(): void {
    const generation = this.#generation;
    this.#poll = this.clock.setTimeout(() => {
      void this.#pollOnce(generation);
    }, this.pollMs);
  }

  #stopPolling(): void {
    this.#poll?.clear();
    this.#poll = undefined;
    this.#last = undefined;
    this.#generation++;
  }

  async #pollOnce(generation: number): Promise<void> {
    try {
      const value = await this.gpio.read();
      this.#readFailed = false;
      // The first read is the baseline, not a change.
      if (generation !== this.#generation) return;
      if (this.#last !== undefined && value !== this.#last) {
        for (const watcher of [...this.#watchers]) watcher(value);
      }
      this.#last = value;
    } catch (e) {
      // Log once per failure streak: a dead pin polled at 100 Hz must not flood the journal.
      if (!this.#readFailed) this.log.warn(`reading BCM ${this.pin} failed: ${describeError(e)}`);
      this.#readFailed = true;
    }
    if (generation === this.#generation && this.#watchers.size > 0) this.#schedulePoll();
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#watchers.clear();
    this.#stopPolling();
    this.#released = true;
    this.gpio.unexport();
  }
}
