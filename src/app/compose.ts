/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */
import { profileById } from '../../device/profiles/index.js';
import { LineService } from '../calls/line-service.js';
import { GpioService } from '../gpio/gpio-service.js';
import { OnoffGpioProvider } from '../gpio/onoff-provider.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** Builds the services the daemon runs on real hardware. */
export function composeServices(context: DaemonContext): Service[] {
  const { config, shop, log } = context;
  const services: Service[] = [];
  let gpio: GpioService | undefined;
  if (config.gpio.enabled) {
    const gpioLog = log.child('gpio');
    const provider = new OnoffGpioProvider({
      chip: config.gpio.chip,
      pollMs: config.gpio.pollMs,
      log: gpioLog,
    });
    gpio = new GpioService({ config: config.gpio, provider, log: gpioLog });
    services.push(gpio);
  }
  const line = new LineService({
    config: config.modem,
    profile: profileById(config.modem.profile),
    log,
    ownerMobile: shop.profile.owner.mobile,
    // The HAT's power key is the last step of modem recovery, when the header has one wired.
    ...(gpio && config.gpio.powerKey >= 0 ? { powerCycle: gpio.powerCycle } : {}),
  });
  // The power key toggles power, so it only pulses after asking the modem whether it is on.
  gpio?.setModemProbe(() => line.modem.probe());
  services.push(line);
  return services;
}
