/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */
import { readFileSync } from 'node:fs';
import { version } from '../cli/version.js';
import type { DeviceConfig } from '../config/device-schema.js';
import { ErrorCode, LinekeeperError } from '../errors.js';
import { createFleetAgent } from '../fleet/wiring.js';
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
  const services: Service[] = [];
  const { config, log } = context;
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
