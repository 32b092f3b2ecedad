/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */

import { version } from '../cli/version.js';
import { createDeviceConnection, type MqttConnection } from '../mqtt/connection.js';
import { CallRecordsService } from './call-records.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** The shared core other capabilities are wired to: the call records and the box's MQTT connection. */
export interface CoreServices {
  /** Keep calls (`recordCall`) and read them (`get`, `list`). */
  records: CallRecordsService;
  /** The box's one MQTT connection (`mqtt.enabled` only): the fleet agent publishes and subscribes on it. */
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

/** Builds the services the daemon runs on real hardware. */
export function composeServices(context: DaemonContext): Service[] {
  return composeCore(context).services;
}
