/**
 * The composition root: reads the config and the shop profile, builds the services, starts them in order and
 * stops them in reverse on SIGTERM. Only this module (through `compose.ts`) wires real hardware.
 */

import type { DeviceConfig } from '../config/device-schema.js';
import { configPath, type LoadedShop, loadDeviceConfig, loadShopProfile } from '../config/load.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createSdNotify, type Notifier } from '../system/sd-notify.js';
import { Supervisor } from '../system/supervisor.js';
import type { Service } from './service.js';

/** What services are built from. */
export interface DaemonContext {
  config: DeviceConfig;
  /** The device config file (fleet pushes replace it). */
  configFile: string;
  /** Asks the daemon to stop and exit so that systemd starts it again (fleet restart, update, new config). */
  requestRestart(reason: string): void;
  shop: LoadedShop;
  log: Logger;
}

/** A running daemon. */
export interface Daemon {
  readonly context: DaemonContext;
  /** Stops every service in reverse order; resolves when all have stopped. */
  stop(): Promise<void>;
}

/** Starts services in order; if one fails, stops those already started and rethrows. */
export async function startServices(services: readonly Service[], log: Logger): Promise<() => Promise<void>> {
  const started: Service[] = [];
  const stopAll = async () => {
    for (const service of started.reverse()) {
      try {
        await service.stop();
        log.debug(`${service.name} stopped`);
      } catch (e) {
        log.error(`${service.name} did not stop cleanly: ${describeError(e)}`);
      }
    }
  };
  for (const service of services) {
    try {
      await service.start();
      started.push(service);
      log.info(`${service.name} started`);
    } catch (e) {
      await stopAll();
      throw e;
    }
  }
  return stopAll;
}

/** The combined health of the services that report one. */
export function servicesHealth(services: readonly Service[]): { ok: boolean; reason?: string } {
  for (const service of services) {
    const health = service.health?.();
    if (health && !health.ok)
      return { ok: false, reason: `${service.name}: ${health.reason ?? 'unhealthy'}` };
  }
  return { ok: true };
}

/**
 * Loads configuration, builds the services with `compose` and starts them under systemd supervision:
 * READY=1 when started (or degraded after `service.degradedReadySeconds`), health-gated WATCHDOG=1, STOPPING=1.
 */
export async function startDaemon(options: {
  config?: string;
  env?: NodeJS.ProcessEnv;
  compose: (context: DaemonContext) => Service[];
  /** How systemd is told about readiness; default: systemd-notify when $NOTIFY_SOCKET is set. */
  notifier?: Notifier;
  /** Called when a service asks for a restart (default: nothing). */
  requestRestart?: (reason: string) => void;
}): Promise<Daemon> {
  const env = options.env ?? process.env;
  const file = configPath(options.config, env);
  const config = await loadDeviceConfig(file, env);
  const log = createLogger({
    level: config.log.level,
    namespaces: config.log.namespaces,
    json: config.log.json,
  });
  const shop = await loadShopProfile(config.shopProfile);
  log.info(`starting as ${config.device.id}`, {
    config: file,
    shop: shop.file,
    profile: shop.hash.slice(0, 12),
  });
  const context: DaemonContext = {
    config,
    configFile: file,
    shop,
    log,
    requestRestart:
      options.requestRestart ?? (() => log.warn('restart requested, but nothing can restart here')),
  };
  const services = options.compose(context);
  const supervisor = new Supervisor({
    notifier: options.notifier ?? createSdNotify({ env, log: log.child('systemd') }),
    log: log.child('systemd'),
    health: () => servicesHealth(services),
    degradedAfterMs: config.service.degradedReadySeconds * 1000,
    maxLoopDelayMs: config.service.maxLoopDelayMs,
  });
  const stopServices = await supervisor.startup(startServices(services, log));
  supervisor.startWatchdog();
  return {
    context,
    async stop() {
      await supervisor.stopping();
      await stopServices();
    },
  };
}
