/**
 * The fleet's `reload`, and restarts that do not cut a caller off.
 *
 * Every service reads the device config and the shop profile once, at start (speech plans its engines and renders
 * the prompts from the profile, the intent model is trained for it), so a new config or profile takes effect by a
 * restart of the daemon. `reload` first reads and validates both files as `check-config` does: a broken file is an
 * error naming the problem and nothing restarts; unchanged files need no restart. A restart waits for the call in
 * progress to end.
 *
 *   reload ─► load + validate config, profile, orders ─invalid─► error, keep running
 *                    └─ changed? ─no─► "nothing to reload"
 *                           └─yes─► IdleRestart: line idle ─► restart now │ in a call ─► restart when it ends
 */
import { isDeepStrictEqual } from 'node:util';
import type { DaemonContext } from '../app/daemon.js';
import type { CallManager } from '../calls/call-manager.js';
import { loadDeviceConfig, loadShopProfile } from '../config/load.js';
import type { Logger } from '../log/logger.js';

/** When a requested restart happens. */
export type RestartTiming = 'now' | 'after-call';

/** Restarts the daemon at once when the line is idle, otherwise as soon as the call in progress ends. */
export class IdleRestart {
  #pending: string | undefined;

  constructor(
    private readonly calls: Pick<CallManager, 'state' | 'once'>,
    private readonly restart: (reason: string) => void,
    private readonly log: Logger,
  ) {}

  /** Asks for a restart for `reason`; says whether it happens now or after the call. */
  request(reason: string): RestartTiming {
    if (this.calls.state === 'idle') {
      this.restart(reason);
      return 'now';
    }
    if (this.#pending === undefined) {
      this.log.info(`restart for ${reason} waits for the call in progress to end`);
      this.calls.once('ended', () => {
        const why = this.#pending ?? reason;
        this.#pending = undefined;
        this.restart(why);
      });
    }
    this.#pending = reason;
    return 'after-call';
  }
}

/** What `reload` found and did. */
export interface ReloadResult {
  /** What differs from what the daemon runs: `device config`, `shop profile`, `orders`. */
  changed: string[];
  restart: RestartTiming | 'not-needed';
  message: string;
}

/** Which of config, profile and orders on disk differ from what `context` runs; throws when one is invalid. */
export async function changedSinceStart(
  context: Pick<DaemonContext, 'config' | 'configFile' | 'shop'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const config = await loadDeviceConfig(context.configFile, env);
  const shop = await loadShopProfile(config.shopProfile);
  const changed: string[] = [];
  if (!isDeepStrictEqual(config, context.config)) changed.push('device config');
  if (shop.file !== context.shop.file || shop.hash !== context.shop.hash) changed.push('shop profile');
  if (!isDeepStrictEqual(shop.orders, context.shop.orders)) changed.push('orders');
  return changed;
}

/** The `reload` command: validate, then restart (when the line is idle) only if something changed. */
export async function reload(
  context: Pick<DaemonContext, 'config' | 'configFile' | 'shop'>,
  restarts: IdleRestart,
): Promise<ReloadResult> {
  const changed = await changedSinceStart(context);
  if (changed.length === 0)
    return {
      changed,
      restart: 'not-needed',
      message: 'the device config and the shop profile are valid and unchanged: nothing to reload',
    };
  const restart = restarts.request(`reload (${changed.join(', ')} changed)`);
  return {
    changed,
    restart,
    message: `${changed.join(', ')} valid and changed: ${
      restart === 'now'
        ? 'restarting now to load them'
        : 'restarting to load them as soon as the call in progress ends'
    }`,
  };
}
