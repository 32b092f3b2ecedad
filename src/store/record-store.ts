/**
 * The call record store: the box's source of truth for every call.
 *
 * Records live in month segments `records/YYYY-MM.jsonl`, one line per write, appended and fsynced, so a write
 * never rewrites a year of calls. Each line is `{n, id, at, sealed}`: a store-wide sequence number, the record
 * id, its start time and the whole record sealed with AES-256-GCM (transcripts never sit on the card in clear).
 * The last line for an id wins. At boot a segment with a torn or unreadable line is copied to `quarantine/`, its
 * good lines are written back, and the problem is reported. When a write fails because the disk is full the
 * record stays in memory, the caller gets `Store_DiskFull`, and the write is retried until it lands. Recordings
 * are sealed files `recordings/<id>.lkrec`, kept only while the disk has `minFreeMb` free.
 */
import { readdir, readFile, rm, statfs } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Low } from 'lowdb';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RecordCipher } from '../privacy/cipher.js';
import type { CallRecord } from '../records/call-record.js';
import { type DurableIo, isDiskFull, nodeDurableIo, writeError } from './durable-io.js';
import { openDocument, quarantineCopy, type StoreProblem, type Versioned } from './json-document.js';

/** Current version of the store layout (meta.json `schemaVersion`). */
export const STORE_SCHEMA_VERSION = 1;

const KEY_CHECK = 'linekeeper-records-key-check';

/** An alarm the store raises for the owner and the fleet. */
export interface StoreAlarm {
  kind: 'disk_low' | 'disk_ok' | 'disk_full' | 'disk_recovered' | 'store_corrupt';
  message: string;
}

/** One stored record and its store sequence number. */
export interface StoredRecord {
  n: number;
  record: CallRecord;
}

/** Which records to read. */
export interface RecordQuery {
  /** Records that started at or after this time. */
  since?: Date;
  /** Records that started before this time. */
  until?: Date;
  /** Only records with a store sequence number above this. */
  afterN?: number;
}

interface Line {
  n: number;
  id: string;
  at: string;
  sealed: string;
}

interface Meta {
  createdAt: string;
  /** A sealed constant: proves at boot that the key file is the one the records were sealed with. */
  keyCheck: string;
  /** Highest sequence number ever written (survives purges). */
  lastN: number;
}

interface IndexEntry {
  n: number;
  segment: string;
  at: string;
}

/** What the store needs. */
export interface RecordStoreOptions {
  dataDir: string;
  cipher: RecordCipher;
  log: Logger;
  /** Below this much free disk, recordings are not kept. */
  minFreeMb: number;
  io?: DurableIo;
  /** How often records kept in memory after a full disk are retried, ms. */
  retryMs?: number;
  /** Free space of the data directory in MiB; defaults to statfs. */
  freeMb?: (dir: string) => Promise<number>;
}

/** UTC month of an ISO time: `2026-11`. */
function monthOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`invalid time ${JSON.stringify(iso)}`);
  return date.toISOString().slice(0, 7);
}

async function statfsFreeMb(dir: string): Promise<number> {
  const s = await statfs(dir);
  return (s.bavail * s.bsize) / (1024 * 1024);
}

/** The call record store. Open it with `RecordStore.open`. */
export class RecordStore {
  readonly #o: Required<Omit<RecordStoreOptions, 'io' | 'retryMs' | 'freeMb'>>;
  readonly #io: DurableIo;
  readonly #freeMb: (dir: string) => Promise<number>;
  readonly #retryMs: number;
  readonly #index = new Map<string, IndexEntry>();
  readonly #unwritten = new Map<string, StoredRecord>();
  readonly #alarmListeners = new Set<(alarm: StoreAlarm) => void>();
  readonly problems: StoreProblem[] = [];
  #meta!: Low<Versioned<Meta>>;
  #chain: Promise<unknown> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #diskLow = false;

