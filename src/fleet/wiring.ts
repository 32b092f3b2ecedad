/** Builds the fleet agent for the daemon on its MQTT connection, with the commands the daemon can serve today. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { DaemonContext } from '../app/daemon.js';
import { version } from '../cli/version.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { FleetAgent } from './agent.js';
import type { TelemetrySources } from './telemetry.js';
import { type HealthCheck, Updater } from './updater.js';

/** The health check after an app update: the new release loads this box's config, and MQTT is connected. */
export function releaseHealthCheck(
  installDir: string,
  configFile: string,
  connected: () => boolean,
): HealthCheck {
  return () =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(installDir, 'current/bin/linekeeper.js'), 'check-config', '--config', configFile],
        { timeout: 60_000 },
        (error, _stdout, stderr) => {
          if (error)
            resolve({
              ok: false,
              reason: `check-config of the new release failed: ${stderr.trim() || error.message}`,
            });
          else if (!connected()) resolve({ ok: false, reason: 'not connected to the broker' });
          else resolve({ ok: true });
        },
      );
    });
}

/** The fleet agent of a real box; `telemetry` getters come from the other services (empty = "unknown"). */
export function createFleetAgent(
  context: DaemonContext,
  connection: MqttConnection,
  telemetry: TelemetrySources = {},
): FleetAgent {
  const { config, log } = context;
  const stateFile = join(config.storage.dataDir, 'fleet-state.json');
  const restart = () => context.requestRestart('fleet');
  let agent: FleetAgent | undefined;
  const updater = new Updater({
    installDir: config.fleet.installDir,
    modelsDir: config.speech.modelsDir,
    get state() {
      if (!agent) throw new Error('the fleet agent has not started');
      return agent.state;
    },
    healthSeconds: config.fleet.updateHealthSeconds,
    healthCheck: releaseHealthCheck(config.fleet.installDir, context.configFile, () => connection.connected),
    restart,
    log: log.child('fleet:update'),
  });
  agent = new FleetAgent({
    deviceId: config.device.id,
    link: connection,
    publicKeyFile: config.fleet.publicKeyFile,
    stateFile,
    configFile: context.configFile,
    shopFile: config.shopProfile,
    appVersion: version(),
    group: config.fleet.group,
    telemetry: { versions: () => ({ profile: context.shop.hash.slice(0, 12) }), ...telemetry },
    telemetryIntervalMs: config.fleet.telemetryIntervalSeconds * 1000,
    dataDir: config.storage.dataDir,
    updater,
    // A new config or profile takes effect through a restart: every service reads them at start.
    onApplied: async () => restart(),
    commands: {
      reload: async () => {
        restart();
        return 'restarting to load the applied config and profile';
      },
      restart: async () => {
        restart();
        return 'restarting';
      },
    },
    log: log.child('fleet'),
  });
  return agent;
}
