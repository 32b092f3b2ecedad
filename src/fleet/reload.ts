/**
 * The fleet's `reload`, and restarts that do not cut a caller off.
 *
 * Every service reads the device config and the shop profile once, at start (speech plans its engines and renders
 * the prompts from the profile, the intent model is trained for it), so a new config or profile takes effect by a
 * restart of the daemon. `reload` first reads and validates both files as `check-config` does: a broken file is an
 * error naming the problem and nothing restarts; unchanged files need no restart. A restart waits for the call in
 * progress to end; so does an app update, whose switch of releases runs right before the restart.
 *
 *   reload ─► load + validate config, profile, orders ─invalid─► error, keep running
 *                    └─ changed? ─no─► "nothing to reload"
 *                           └─yes─► IdleRestart: line idle ─► restart now │ in a call ─► restart when it ends
 */
import { isDeepStrictEqual } from 'node:util';
import type { DaemonContext } from '../app/daemon.js';
import type { CallState } from '../calls/call-machine.js';
import { loadDeviceConfig, loadShopProfile } from '../config/load.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** When a requested restart happens. */
export type RestartTiming = 'now' | 'after-call';

/** The calls on the line as far as restarts care (the CallManager): whether one is on, and when it ends. */
export interface LineActivity {
  readonly state: CallState;
  once(event: 'ended', listener: () => void): unknown;
}

/** Work that must happen right before a restart (an app update switches releases then). */
export type BeforeRestart = () => Promise<void>;

/**
 * Restarts the daemon at once when the line is idle, otherwise as soon as the call in progress ends. Restarts
 * asked for here happen one after another, each after the work to do before it (`BeforeRestart`) is done.
 */
export class IdleRestart {
  #pending: string | undefined;
  #before: BeforeRestart[] = [];
  #restarting: Promise<void> = Promise.resolve();

  constructor(
    private readonly calls: LineActivity,
    private readonly restart: (reason: string) => void,
    private readonly log: Logger,
  ) {}

  /**
   * Asks for a restart for `reason`, running `before` (if given) first; says whether it happens now or after the
   * call. A `before` that fails is logged and the restart still happens.
   */
  request(reason: string, before?: BeforeRestart): RestartTiming {
    if (before) this.#before.push(before);
    if (this.calls.state === 'idle') {
      this.#restartNow(reason);
      return 'now';
    }
    if (this.#pending === undefined) {
      this.log.info(`restart for ${reason} waits for the call in progress to end`);
      this.calls.once('ended', () => {
        const why = this.#pending ?? reason;
        this.#pending = undefined;
        this.#restartNow(why);
      });
    }
    this.#pending = reason;
    return 'after-call';
  }

  #restartNow(reason: string): void {
    const before = this.#before.splice(0);
    this.#restarting = this.#restarting
      .then(async () => {
        for (const step of before)
          await step().catch((e) => this.log.error(`before the restart for ${reason}: ${describeError(e)}`));
        this.restart(reason);
      })
      .catch((e) => this.log.error(`restart for ${reason} failed: ${describeError(e)}`));
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
