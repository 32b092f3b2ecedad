/**
 * Telemetry getters from the daemon's own services, for the fleet agent:
 *
 *   modem: SIM, signal, registration from the driver's health query (AT+CPIN?/CSQ/CEREG?/CREG? on GSM; an
 *          analog V.253 modem has none of them: "not-applicable"), asked only while the modem is ready and
 *          the line idle (an analog modem in voice mode takes no commands); during a call the last reading stands
 *   outbox: events waiting for the cloud's acknowledgement and the age of the oldest (the sync outbox)
 *   calls:  calls and escalations since midnight in the shop's timezone (the record store), recounted only when
 *          the store or the day changed
 *   models: the models of models/manifest.json that verify in the models directory as `linekeeper models verify`
 *          checks them (every file hashed), each with the first 12 hex digits of the SHA-256 it was installed
 *          from; verified again only while the line is idle and when a model's files changed (size or mtime)
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { CallRecordsService } from '../app/call-records.js';
import type { CallManager } from '../calls/call-manager.js';
import type { ModemProbe } from '../doctor/checks.js';
import type { ModemHealth } from '../modem/driver.js';
import type { Modem } from '../modem/modem.js';
import { type InstallReceipt, RECEIPT_FILE } from '../speech/models/install.js';
import { defaultManifestPath, loadManifest, type Manifest } from '../speech/models/manifest.js';
import { verifyAll } from '../speech/models/verify.js';
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

/** Size and mtime of every file the manifest lists (and each receipt): changes when a model is (re)installed. */
async function modelFilesKey(manifest: Manifest, modelsDir: string): Promise<string> {
  const paths = manifest.models.flatMap((entry) =>
    [RECEIPT_FILE, ...entry.files.map((f) => f.path)].map((path) => join(modelsDir, entry.name, path)),
  );
  const stats = await Promise.all(
    paths.map((path) =>
      stat(path).then(
        (info) => `${info.size}:${info.mtimeMs}`,
        () => '-',
      ),
    ),
  );
  return JSON.stringify([manifest.models, stats]);
}

/**
 * The verified models in `modelsDir`: name → the first 12 hex digits of the SHA-256 each was installed from (the
 * manifest's pin, or the install receipt's for an unpinned model). Hashing every model file takes seconds on a
 * Pi, so it happens only while the line is idle (during a call the last result stands, "unknown" before the first)
 * and when a model's files changed; concurrent asks share one verification.
 */
export function installedModels(options: {
  modelsDir: string;
  calls: Pick<CallManager, 'state'>;
  manifestFile?: string;
}): () => Promise<Record<string, string>> {
  let last: { key: string; models: Record<string, string> } | undefined;
  let running: Promise<Record<string, string>> | undefined;
  const verify = async (): Promise<Record<string, string>> => {
    if (options.calls.state !== 'idle') {
      if (last === undefined) throw new Error('models are verified once the call in progress ends');
      return last.models;
    }
    const manifest = await loadManifest(options.manifestFile ?? defaultManifestPath());
    const key = await modelFilesKey(manifest, options.modelsDir);
    if (last?.key === key) return last.models;
    const models: Record<string, string> = {};
    for (const status of await verifyAll(manifest, options.modelsDir)) {
      if (status.state !== 'ok') continue;
      const receipt = JSON.parse(await readFile(join(status.dir, RECEIPT_FILE), 'utf8')) as InstallReceipt;
      models[status.name] = receipt.sourceSha256.slice(0, 12);
    }
    last = { key, models };
    return models;
  };
  return () => {
    running ??= verify().finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** The telemetry getters of a box from its call records and its line. */
export function boxTelemetry(options: {
  records: Pick<CallRecordsService, 'store' | 'sync'>;
  modem: ModemReadings;
  /** The calls on the line (models are verified only while it is idle). */
  calls: Pick<CallManager, 'state'>;
  timezone: string;
  modelsDir: string;
}): Required<Pick<TelemetrySources, 'modem' | 'outbox' | 'calls' | 'models'>> {
  const { records } = options;
  return {
    modem: () => options.modem.read(),
    outbox: () => {
      const sync = records.sync;
      return sync && { depth: sync.outboxDepth, oldestAgeS: sync.outboxOldestAgeS };
    },
    calls: callsToday(records, options.timezone),
    models: installedModels({ modelsDir: options.modelsDir, calls: options.calls }),
  };
}
