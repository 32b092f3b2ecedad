/** The services of a real box, in start order. Only this module wires real hardware. */
import { join } from 'node:path';
import { profileById } from '../../device/profiles/index.js';
import { LineService } from '../calls/line-service.js';
import { version } from '../cli/version.js';
import { createFleetAgent } from '../fleet/wiring.js';
import { GpioService } from '../gpio/gpio-service.js';
import { OnoffGpioProvider } from '../gpio/onoff-provider.js';
import { createDeviceConnection, type MqttConnection } from '../mqtt/connection.js';
import { createDigestService } from '../report/digest-service.js';
import { SpeechService } from '../speech/speech-service.js';
import { CallHandling } from './call-handling.js';
import { CallRecordsService } from './call-records.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** The shared core other capabilities are wired to: the call records and the box's MQTT connection. */
export interface CoreServices {
  /** Keep calls (`recordCall`) and read them (`get`, `list`). */
  records: CallRecordsService;
  /** The box's one MQTT connection (`mqtt.enabled` only): sync and the fleet agent publish and subscribe on it. */
  connection: MqttConnection | undefined;
  /** In start order. */
  services: Service[];
}

/** Builds the core: MQTT connection (when enabled) then the call records service (store + sync). */
export function composeCore(context: DaemonContext): CoreServices {
  const { config, shop, log } = context;
  const connection = config.mqtt.enabled
    ? createDeviceConnection(config.mqtt, config.device.id, log.child('mqtt'), { app: version() })
    : undefined;
  const records = new CallRecordsService({
    config,
    retentionDays: shop.profile.privacy.retention_days,
    log: log.child('records'),
    ...(connection ? { connection } : {}),
  });
  return { records, connection, services: [...(connection ? [connection] : []), records] };
}

/** Builds the services the daemon runs on real hardware: core, GPIO, the line, speech, calls, the fleet agent. */
export function composeServices(context: DaemonContext): Service[] {
  const { config, shop, log } = context;
  const core = composeCore(context);
  const services: Service[] = [...core.services];
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
  const sendText = (number: string, text: string) => line.modem.sendText(number, text);
  if (config.digest.enabled)
    services.push(createDigestService(context, core.records, core.connection, sendText));
  const speech = new SpeechService({
    speech: config.speech,
    profile: shop.profile,
    log: log.child('speech'),
  });
  services.push(
    speech,
    new CallHandling({
      calls: line.calls,
      speech,
      records: core.records,
      shop,
      nluDir: join(config.storage.dataDir, 'nlu'),
      sendText,
      log: log.child('calls'),
    }),
  );
  if (core.connection)
    services.push(createFleetAgent(context, core.connection, { records: core.records, line }));
  return services;
}
