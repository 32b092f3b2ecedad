/**
 * The `gpio` service: opens the pins named in the `gpio` config section and offers status LEDs, the button, the
 * flight-mode line and the modem power cycle to the rest of the daemon. Unconfigured pins (-1) are skipped, so
 * a box with only a button works; every line is released on stop. When GPIO is not accessible the service logs
 * why and runs degraded: a shop's phone must still be answered without its status LEDs.
 */
import type { Service } from '../app/service.js';
import type { DeviceConfig } from '../config/device-schema.js';
import { describeError, ErrorCode, isLinekeeperError, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Clock, systemClock } from '../time/clock.js';
import { Button, type ButtonPress } from './button.js';
import type { GpioLine, GpioProvider, LineOptions } from './gpio-line.js';
import { LED_NAMES, Led, type LedName, type LedPattern } from './led.js';
import { DEFAULT_POWER_KEY_TIMING, type ModemProbe, PowerKey } from './power-key.js';

/** The `gpio` section of the device config. */
export type GpioConfig = DeviceConfig['gpio'];

/** The config field holding each LED's pin. */
export const LED_PIN_FIELDS: Record<LedName, 'ledReady' | 'ledInCall' | 'ledFault' | 'ledMessages'> = {
  ready: 'ledReady',
  inCall: 'ledInCall',
  fault: 'ledFault',
  messages: 'ledMessages',
};

const PIN_FIELDS = ['powerKey', 'flightMode', ...Object.values(LED_PIN_FIELDS), 'button'] as const;

/** What the service is built from. */
export interface GpioServiceOptions {
  config: GpioConfig;
  provider: GpioProvider;
  log: Logger;
  clock?: Clock;
  /** The modem's `AT` check; can also be attached later with `setModemProbe`. */
  probe?: ModemProbe;
}

/** Fails with Config_Invalid when two functions share one pin. */
export function assertDistinctPins(config: GpioConfig): void {
  const seen = new Map<number, string>();
  for (const field of PIN_FIELDS) {
    const pin = config[field];
    if (pin < 0) continue;
    const other = seen.get(pin);
    if (other !== undefined) {
      throw new LinekeeperError(
        ErrorCode.Config_Invalid,
        `gpio.${other} and gpio.${field} both use BCM ${pin}; each function needs its own pin`,
      );
    }
    seen.set(pin, field);
  }
}

/** LEDs, button, flight mode and power key on the GPIO header. */
export class GpioService implements Service {
  readonly name = 'gpio';
  readonly #config: GpioConfig;
  readonly #provider: GpioProvider;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #lines: GpioLine[] = [];
  readonly #leds = new Map<LedName, Led>();
  readonly #buttonListeners = new Set<(press: ButtonPress) => void>();
  #button: Button | undefined;
  #flightMode: GpioLine | undefined;
  #powerKey: PowerKey | undefined;
  #probe: ModemProbe | undefined;
  #unavailable: LinekeeperError | undefined;

  constructor(options: GpioServiceOptions) {
    this.#config = options.config;
    this.#provider = options.provider;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#probe = options.probe;
  }

  async start(): Promise<void> {
    assertDistinctPins(this.#config);
    const config = this.#config;
    this.#unavailable = undefined;
    try {
      if (config.powerKey >= 0) {
        const line = await this.#open(config.powerKey, {
          direction: 'out',
          activeLow: config.powerKeyActiveLow,
        });
        const timing = {
          ...DEFAULT_POWER_KEY_TIMING,
          onPulseMs: config.powerOnPulseMs,
          offPulseMs: config.powerOffPulseMs,
          offSettleMs: config.powerOffSettleMs,
          bootTimeoutMs: config.modemBootTimeoutMs,
        };
        this.#powerKey = new PowerKey(line, this.#clock, timing, () => this.#runProbe(), this.#log);
      }
      if (config.flightMode >= 0) {
        // Opened low: the box starts with the radio on.
        this.#flightMode = await this.#open(config.flightMode, { direction: 'out' });
      }
      for (const name of LED_NAMES) {
        const pin = config[LED_PIN_FIELDS[name]];
        if (pin < 0) continue;
        const line = await this.#open(pin, { direction: 'out', activeLow: config.ledActiveLow });
        this.#leds.set(name, new Led(name, line, this.#clock, this.#log));
      }
      if (config.button >= 0) {
        const line = await this.#open(config.button, { direction: 'in', activeLow: config.buttonActiveLow });
        const button = new Button(
          line,
          this.#clock,
          { debounceMs: config.buttonDebounceMs, longPressMs: config.buttonLongPressMs },
          this.#log,
        );
        button.onPress((press) => {
          this.#log.info(`button: ${press} press`);
          for (const listener of [...this.#buttonListeners]) {
            try {
              listener(press);
            } catch (e) {
              // One faulty listener must not keep the press from the others.
              this.#log.error(`button listener failed: ${describeError(e)}`);
            }
          }
        });
        await button.start();
        this.#button = button;
      }
    } catch (e) {
      await this.stop();
      if (!(isLinekeeperError(e) && e.code === ErrorCode.Gpio_Unavailable)) throw e;
      this.#unavailable = e;
      this.#log.error(`running without LEDs, button and power key: ${e.message}`);
    }
  }

