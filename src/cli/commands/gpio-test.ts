/**
 * `linekeeper gpio-test`: on the box, finds the header chip, lights each configured LED in turn and reports
 * button presses for a few seconds. It never touches the power key or flight mode, so the modem keeps running.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { configPath, loadDeviceConfig } from '../../config/load.js';
import type { GpioProvider } from '../../gpio/gpio-line.js';
import { type GpioConfig, GpioService, LED_PIN_FIELDS } from '../../gpio/gpio-service.js';
import { OnoffGpioProvider } from '../../gpio/onoff-provider.js';
import { DEFAULT_SYSFS_GPIO_ROOT } from '../../gpio/sysfs-chip.js';
import { silentLogger } from '../../log/logger.js';
import { type Clock, delay, systemClock } from '../../time/clock.js';

/** What a GPIO test run uses. */
export interface GpioTestOptions {
  config: GpioConfig;
  provider: GpioProvider;
  clock: Clock;
  /** How long each LED stays lit. */
  ledMs: number;
  /** How long to listen for button presses. */
  listenMs: number;
  /** Where progress lines go. */
  out: (line: string) => void;
}

/** Lights each configured LED in turn, then counts button presses; returns the presses seen. */
export async function runGpioTest(options: GpioTestOptions): Promise<string[]> {
  const { config, clock, out } = options;
  // The power key toggles the modem's power and flight mode cuts the radio: neither belongs in a light test.
  const service = new GpioService({
    config: { ...config, powerKey: -1, flightMode: -1 },
    provider: options.provider,
    clock,
    log: silentLogger,
  });
  const presses: string[] = [];
  await service.start();
  try {
    // The daemon runs on without GPIO; a GPIO test must not.
    if (service.unavailable !== undefined) throw service.unavailable;
    if (service.leds.length === 0) {
      out(`no LEDs configured (set ${Object.values(LED_PIN_FIELDS).join(', ')} in the gpio section)`);
    }
    for (const name of service.leds) {
      out(`LED ${name} (BCM ${config[LED_PIN_FIELDS[name]]}): on for ${options.ledMs} ms`);
      service.setLed(name, 'on');
      await delay(clock, options.ledMs);
      service.setLed(name, 'off');
    }
    if (config.button < 0) {
      out('no button configured (set button in the gpio section)');
      return presses;
    }
    out(`press the button (BCM ${config.button}) within ${Math.round(options.listenMs / 1000)} s`);
    const unsubscribe = service.onButton((press) => {
      presses.push(press);
      out(`button: ${press} press`);
    });
    await delay(clock, options.listenMs);
    unsubscribe();
    out(`${presses.length} button press${presses.length === 1 ? '' : 'es'} seen`);
    return presses;
  } finally {
    await service.stop();
  }
}

function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) {
      throw new InvalidArgumentError(`${name} must be a positive whole number, got "${value}"`);
    }
    return parsed;
  };
}

/** Adds `gpio-test` to the program. */
export function registerGpioTest(program: Command): void {
  program
    .command('gpio-test')
    .description(
      'Check the GPIO header: find the gpiochip and its base, light each configured LED in turn, report button presses. Never pulses the modem power key. Fails with E0300 when GPIO is not accessible.',
    )
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .option('--led-ms <ms>', 'how long each LED stays lit', positiveInteger('--led-ms'), 1000)
    .option('--seconds <s>', 'how long to listen for button presses', positiveInteger('--seconds'), 5)
    .option('--sysfs-root <dir>', 'sysfs GPIO directory for chip discovery', DEFAULT_SYSFS_GPIO_ROOT)
    .action(async (options: { config?: string; ledMs: number; seconds: number; sysfsRoot: string }) => {
      const file = configPath(options.config);
      const config = await loadDeviceConfig(file, process.env, {
        allowMissing: options.config === undefined,
      });
      const provider = new OnoffGpioProvider({
        sysfsRoot: options.sysfsRoot,
        chip: config.gpio.chip,
        pollMs: config.gpio.pollMs,
      });
      const chip = await provider.chip();
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`header chip ${chip.name} "${chip.label}": base ${chip.base}, ${chip.ngpio} lines`);
      if (!config.gpio.enabled) out(`note: gpio.enabled is false in ${file}; the daemon will not use GPIO`);
      await runGpioTest({
        config: config.gpio,
        provider,
        clock: systemClock,
        ledMs: options.ledMs,
        listenMs: options.seconds * 1000,
        out,
      });
    });
}
