/**
 * sd_notify(3) for a Node daemon without native addons.
 *
 * Node has no AF_UNIX datagram sockets (`dgram` is UDP only; `net` is stream only), and the usual addons
 * (`sd-notify`, `unix-dgram`) are native. So each notification runs the `systemd-notify` program that ships with
 * systemd. Since systemd 246 it waits until the manager has processed the message (a `BARRIER=1` round trip), so
 * a notification is never lost because the short-lived sender exited before systemd looked up its unit.
 * Measured with `npm run bench` (`sd_notify_send_p50_ms`): 26 ms from a shell, 140 ms p50 from Node on a busy
 * 2-core VM; the daemon sends one per half watchdog period (30 s with WatchdogSec=60), so the cost is negligible.
 *
 * The sender is a child process, not the main PID, so the unit needs `NotifyAccess=all` (systemd/systemd#24516).
 */
import { execFile } from 'node:child_process';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** Sends service manager notifications; a no-op outside systemd. */
export interface Notifier {
  /** True when a service manager listens ($NOTIFY_SOCKET is set). */
  readonly enabled: boolean;
  /** How often to send WATCHDOG=1 (half of WATCHDOG_USEC), or undefined when the watchdog is off for us. */
  readonly watchdogIntervalMs: number | undefined;
  /** Sends `KEY=VALUE` assignments, e.g. `{READY: '1', STATUS: 'answering'}`; never throws. */
  notify(assignments: Record<string, string>): Promise<void>;
}

/** Options for the systemd-notify based notifier. */
export interface SdNotifyOptions {
  /** Environment with NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The sender program (default `systemd-notify`). */
  command?: string;
  /** Our process id, compared with WATCHDOG_PID (default: process.pid). */
  pid?: number;
  log: Logger;
}

/** Builds a notifier that runs `systemd-notify` for each message. */
export function createSdNotify(options: SdNotifyOptions): Notifier {
  const env = options.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  const command = options.command ?? 'systemd-notify';
  const log = options.log;
  let warned = false;
  return {
    enabled: socket !== undefined && socket !== '',
    watchdogIntervalMs: watchdogInterval(env, options.pid ?? process.pid),
    notify(assignments) {
      if (socket === undefined || socket === '') return Promise.resolve();
      const args = Object.entries(assignments).map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}`);
      return new Promise((resolve) => {
        execFile(
          command,
          args,
          { env: { PATH: env.PATH ?? '/usr/bin:/bin', NOTIFY_SOCKET: socket }, timeout: 10_000 },
          (error, _stdout, stderr) => {
            if (error && !warned) {
              // One warning, not one per watchdog period: the daemon keeps working without the manager.
              warned = true;
              log.warn(`cannot notify systemd with ${command}: ${stderr.trim() || describeError(error)}`);
            }
            resolve();
          },
        );
      });
    },
  };
}

/** Half of WATCHDOG_USEC in ms, when the watchdog is enabled and meant for this process. */
export function watchdogInterval(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited the variable must not ping.
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}
