/**
 * The weekly digest on its schedule. Once a week at a fixed local time in the shop's timezone (`digest.day`,
 * `digest.time` of the device config) the digest of the 7 days before is built from the box's call store,
 * published to the fleet on `lk/v1/{deviceId}/digest/weekly` and, when the shop profile sets
 * `reports.weekly_text`, texted to the owner.
 *
 * The publish is QoS 1 and not retained: like the call summaries it is an event, not a state (fleet.md §3
 * retains only state, config and pending jobs); the fleet's consumer reads it through a persistent session.
 * Each step (publish, text) is remembered durably in the data dir once done, so a restart never sends a week
 * twice, and a box that was off or offline at the time sends the latest missed week once when it is back. Nothing
 * is queued: the week's window is fixed, so every attempt rebuilds the same digest from the store. A publish
 * that finds MQTT down waits for the next connect; a failed text or a refused publish is tried again later.
 */
import { join } from 'node:path';
import type { Low } from 'lowdb';
import { DateTime, type WeekdayNumbers } from 'luxon';
import type { CallRecordsService } from '../app/call-records.js';
import type { DaemonContext } from '../app/daemon.js';
import type { Service } from '../app/service.js';
import { type ShopProfile, WEEKDAYS, type Weekday } from '../config/shop-schema.js';
import { describeError, ErrorCode, isLinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { type DurableIo, nodeDurableIo } from '../store/durable-io.js';
import { openDocument, type Versioned } from '../store/json-document.js';
import { type Clock, systemClock, type TimerHandle } from '../time/clock.js';
import { buildPeriodDigest } from './build-report.js';
import { DIGEST_TOPIC, ownerText, type SendText, type WeeklyDigest } from './digest.js';
import { type CallRecordSource, storeSource } from './record-source.js';

/** When the digest goes out: a weekday and a time of day (`HH:MM`) in an IANA timezone. */
export interface DigestSchedule {
  day: Weekday;
  time: string;
  timezone: string;
}

/** The latest scheduled moment at or before `at` (epoch ms), in the schedule's timezone. */
export function lastScheduled(at: number, schedule: DigestSchedule): DateTime {
  const local = DateTime.fromMillis(at, { zone: schedule.timezone });
  const inWeekOf = (day: DateTime) => {
    const [hour, minute] = schedule.time.split(':').map(Number);
    const weekday = (WEEKDAYS.indexOf(schedule.day) + 1) as WeekdayNumbers;
    return day.set({ weekday, hour, minute, second: 0, millisecond: 0 });
  };
  const thisWeek = inWeekOf(local);
  return thisWeek.toMillis() <= at ? thisWeek : inWeekOf(local.minus({ weeks: 1 }));
}

/** The scheduled moment after `scheduled` (a week later at the same local time, whatever DST did). */
function nextScheduled(scheduled: DateTime, schedule: DigestSchedule): DateTime {
  return lastScheduled(scheduled.plus({ weeks: 1, hours: 12 }).toMillis(), schedule);
}

/** The part of the MQTT connection the digest uses. */
export type DigestLink = Pick<MqttConnection, 'connected' | 'publish' | 'topic' | 'onConnect'>;

/** What the service needs. */
export interface DigestServiceOptions {
  deviceId: string;
  profile: ShopProfile;
  /** When it goes out; the timezone is the shop's. */
  schedule: DigestSchedule;
  /** The box's call records. */
  source: CallRecordSource;
  /** Where the weeks already handled are remembered. */
  stateFile: string;
  /** The box's MQTT connection; without one (mqtt disabled) nothing is published. */
  link?: DigestLink;
  /** Texts the owner (the modem). */
  sendText: SendText;
  log: Logger;
  clock?: Clock;
  io?: DurableIo;
  /** Wait before trying a failed text, a refused publish or a failed build again, ms. */
  retryMs?: number;
  /**
   * Longest single timer, ms: the schedule is checked at least this often, so a clock set late (a Pi has no
   * real-time clock; NTP moves it after boot) is noticed without waiting out a timer set from the old time.
   */
  checkMs?: number;
}

/** The steps of a week, each remembered (as the ISO time of the week's scheduled moment) once done. */
interface DigestState {
  published: string;
  texted: string;
}

type Step = keyof DigestState;

/** Publishes (and texts) the weekly digest on schedule. */
export class DigestService implements Service {
  readonly name = 'digest';
  readonly #o: DigestServiceOptions;
  readonly #clock: Clock;
  #state: Low<Versioned<DigestState>> | undefined;
  #timer: TimerHandle | undefined;
  #offConnect: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  /** A step failed in a way that a later attempt may fix (not a lost MQTT connection: connects retry that). */
  #retry = false;

  constructor(options: DigestServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Reads what was already sent, then sends a missed week (if any) and waits for the next one. A state file it
   * cannot read turns the digest off (logged) rather than stopping the daemon or sending weeks twice.
   */
  async start(): Promise<void> {
    const { log, stateFile } = this.#o;
    try {
      this.#state = await openDocument<DigestState>({
        file: stateFile,
        io: this.#o.io ?? nodeDurableIo,
        defaults: { published: '', texted: '' },
        version: 1,
        report: (problem) => log.warn(problem.message),
      });
    } catch (e) {
      log.error(`weekly digest off: cannot read ${stateFile}: ${describeError(e)}`);
      return;
    }
    if (this.#state.data.published === '' && this.#state.data.texted === '') {
      // A new box has missed nothing: its first digest goes out at the next scheduled time.
      const current = lastScheduled(this.#clock.now(), this.#o.schedule).toISO() ?? '';
      await this.#remember({ published: current, texted: current });
    }
    this.#stopped = false;
    this.#offConnect = this.#o.link?.onConnect(() => this.#kick());
    this.#kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.clear();
    this.#timer = undefined;
    this.#offConnect?.();
    this.#offConnect = undefined;
    await this.idle();
  }

  /** Resolves once the check in progress (if any) has finished. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#timer?.clear();
    this.#timer = undefined;
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#check();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
      this.#arm();
    });
  }

  #arm(): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    const next = nextScheduled(lastScheduled(now, this.#o.schedule), this.#o.schedule).toMillis();
    const wait = Math.min(next - now, this.#o.checkMs ?? 3_600_000, this.#retry ? this.#retryMs : Infinity);
    this.#timer = this.#clock.setTimeout(() => this.#kick(), Math.max(0, wait));
  }

  get #retryMs(): number {
    return this.#o.retryMs ?? 15 * 60_000;
  }

  async #check(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    this.#retry = false;
    const due = lastScheduled(this.#clock.now(), this.#o.schedule);
    const week = due.toISO() ?? '';
    const pending = (['published', 'texted'] as const).filter((step) => !handled(state.data[step], due));
    if (pending.length === 0) return;
    const { link, profile, log } = this.#o;
    let digest: WeeklyDigest | undefined;
    const build = async () => {
      digest ??= await buildPeriodDigest(this.#o.source, profile, {
        from: due.minus({ days: 7 }).toJSDate(),
        to: due.toJSDate(),
        deviceId: this.#o.deviceId,
      });
      return digest;
    };
    for (const step of pending) {
      if (this.#stopped) return;
      try {
        if (step === 'published') {
          if (link) {
            if (!link.connected) continue; // the next connect checks again
            await link.publish(link.topic(DIGEST_TOPIC), JSON.stringify(await build()), { qos: 1 });
            log.info(`published the weekly digest of the week to ${week}`);
          }
        } else if (profile.reports?.weekly_text) {
          const text = ownerText(await build(), profile, profile.languages[0] ?? 'en');
          await this.#o.sendText(profile.owner.mobile, text);
          log.info(`texted the weekly digest of the week to ${week} to the owner`);
        }
      } catch (e) {
        if (!this.#failed(step, e)) continue;
      }
      await this.#remember({ [step]: week });
    }
  }

  /** Logs a failed step; true when it is final for this week (nothing to retry), false to try again later. */
  #failed(step: Step, e: unknown): boolean {
    const { log } = this.#o;
    if (isLinekeeperError(e) && e.code === ErrorCode.Mqtt_Unreachable) {
      log.info(`weekly digest not published yet (${describeError(e)}); sending it when MQTT is back`);
      return false;
    }
    if (step === 'texted' && isLinekeeperError(e) && e.code === ErrorCode.Modem_Unsupported) {
      log.warn(`the weekly digest text cannot be sent: ${describeError(e)}`);
      return true;
    }
    log.warn(`weekly digest ${step === 'published' ? 'publish' : 'text'} failed: ${describeError(e)}`);
    this.#retry = true;
    return false;
  }

  /** Marks steps done (in memory at once, so they are not repeated; on disk unless the write fails, logged). */
  async #remember(steps: Partial<DigestState>): Promise<void> {
    const state = this.#state;
    if (!state) return;
    Object.assign(state.data, steps);
    await state
      .write()
      .catch((e: unknown) =>
        this.#o.log.error(
          `could not remember the weekly digest ${JSON.stringify(steps)}: ${describeError(e)}`,
        ),
      );
  }
}

/** True when a step was done for the week scheduled at `due` (or a later one). */
function handled(mark: string, due: DateTime): boolean {
  return mark !== '' && Date.parse(mark) >= due.toMillis();
}

/** The digest service of a real box: the device config's schedule, the store, the MQTT connection, the modem. */
export function createDigestService(
  context: DaemonContext,
  records: CallRecordsService,
  link: MqttConnection | undefined,
  sendText: SendText,
): DigestService {
  const { config, shop, log } = context;
  return new DigestService({
    deviceId: config.device.id,
    profile: shop.profile,
    schedule: { day: config.digest.day, time: config.digest.time, timezone: shop.profile.timezone },
    // The store opens when the records service starts, before this one.
    source: storeSource({ records: (query) => records.store.records(query) }),
    stateFile: join(config.storage.dataDir, 'digest-state.json'),
    ...(link ? { link } : {}),
    sendText,
    log: log.child('digest'),
  });
}
