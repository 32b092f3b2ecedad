/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */
import { readFileSync } from 'node:fs';
import { profileById } from '../../device/profiles/index.js';
import { LineService } from '../calls/line-service.js';
import { version } from '../cli/version.js';
import type { DeviceConfig } from '../config/device-schema.js';
import { ErrorCode, LinekeeperError } from '../errors.js';
import { createFleetAgent } from '../fleet/wiring.js';
import { GpioService } from '../gpio/gpio-service.js';
import { OnoffGpioProvider } from '../gpio/onoff-provider.js';
import { deviceConnectionOptions, MqttConnection, type MqttTls } from '../mqtt/connection.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

// Composition is synchronous and runs once before any service starts: three small PEM files read here.
function tlsFromConfig(mqtt: DeviceConfig['mqtt']): MqttTls | undefined {
  const tls: MqttTls = {};
  for (const [field, file] of [
    ['ca', mqtt.caFile],
    ['cert', mqtt.certFile],
    ['key', mqtt.keyFile],
  ] as const) {
    if (file === '') continue;
    try {
      tls[field] = readFileSync(file);
    } catch (cause) {
      throw new LinekeeperError(ErrorCode.Config_Unreadable, `cannot read the MQTT ${field} file ${file}`, {
        cause,
      });
    }
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

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
  if (config.mqtt.enabled) {
    // One connection for sync and the fleet agent (same client id, same lk/v1/{id} prefix).
    const connection = new MqttConnection({
      ...deviceConnectionOptions(
        config.mqtt,
        config.device.id,
        tlsFromConfig(config.mqtt),
        log.child('mqtt'),
      ),
      stateFields: { app: version() },
    });
    services.push(connection, createFleetAgent(context, connection));
  }
  return services;
}
