/**
 * Small documents (store metadata, counters) kept with lowdb behind a durable adapter.
 *
 * lowdb itself never fsyncs and fails on a truncated file (fleet.md §7). This adapter writes through
 * `DurableIo.replace`, keeps the previous good version as `<file>.bak`, and at read time quarantines a torn or
 * corrupt file (renames it into `quarantine/`), falls back to the `.bak`, and reports the problem. Each document
 * carries a `schemaVersion` and is migrated step by step on open.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import { ErrorCode, LinekeeperError } from '../errors.js';
import type { DurableIo } from './durable-io.js';

/** A problem found while loading stored files; the store reports these and keeps going. */
export interface StoreProblem {
  file: string;
  /** Where the damaged file was moved, if it was. */
  quarantinedTo?: string;
  message: string;
}

/** Moves a damaged file into `quarantineDir` with a time stamp; returns the new path. */
export async function quarantine(io: DurableIo, file: string, quarantineDir: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = join(quarantineDir, `${basename(file)}.${stamp}.corrupt`);
  await io.move(file, target);
  return target;
}

/** Keeps a durable copy of a damaged file in `quarantineDir` (the original stays); returns the copy's path. */
export async function quarantineCopy(io: DurableIo, file: string, quarantineDir: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = join(quarantineDir, `${basename(file)}.${stamp}.corrupt`);
  await io.replace(target, await readFile(file));
  return target;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A lowdb adapter with durable writes, a `.bak` of the last good version and quarantine of damaged files. */
export class DurableJsonAdapter<T> implements Adapter<T> {
  #lastGood: string | null = null;

  constructor(
    readonly file: string,
    readonly io: DurableIo,
    readonly quarantineDir: string,
    readonly report: (problem: StoreProblem) => void,
  ) {}

  async read(): Promise<T | null> {
    const text = await readText(this.file);
    if (text === null) return this.#fromBackup();
    try {
      const data = JSON.parse(text) as T;
      this.#lastGood = text;
      return data;
    } catch (e) {
      const to = await quarantine(this.io, this.file, this.quarantineDir);
      const fromBackup = await this.#fromBackup();
      this.report({
        file: this.file,
        quarantinedTo: to,
        message: `${basename(this.file)} is damaged (${(e as Error).message}); moved aside, ${
          fromBackup === null ? 'no backup: starting from defaults' : 'restored the previous version'
        }`,
      });
      return fromBackup;
    }
  }

  async write(data: T): Promise<void> {
    const text = `${JSON.stringify(data, null, 1)}\n`;
    if (this.#lastGood !== null) await this.io.replace(`${this.file}.bak`, this.#lastGood);
    await this.io.replace(this.file, text);
    this.#lastGood = text;
  }

  async #fromBackup(): Promise<T | null> {
    const text = await readText(`${this.file}.bak`);
    if (text === null) return null;
    try {
      const data = JSON.parse(text) as T;
      this.#lastGood = text;
      return data;
    } catch {
      await quarantine(this.io, `${this.file}.bak`, this.quarantineDir);
      return null;
    }
  }
}

/** A versioned document: `schemaVersion` plus the document's own fields. */
export type Versioned<T> = T & { schemaVersion: number };

/** Upgrades a document from version `n - 1` to `n` (key `n`). */
export type Migrations = Record<number, (old: Record<string, unknown>) => Record<string, unknown>>;

/** Opens (creating or migrating) a durable lowdb document. */
export async function openDocument<T extends object>(options: {
  file: string;
  io: DurableIo;
  defaults: T;
  version: number;
  migrations?: Migrations;
  report: (problem: StoreProblem) => void;
  quarantineDir?: string;
}): Promise<Low<Versioned<T>>> {
  const quarantineDir = options.quarantineDir ?? join(dirname(options.file), 'quarantine');
  const adapter = new DurableJsonAdapter<Versioned<T>>(
    options.file,
    options.io,
    quarantineDir,
    options.report,
  );
  const db = new Low<Versioned<T>>(adapter, { ...options.defaults, schemaVersion: options.version });
  await db.read();
  let data = db.data as unknown as Record<string, unknown>;
  const from = typeof data.schemaVersion === 'number' ? data.schemaVersion : 0;
  if (from > options.version) {
    throw new LinekeeperError(
      ErrorCode.Store_SchemaNewer,
      `${options.file} has schema version ${from}, newer than this release understands (${options.version}); install a newer release`,
    );
  }
  if (from < options.version) {
    for (let v = from + 1; v <= options.version; v++) {
      const step = options.migrations?.[v];
      data = step ? step(data) : data;
      data.schemaVersion = v;
    }
    db.data = { ...options.defaults, ...data } as Versioned<T>;
    await db.write();
  }
  return db;
}
