/** Builds the fleet agent for the daemon on its MQTT connection, wired to the box's call records and line. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { CallRecordsService } from '../app/call-records.js';
import type { DaemonContext } from '../app/daemon.js';
import type { CallManager } from '../calls/call-manager.js';
import { version } from '../cli/version.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { FleetAgent } from './agent.js';
import { boxTelemetry, type LineReadingSource, ModemReadings } from './box-telemetry.js';
import { exportCalls } from './calls-export.js';
import { IdleRestart, reload } from './reload.js';
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

/** The services of the box the fleet agent reports on and acts through. */
export interface BoxServices {
  /** Call records (telemetry counts, `calls.export`) and the sync outbox (telemetry). */
  records: Pick<CallRecordsService, 'store' | 'sync' | 'policy'>;
  /** The modem (telemetry, `selftest`) and the calls on it (restarts wait for the call in progress). */
  line: { modem: LineReadingSource['modem']; calls: Pick<CallManager, 'state' | 'once'> };
}

/** The fleet agent of a real box, reporting on and acting through `box`. */
export function createFleetAgent(
  context: DaemonContext,
  connection: MqttConnection,
  box: BoxServices,
): FleetAgent {
  const { config, log } = context;
  const stateFile = join(config.storage.dataDir, 'fleet-state.json');
  // Config pushes, reload, restart, new models and app updates (and their rollback) wait for the call in progress.
  const restarts = new IdleRestart(
    box.line.calls,
    (reason) => context.requestRestart(`fleet ${reason}`),
    log,
  );
  const modem = new ModemReadings(box.line);
  let agent: FleetAgent | undefined;
  const updater = new Updater({
    installDir: config.fleet.installDir,
    dataDir: config.storage.dataDir,
    modelsDir: config.speech.modelsDir,
    modelsBaseUrl: config.speech.modelsBaseUrl,
    get state() {
      if (!agent) throw new Error('the fleet agent has not started');
      return agent.state;
    },
    healthSeconds: config.fleet.updateHealthSeconds,
    healthCheck: releaseHealthCheck(config.fleet.installDir, context.configFile, () => connection.connected),
    restartWhenIdle: (reason, before) => restarts.request(reason, before),
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
    telemetry: {
      profile: () => context.shop.hash.slice(0, 12),
      ...boxTelemetry({
        records: box.records,
        modem,
        calls: box.line.calls,
        timezone: context.shop.profile.timezone,
        modelsDir: config.speech.modelsDir,
      }),
    },
    modemProbe: modem,
    telemetryIntervalMs: config.fleet.telemetryIntervalSeconds * 1000,
    dataDir: config.storage.dataDir,
    updater,
    // A new config or profile takes effect through a restart: every service reads them at start.
    onApplied: async (kind) => {
      restarts.request(`new ${kind}`);
    },
    commands: {
      reload: async () => reload(context, restarts),
      restart: async (args) => {
        if (args.force === true) {
          context.requestRestart('fleet restart force=true');
          return 'restarting now';
        }
        return restarts.request('restart') === 'now'
          ? 'restarting now'
          : 'restarting as soon as the call in progress ends (force=true restarts now)';
      },
      'calls.export': async (args) => exportCalls(box.records, args),
    },
    log: log.child('fleet'),
  });
  return agent;
}
