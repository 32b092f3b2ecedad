/**
 * The GPIO seam: a provider opens header pins by BCM number and hands out lines. Values are logical: with
 * `activeLow` a 1 drives the pin low, and a pressed button wired to ground reads 1. The real provider is
 * `onoff-provider.ts` (sysfs); tests use the fake in `device/gpio/`.
 */

/** A logical line value. */
export type Bit = 0 | 1;

/** How a pin is opened. */
export interface LineOptions {
  /** `out` drives the pin, `in` reads it. */
  direction: 'in' | 'out';
  /** Invert the logical value (LED to 3V3, button to ground). Default false. */
  activeLow?: boolean;
  /** Logical value an output starts at, set before the pin is driven. Default 0. */
  initial?: Bit;
}

/** One opened header pin. */
export interface GpioLine {
  /** The BCM number it was opened by. */
  readonly pin: number;
  /** Drives an output line. */
  write(value: Bit): Promise<void>;
  /** Reads the current logical value. */
  read(): Promise<Bit>;
  /** Calls `cb` with the new value whenever an input line changes; returns the unsubscribe function. */
  watch(cb: (value: Bit) => void): () => void;
  /** Stops watching and gives the pin back (unexported); later calls on the line fail. */
  release(): Promise<void>;
}

/** Opens header pins. */
export interface GpioProvider {
  /** Fails with `Gpio_Unavailable` (and a hint what to fix) when GPIO cannot be used. */
  open(pin: number, options: LineOptions): Promise<GpioLine>;
}
