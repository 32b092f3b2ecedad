/**
 * Telemetry getters from the daemon's own services, for the fleet agent:
 *
 *   modem: SIM, signal, registration from the driver's health query (AT+CPIN?/CSQ/CEREG?/CREG? on GSM; an
 *          analog V.253 modem has none of them: "not-applicable"), asked only while the modem is ready and
 *          the line idle (an analog modem in voice mode takes no commands); during a call the last reading stands
 *   outbox: events waiting for the cloud's acknowledgement and the age of the oldest (the sync outbox)
 *   calls:  calls and escalations since midnight in the shop's timezone (the record store), recounted only when
 *          the store or the day changed
 */
import { DateTime } from 'luxon';
import type { CallRecordsService } from '../app/call-records.js';
import type { CallManager } from '../calls/call-manager.js';
import type { ModemProbe } from '../doctor/checks.js';
import type { ModemHealth } from '../modem/driver.js';
import type { Modem } from '../modem/modem.js';
import type { ModemTelemetry, TelemetrySources } from './telemetry.js';

/** The SIM as the `+CPIN?` answer (or its error) says: `ready`, `pin-required`, `puk-required`, `absent`, or as said. */
export function simStatus(raw: string): string {
  const said = raw.trim();
  switch (said.toUpperCase()) {
    case 'READY':
      return 'ready';
    case 'SIM PIN':
      return 'pin-required';
    case 'SIM PUK':
      return 'puk-required';
  }
  // 27.007 error 10 is "SIM not inserted"; in verbose mode modules say it in words.
  return /CME ERROR: *(10|SIM not inserted)$/i.test(said) ? 'absent' : said;
}

function fromHealth(health: ModemHealth): ModemTelemetry {
  // The driver says "not-applicable" for a line without a network (analog): no SIM, no signal either.
  if (health.registration === 'not-applicable')
    return { sim: 'not-applicable', signalDbm: 'not-applicable', registration: 'not-applicable' };
  const reading: ModemTelemetry = {};
  if (health.sim !== null) reading.sim = simStatus(health.sim);
  if (health.signalDbm !== null) reading.signalDbm = health.signalDbm;
  if (health.registration !== 'unknown') reading.registration = health.registration;
  return reading;
}

/** The line as the modem readings need it (the LineService has both). */
export interface LineReadingSource {
  modem: Pick<Modem, 'state' | 'health'>;
  calls: Pick<CallManager, 'state'>;
}

/** Reads the modem's SIM, signal and registration; during a call the last reading stands. */
export class ModemReadings implements ModemProbe {
  #last: ModemTelemetry = {};

  constructor(private readonly line: LineReadingSource) {}

  /** The modem state and its latest readings (none while it is not ready). */
  async read(): Promise<ModemTelemetry> {
    const state = this.line.modem.state;
    if (state !== 'ready') {
      this.#last = {};
      return { state };
    }
    if (this.line.calls.state === 'idle') {
      // A query that fails leaves no stale reading behind.
      this.#last = {};
      this.#last = fromHealth(await this.line.modem.health());
    }
    return { state, ...this.#last };
  }

  /** The same readings for `doctor`'s SIM and signal checks (the fleet `selftest`). */
  async probe(): ReturnType<ModemProbe['probe']> {
    const reading = await this.read();
    if (reading.state !== 'ready') throw new Error(`the modem is ${reading.state}`);
    const registration = reading.registration;
    return {
      sim: reading.sim ?? 'unknown',
      registered:
        registration === 'not-applicable'
          ? 'not-applicable'
          : registration === 'home' || registration === 'roaming',
      ...(typeof reading.signalDbm === 'number' && { signalDbm: reading.signalDbm }),
    };
  }
}

/** Calls and escalations since midnight in `timezone`, from the record store. */
export function callsToday(
  records: Pick<CallRecordsService, 'store'>,
  timezone: string,
  now: () => Date = () => new Date(),
): () => Promise<{ today: number; escalationsToday: number }> {
  let cached: { key: string; counts: { today: number; escalationsToday: number } } | undefined;
  return async () => {
    const store = records.store;
    const midnight = DateTime.fromJSDate(now(), { zone: timezone }).startOf('day');
    // A new record raises lastN, a purge lowers size: either (or a new day) means counting again.
    const key = `${midnight.toISO()} ${store.lastN} ${store.size}`;
    if (cached?.key === key) return cached.counts;
    const counts = { today: 0, escalationsToday: 0 };
    for await (const { record } of store.records({ since: midnight.toJSDate() })) {
      counts.today++;
      if (record.escalation) counts.escalationsToday++;
    }
    cached = { key, counts };
    return counts;
  };
}

/** The telemetry getters of a box from its call records and its line. */
export function boxTelemetry(options: {
  records: Pick<CallRecordsService, 'store' | 'sync'>;
  modem: ModemReadings;
  timezone: string;
}): Required<Pick<TelemetrySources, 'modem' | 'outbox' | 'calls'>> {
  const { records } = options;
  return {
    modem: () => options.modem.read(),
    outbox: () => {
      const sync = records.sync;
      return sync && { depth: sync.outboxDepth, oldestAgeS: sync.outboxOldestAgeS };
    },
    calls: callsToday(records, options.timezone),
  };
}