  private constructor(options: RecordStoreOptions) {
    this.#o = {
      dataDir: options.dataDir,
      cipher: options.cipher,
      log: options.log,
      minFreeMb: options.minFreeMb,
    };
    this.#io = options.io ?? nodeDurableIo;
    this.#freeMb = options.freeMb ?? statfsFreeMb;
    this.#retryMs = options.retryMs ?? 30_000;
  }

  /** Opens the store under `dataDir`, quarantining damaged files and reporting them in `problems`. */
  static async open(options: RecordStoreOptions): Promise<RecordStore> {
    const store = new RecordStore(options);
    await store.#load();
    return store;
  }

  get #recordsDir(): string {
    return join(this.#o.dataDir, 'records');
  }

  get #recordingsDir(): string {
    return join(this.#o.dataDir, 'recordings');
  }

  get #quarantineDir(): string {
    return join(this.#o.dataDir, 'quarantine');
  }

  /** How many records the store holds (including ones waiting in memory for disk space). */
  get size(): number {
    let extra = 0;
    for (const id of this.#unwritten.keys()) if (!this.#index.has(id)) extra++;
    return this.#index.size + extra;
  }

  /** Records kept in memory because the disk was full, waiting to be written. */
  get unwritten(): number {
    return this.#unwritten.size;
  }

  /** The highest store sequence number written so far. */
  get lastN(): number {
    return this.#meta.data.lastN;
  }

  /** True while free disk is below `minFreeMb` (recordings are not kept). */
  get diskLow(): boolean {
    return this.#diskLow;
  }

  /** Calls `listener` for every alarm (disk low/full, corrupt file at boot); returns a remover. */
  onAlarm(listener: (alarm: StoreAlarm) => void): () => void {
    this.#alarmListeners.add(listener);
    return () => this.#alarmListeners.delete(listener);
  }

  /**
   * Writes a record durably (new or updated; the last write for an id wins) and returns its sequence number.
   * On a full disk it throws `Store_DiskFull` but keeps the record in memory and retries until it is written.
   */
  put(record: CallRecord): Promise<number> {
    const run = this.#chain.then(() => this.#put(record));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Reads one record by id (decrypted), or undefined. */
  async get(id: string): Promise<CallRecord | undefined> {
    const pending = this.#unwritten.get(id);
    if (pending) return pending.record;
    const entry = this.#index.get(id);
    if (!entry) return undefined;
    for (const stored of await this.#readSegment(entry.segment)) {
      if (stored.n === entry.n) return stored.record;
    }
    return undefined;
  }

  /** Records matching `query`, oldest first by start time. */
  async list(query: RecordQuery = {}): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for await (const stored of this.records(query)) out.push(stored);
    return out;
  }

  /** Streams records matching `query` segment by segment, each segment oldest first. */
  async *records(query: RecordQuery = {}): AsyncGenerator<StoredRecord> {
    const since = query.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const until = query.until?.getTime() ?? Number.POSITIVE_INFINITY;
    const afterN = query.afterN ?? -1;
    const wanted = (n: number, at: string) => {
      const t = Date.parse(at);
      return n > afterN && t >= since && t < until;
    };
    const segments = new Set<string>();
    for (const entry of this.#index.values()) if (wanted(entry.n, entry.at)) segments.add(entry.segment);
    for (const segment of [...segments].sort()) {
      const latest = (await this.#readSegment(segment))
        .filter((s) => this.#index.get(s.record.id)?.n === s.n && wanted(s.n, s.record.startedAt))
        .sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt));
      yield* latest;
    }
    for (const stored of this.#unwritten.values()) {
      if (!this.#index.has(stored.record.id) && wanted(stored.n, stored.record.startedAt)) yield stored;
    }
  }

  /** Deletes the given records and their recordings; returns how many were deleted. */
  purge(ids: Iterable<string>): Promise<number> {
    const run = this.#chain.then(() => this.#purge(new Set(ids)));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Deletes records (and recordings) that started before `cutoff`: the profile's retention. */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    const ids: string[] = [];
    for (const [id, entry] of this.#index) if (Date.parse(entry.at) < cutoff.getTime()) ids.push(id);
    return this.purge(ids);
  }

  /** Deletes records older than `retentionDays` before `now`. */
  applyRetention(retentionDays: number, now = new Date()): Promise<number> {
    return this.purgeOlderThan(new Date(now.getTime() - retentionDays * 86_400_000));
  }

  /**
   * Seals and keeps a call recording unless the disk is nearly full; returns its path, or undefined when it
   * was not kept (the `disk_low` alarm says why).
   */
  async saveRecording(id: string, audio: Buffer): Promise<string | undefined> {
    if (await this.checkDisk()) {
      this.#o.log.warn(`recording of ${id} not kept: less than ${this.#o.minFreeMb} MB free`);
      return undefined;
    }
    const file = join(this.#recordingsDir, `${id}.lkrec`);
    try {
      await this.#io.replace(file, this.#o.cipher.seal(audio, `recording:${id}`));
    } catch (e) {
      if (isDiskFull(e)) {
        this.#alarm({ kind: 'disk_full', message: `recording of ${id} not kept: disk full` });
        return undefined;
      }
      throw writeError(e, `recording ${file}`);
    }
    return file;
  }

  /** Reads and decrypts a recording kept by `saveRecording`. */
  async readRecording(file: string, id: string): Promise<Buffer> {
    return this.#o.cipher.open(await readFile(file), `recording:${id}`);
  }

  /** Measures free disk; raises `disk_low` (or `disk_ok`) when it crosses `minFreeMb`; returns whether low. */
  async checkDisk(): Promise<boolean> {
    let free: number;
    try {
      free = await this.#freeMb(this.#o.dataDir);
    } catch (e) {
      this.#o.log.warn(`cannot measure free disk: ${describeError(e)}`);
      return this.#diskLow;
    }
    const low = free < this.#o.minFreeMb;
    if (low !== this.#diskLow) {
      this.#diskLow = low;
      this.#alarm(
        low
          ? {
              kind: 'disk_low',
              message: `only ${Math.round(free)} MB free (< ${this.#o.minFreeMb} MB): recordings are no longer kept, records still are`,
            }
          : { kind: 'disk_ok', message: `${Math.round(free)} MB free again: recordings are kept` },
      );
    }
    return low;
  }

  /** Writes records kept in memory after a full disk; resolves to how many are still waiting. */
  flushUnwritten(): Promise<number> {
    const run = this.#chain.then(() => this.#flushUnwritten());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Stops the retry timer; waits for pending writes. Records still unwritten are reported. */
  async close(): Promise<void> {
    if (this.#retryTimer) clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#chain;
    if (this.#unwritten.size > 0) {
      this.#o.log.error(`${this.#unwritten.size} call records could not be written (disk full) at shutdown`);
    }
  }

  #alarm(alarm: StoreAlarm): void {
    (alarm.kind === 'disk_ok' || alarm.kind === 'disk_recovered' ? this.#o.log.info : this.#o.log.warn).call(
      this.#o.log,
      `alarm ${alarm.kind}: ${alarm.message}`,
    );
    for (const listener of this.#alarmListeners) listener(alarm);
  }

  #line(stored: StoredRecord): string {
    const { record, n } = stored;
    const line: Line = {
      n,
      id: record.id,
      at: record.startedAt,
      sealed: this.#o.cipher.seal(JSON.stringify(record), record.id).toString('base64'),
    };
    return `${JSON.stringify(line)}\n`;
  }

  async #put(record: CallRecord): Promise<number> {
    if (typeof record.id !== 'string' || record.id === '') throw new Error('a call record needs an id');
    const segment = `${monthOf(record.startedAt)}.jsonl`;
    // Sequence numbers are claimed before the write so a record kept in memory keeps its place.
    this.#meta.data.lastN += 1;
    const stored: StoredRecord = { n: this.#meta.data.lastN, record };
    try {
      await this.#io.append(join(this.#recordsDir, segment), this.#line(stored));
    } catch (e) {
      const error = writeError(e, `call record ${record.id}`);
      if (error.code !== ErrorCode.Store_DiskFull) throw error;
      this.#unwritten.set(record.id, stored);
      this.#alarm({
        kind: 'disk_full',
        message: `disk full: ${this.#unwritten.size} call record(s) kept in memory until space is free`,
      });
      this.#scheduleRetry();
      throw error;
    }
    this.#unwritten.delete(record.id);
    this.#index.set(record.id, { n: stored.n, segment, at: record.startedAt });
    return stored.n;
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) return;
    this.#retryTimer = setInterval(() => {
      this.flushUnwritten().catch((e) =>
        this.#o.log.error(`retrying unwritten records: ${describeError(e)}`),
      );
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  async #flushUnwritten(): Promise<number> {
    for (const stored of [...this.#unwritten.values()]) {
      const segment = `${monthOf(stored.record.startedAt)}.jsonl`;
      try {
        await this.#io.append(join(this.#recordsDir, segment), this.#line(stored));
      } catch (e) {
        if (isDiskFull(e)) return this.#unwritten.size;
        throw writeError(e, `call record ${stored.record.id}`);
      }
      this.#unwritten.delete(stored.record.id);
      this.#index.set(stored.record.id, { n: stored.n, segment, at: stored.record.startedAt });
    }
    if (this.#retryTimer) clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#alarm({ kind: 'disk_recovered', message: 'every call record kept in memory is now on disk' });
    return 0;
  }

  async #purge(ids: Set<string>): Promise<number> {
    const bySegment = new Map<string, Set<string>>();
    for (const id of ids) {
      const entry = this.#index.get(id);
      if (!entry) continue;
      const set = bySegment.get(entry.segment) ?? new Set<string>();
      set.add(id);
      bySegment.set(entry.segment, set);
    }
    // The sequence counter must survive even if every line carrying it is deleted.
    await this.#meta.write();
    let deleted = 0;
    for (const [segment, gone] of bySegment) {
      const file = join(this.#recordsDir, segment);
      const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
      const kept = lines.filter((l) => !gone.has((JSON.parse(l) as Line).id));
      if (kept.length === 0) await this.#io.remove(file);
      else await this.#io.replace(file, `${kept.join('\n')}\n`);
      for (const id of gone) {
        this.#index.delete(id);
        await rm(join(this.#recordingsDir, `${id}.lkrec`), { force: true });
        deleted++;
      }
    }
    return deleted;
  }

  async #readSegment(segment: string): Promise<StoredRecord[]> {
    const text = await readFile(join(this.#recordsDir, segment), 'utf8').catch(() => '');
    const out: StoredRecord[] = [];
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      const line = JSON.parse(raw) as Line;
      const record = JSON.parse(
        this.#o.cipher.open(Buffer.from(line.sealed, 'base64'), line.id).toString('utf8'),
      ) as CallRecord;
      out.push({ n: line.n, record });
    }
    return out;
  }

  async #load(): Promise<void> {
    const report = (problem: StoreProblem) => {
      this.problems.push(problem);
      this.#alarm({ kind: 'store_corrupt', message: problem.message });
    };
    this.#meta = await openDocument<Meta>({
      file: join(this.#o.dataDir, 'meta.json'),
      io: this.#io,
      defaults: { createdAt: new Date().toISOString(), lastN: 0, keyCheck: '' },
      version: STORE_SCHEMA_VERSION,
      quarantineDir: this.#quarantineDir,
      report,
    });
    await this.#checkKey();
    const names = await readdir(this.#recordsDir).catch(() => [] as string[]);
    let maxN = this.#meta.data.lastN;
    for (const name of names.sort()) {
      const file = join(this.#recordsDir, name);
      // A temp file left by a write that was cut short: the rename never happened, the original is intact.
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await this.#io.remove(file);
        continue;
      }
      if (!/^\d{4}-\d{2}\.jsonl$/.test(name)) continue;
      maxN = Math.max(maxN, await this.#loadSegment(name, report));
    }
    this.#meta.data.lastN = maxN;
    await this.checkDisk();
  }

  async #checkKey(): Promise<void> {
    const meta = this.#meta.data;
    if (meta.keyCheck === '') {
      meta.keyCheck = this.#o.cipher.seal(KEY_CHECK, KEY_CHECK).toString('base64');
      await this.#meta.write();
      return;
    }
    try {
      this.#o.cipher.open(Buffer.from(meta.keyCheck, 'base64'), KEY_CHECK);
    } catch (e) {
      throw new LinekeeperError(
        ErrorCode.Store_KeyMissing,
        `the records key does not match the records in ${this.#o.dataDir} (was the key file replaced?); nothing was changed`,
        { cause: e },
      );
    }
  }

  /** Indexes one segment; quarantines it and writes back its good lines if any line is damaged. */
  async #loadSegment(name: string, report: (problem: StoreProblem) => void): Promise<number> {
    const file = join(this.#recordsDir, name);
    const text = await readFile(file, 'utf8');
    const good: string[] = [];
    const bad: string[] = [];
    let maxN = 0;
    const parts = text.split('\n');
    parts.forEach((raw, i) => {
      if (raw === '' && i === parts.length - 1) return;
      try {
        const line = JSON.parse(raw) as Partial<Line>;
        if (typeof line.n !== 'number' || typeof line.id !== 'string' || typeof line.sealed !== 'string') {
          throw new Error('missing fields');
        }
        if (typeof line.at !== 'string' || Number.isNaN(Date.parse(line.at))) throw new Error('bad time');
        // Lines are not decrypted here (fast boot with 50,000 records); the key was checked against meta.json.
        const at = line.at;
        good.push(raw);
        maxN = Math.max(maxN, line.n);
        const previous = this.#index.get(line.id);
        if (!previous || previous.n < line.n) {
          this.#index.set(line.id, { n: line.n, segment: name, at });
        }
      } catch (e) {
        bad.push(`line ${i + 1}: ${describeError(e).slice(0, 120)}`);
      }
    });
    if (bad.length > 0) {
      // Copy first, then rewrite: a kill between the two leaves the original in place for the next boot.
      const to = await quarantineCopy(this.#io, file, this.#quarantineDir);
      if (good.length > 0) await this.#io.replace(file, `${good.join('\n')}\n`);
      else await this.#io.remove(file);
      const message = `${basename(file)}: ${bad.length} damaged line(s) (${bad.slice(0, 3).join('; ')}); copy kept at ${to}, ${good.length} good record line(s) kept`;
      report({ file, quarantinedTo: to, message });
    }
    return maxN;
  }
}

/** Parses a date or date-time bounding a record query; a `Config_Invalid` error names `name` when it is not one. */
export function parseQueryDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new LinekeeperError(
      ErrorCode.Config_Invalid,
      `${name} expects a date like 2026-11-01, got "${value}"`,
    );
  }
  return date;
}

/** Error for a record id that is not in the store. */
export function recordNotFound(id: string): LinekeeperError {
  return new LinekeeperError(ErrorCode.Store_NotFound, `no call record with id ${id}`);
}
