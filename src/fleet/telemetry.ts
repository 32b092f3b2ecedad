/**
 * Telemetry of a box: what the host shows (CPU temperature, load, memory, disk) plus what other services expose
 * through small getters (modem, outbox, call counts, versions). A getter that is missing or fails reads "unknown".
 */
import { readFile, statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';

/** A value or "unknown". */
export type Known<T> = T | 'unknown';

/** Getters other services provide; all optional. */
export interface TelemetrySources {
  modem?: () => { signalDbm?: number; sim?: string; registration?: string };
  outbox?: () => { depth: number; oldestAgeS: number };
  calls?: () => { today: number; escalationsToday: number };
  versions?: () => { models?: string; profile?: string };
}

/** One telemetry message. */
export interface Telemetry {
  ts: string;
  cpuTempC: Known<number>;
  load: number[];
  memory: { freeMb: number; totalMb: number };
  disk: Known<{ freeMb: number; totalMb: number }>;
  modem: { signalDbm: Known<number>; sim: Known<string>; registration: Known<string> };
  outbox: { depth: Known<number>; oldestAgeS: Known<number> };
  calls: { today: Known<number>; escalationsToday: Known<number> };
  versions: { app: string; models: Known<string>; profile: Known<string> };
}

function safe<T>(getter: (() => T) | undefined): T | undefined {
  try {
    return getter?.();
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
  const modem = safe(options.sources.modem);
  const outbox = safe(options.sources.outbox);
  const calls = safe(options.sources.calls);
  const versions = safe(options.sources.versions);
  return {
    ts: new Date().toISOString(),
    cpuTempC: temp !== undefined && Number.isFinite(temp) ? Math.round(temp * 10) / 10 : 'unknown',
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    memory: { freeMb: Math.floor(freemem() / 2 ** 20), totalMb: Math.floor(totalmem() / 2 ** 20) },
    disk: disk ?? 'unknown',
    modem: {
      signalDbm: modem?.signalDbm ?? 'unknown',
      sim: modem?.sim ?? 'unknown',
      registration: modem?.registration ?? 'unknown',
    },
    outbox: { depth: outbox?.depth ?? 'unknown', oldestAgeS: outbox?.oldestAgeS ?? 'unknown' },
    calls: { today: calls?.today ?? 'unknown', escalationsToday: calls?.escalationsToday ?? 'unknown' },
    versions: {
      app: options.appVersion,
      models: versions?.models ?? 'unknown',
      profile: versions?.profile ?? 'unknown',
    },
  };
}
