/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */

import { GpioService } from '../gpio/gpio-service.js';
import { OnoffGpioProvider } from '../gpio/onoff-provider.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** Builds the services the daemon runs on real hardware. */
export function composeServices(context: DaemonContext): Service[] {
  const { config, log } = context;
  const services: Service[] = [];
  if (config.gpio.enabled) {
    const gpioLog = log.child('gpio');
    const provider = new OnoffGpioProvider({
      chip: config.gpio.chip,
      pollMs: config.gpio.pollMs,
      log: gpioLog,
    });
    services.push(new GpioService({ config: config.gpio, provider, log: gpioLog }));
  }
  return services;
}
