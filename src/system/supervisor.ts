/**
 * The daemon's side of systemd supervision:
 *
 *   start services ──► READY=1 (or READY=1 + STATUS=degraded after the timeout, start goes on)
 *   every WATCHDOG_USEC/2 ──► health check ──ok──► WATCHDOG=1   (failing: no ping, systemd restarts us)
 *   SIGTERM ──► STOPPING=1 ──► services stop in reverse
 *
 * A ping that is sent unconditionally only catches a fully blocked event loop; gating it on a health check
 * (event-loop delay plus what each service reports) also catches a daemon that runs but no longer works.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import type { Notifier } from './sd-notify.js';

/** The result of a health check. */
export interface Health {
  ok: boolean;
  /** Why it is not ok, in plain words. */
  reason?: string;
}

/** Options of the supervisor. */
export interface SupervisorOptions {
  notifier: Notifier;
  log: Logger;
  /** Extra health checks (services); all must pass for a watchdog ping. */
  health?: () => Health;
  /** READY=1 is sent after this long even if services are still starting (default 90 s). */
  degradedAfterMs?: number;
  /** Event-loop delay (p99 over the last period) above which the daemon counts as unhealthy (default 5 s). */
  maxLoopDelayMs?: number;
  /** Called after each watchdog period with whether a ping was sent (tests and diagnostics). */
  onWatchdogTick?: (health: Health) => void;
}

/** Tells systemd when the daemon is ready, alive and stopping. */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 20 });
  #watchdog: NodeJS.Timeout | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  /** Waits for `starting`; sends READY=1 when it resolves, or earlier (degraded) when it takes too long. */
  async startup<T>(starting: Promise<T>): Promise<T> {
    const { notifier, log } = this.#options;
    const degradedAfterMs = this.#options.degradedAfterMs ?? 90_000;
    let readySent = false;
    const timer = setTimeout(() => {
      readySent = true;
      log.warn(`services still starting after ${degradedAfterMs} ms: reporting ready in degraded mode`);
      void notifier.notify({ READY: '1', STATUS: 'degraded: services still starting' });
    }, degradedAfterMs);
    try {
      const result = await starting;
      await notifier.notify(
        readySent ? { STATUS: 'running: all services started' } : { READY: '1', STATUS: 'running' },
      );
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the watchdog pings if systemd asked for them (WATCHDOG_USEC). */
  startWatchdog(): void {
    const interval = this.#options.notifier.watchdogIntervalMs;
    if (interval === undefined || this.#watchdog) return;
    this.#loopDelay.enable();
    this.#watchdog = setInterval(() => void this.#tick(), interval);
  }

  /** The current health: event-loop delay and the injected checks. */
  health(): Health {
    const maxDelay = this.#options.maxLoopDelayMs ?? 5_000;
    const p99 = this.#loopDelay.percentile(99) / 1e6;
    if (p99 > maxDelay) {
      return { ok: false, reason: `event loop delayed ${Math.round(p99)} ms (limit ${maxDelay} ms)` };
    }
    return this.#options.health?.() ?? { ok: true };
  }

  /** Stops the pings and sends STOPPING=1; call before stopping the services. */
  async stopping(): Promise<void> {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#loopDelay.disable();
    await this.#options.notifier.notify({ STOPPING: '1', STATUS: 'stopping' });
  }

  async #tick(): Promise<void> {
    const health = this.health();
    this.#loopDelay.reset();
    if (health.ok) {
      await this.#options.notifier.notify({ WATCHDOG: '1' });
    } else {
      this.#options.log.error(`unhealthy, withholding the watchdog ping: ${health.reason ?? 'unknown'}`);
      await this.#options.notifier.notify({ STATUS: `unhealthy: ${health.reason ?? 'unknown'}` });
    }
    this.#options.onWatchdogTick?.(health);
  }
}
