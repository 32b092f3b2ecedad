/**
 * Telemetry of a box: what the host shows (CPU temperature, load, memory, disk) plus what other services expose
 * through small getters (modem, outbox, call counts, models, profile; `box-telemetry.ts` builds them from the
 * daemon's services). A getter that is missing or fails reads "unknown"; what a modem does not have (an analog line
 * has no SIM and no network) reads "not-applicable".
 */
import { readFile, statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';

/** A value or "unknown". */
export type Known<T> = T | 'unknown';

/** A modem reading, or "not-applicable" when the modem has no such thing (an analog line: no SIM, no network). */
export type ModemReading<T> = T | 'not-applicable';

/** What the modem getter reports; absent fields read "unknown". */
export interface ModemTelemetry {
  /** The modem's supervisor state (`ready`, `port-lost`, …). */
  state?: string;
  signalDbm?: ModemReading<number>;
  /** `ready`, `pin-required`, `puk-required`, `absent`, or what the modem said. */
  sim?: ModemReading<string>;
  /** `home`, `roaming`, `searching`, `denied`, `not-registered`. */
  registration?: ModemReading<string>;
}

/** A getter: sync, or async when it has to ask a device or read a store. */
type Source<T> = () => T | Promise<T>;

/** Getters other services provide; all optional. */
export interface TelemetrySources {
  modem?: Source<ModemTelemetry>;
  outbox?: Source<{ depth: number; oldestAgeS: number } | undefined>;
  calls?: Source<{ today: number; escalationsToday: number }>;
  /** The verified speech models installed: name → short SHA-256 of what each was installed from. */
  models?: Source<Record<string, string>>;
  /** The shop profile's version (a short hash of the file). */
  profile?: Source<string>;
}

/** One telemetry message. */
export interface Telemetry {
  ts: string;
  cpuTempC: Known<number>;
  load: number[];
  memory: { freeMb: number; totalMb: number };
  disk: Known<{ freeMb: number; totalMb: number }>;
  modem: {
    state: Known<string>;
    signalDbm: Known<ModemReading<number>>;
    sim: Known<ModemReading<string>>;
    registration: Known<ModemReading<string>>;
  };
  outbox: { depth: Known<number>; oldestAgeS: Known<number> };
  calls: { today: Known<number>; escalationsToday: Known<number> };
  versions: { app: string; models: Known<Record<string, string>>; profile: Known<string> };
}

async function safe<T>(getter: Source<T> | undefined): Promise<T | undefined> {
  try {
    return await getter?.();
  } catch {
    return undefined;
  }
}

/** Collects one telemetry message. */
export async function collectTelemetry(options: {
  sources: TelemetrySources;
  dataDir: string;
  appVersion: string;
  thermalFile?: string;
}): Promise<Telemetry> {
  const temp = await readFile(options.thermalFile ?? '/sys/class/thermal/thermal_zone0/temp', 'utf8').then(
    (text) => Number(text.trim()) / 1000,
    () => undefined,
  );
  const disk = await statfs(options.dataDir).then(
    (fs) => ({
      freeMb: Math.floor((fs.bavail * fs.bsize) / 2 ** 20),
      totalMb: Math.floor((fs.blocks * fs.bsize) / 2 ** 20),
    }),
    () => undefined,
  );
  const [modem, outbox, calls, models, profile] = await Promise.all([
    safe(options.sources.modem),
    safe(options.sources.outbox),
    safe(options.sources.calls),
    safe(options.sources.models),
    safe(options.sources.profile),
  ]);
  return {
    ts: new Date().toISOString(),
    cpuTempC: temp !== undefined && Number.isFinite(temp) ? Math.round(temp * 10) / 10 : 'unknown',
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    memory: { freeMb: Math.floor(freemem() / 2 ** 20), totalMb: Math.floor(totalmem() / 2 ** 20) },
    disk: disk ?? 'unknown',
    modem: {
      state: modem?.state ?? 'unknown',
      signalDbm: modem?.signalDbm ?? 'unknown',
      sim: modem?.sim ?? 'unknown',
      registration: modem?.registration ?? 'unknown',
    },
    outbox: { depth: outbox?.depth ?? 'unknown', oldestAgeS: outbox?.oldestAgeS ?? 'unknown' },
    calls: { today: calls?.today ?? 'unknown', escalationsToday: calls?.escalationsToday ?? 'unknown' },
    versions: {
      app: options.appVersion,
      models: models ?? 'unknown',
      profile: profile ?? 'unknown',
    },
  };
}