  /** Why GPIO could not be used at start, if it could not. */
  get unavailable(): LinekeeperError | undefined {
    return this.#unavailable;
  }

  async #open(pin: number, options: LineOptions): Promise<GpioLine> {
    const line = await this.#provider.open(pin, options);
    this.#lines.push(line);
    return line;
  }

  /** The LEDs that have a pin. */
  get leds(): LedName[] {
    return [...this.#leds.keys()];
  }

  /** Shows `pattern` on LED `name`; an LED without a pin is skipped (logged at debug). */
  setLed(name: LedName, pattern: LedPattern): void {
    const led = this.#leds.get(name);
    if (led === undefined) {
      this.#log.debug(`LED ${name} has no pin; not showing ${pattern}`);
      return;
    }
    led.set(pattern);
  }

  /** Calls `cb` on every short or long button press; returns the unsubscribe function. */
  onButton(cb: (press: ButtonPress) => void): () => void {
    this.#buttonListeners.add(cb);
    return () => {
      this.#buttonListeners.delete(cb);
    };
  }

  /** Attaches the modem's `AT` check that the power-key sequences need. */
  setModemProbe(probe: ModemProbe): void {
    this.#probe = probe;
  }

  /** Switches the modem off and on and resolves once it answers `AT`; for the modem recovery. */
  readonly powerCycle = async (): Promise<void> => this.#requirePowerKey().powerCycle();

  /** Switches the modem on if it does not answer `AT`. */
  readonly ensureModemOn = async (): Promise<void> => this.#requirePowerKey().ensureOn();

  /** Drives the flight-mode line (radio off when on). */
  async setFlightMode(on: boolean): Promise<void> {
    if (this.#unavailable !== undefined) throw this.#unavailable;
    if (this.#flightMode === undefined) {
      throw new LinekeeperError(
        ErrorCode.Gpio_Unavailable,
        'No flight-mode pin is configured (gpio.flightMode)',
      );
    }
    await this.#flightMode.write(on ? 1 : 0);
  }

  #requirePowerKey(): PowerKey {
    if (this.#unavailable !== undefined) throw this.#unavailable;
    if (this.#powerKey === undefined) {
      throw new LinekeeperError(
        ErrorCode.Gpio_Unavailable,
        'No modem power key is available: set gpio.powerKey (Waveshare SIM7600 HAT: 6) and start the gpio service',
      );
    }
    if (this.#probe === undefined) {
      // Pulsing blind could switch a running modem off, so without a probe nothing is pulsed.
      throw new LinekeeperError(
        ErrorCode.Internal,
        'The power key needs the modem AT probe; none is attached',
      );
    }
    return this.#powerKey;
  }

  #runProbe(): Promise<boolean> {
    return this.#probe === undefined ? Promise.resolve(false) : this.#probe();
  }

  async stop(): Promise<void> {
    this.#button?.stop();
    this.#button = undefined;
    for (const led of this.#leds.values()) await led.stop();
    this.#leds.clear();
    this.#powerKey = undefined;
    this.#flightMode = undefined;
    for (const line of this.#lines.splice(0).reverse()) {
      try {
        await line.release();
      } catch (e) {
        this.#log.warn(`releasing BCM ${line.pin} failed: ${describeError(e)}`);
      }
    }
  }
}
