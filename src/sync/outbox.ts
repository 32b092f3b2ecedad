/**
 * The durable outbox of events for the cloud (fleet.md §6).
 *
 * Append-only JSONL segments `outbox/NNNNNN.jsonl`, fsynced per write. Lines: `add` (the events of one call,
 * in one line so a torn write loses all or none of them), `ack` (event ids the cloud confirmed after storing
 * them), `drop` (event ids removed by a quota). When the active segment passes `segmentBytes`, a new segment is
 * written with a `base` line (next sequence number, highest record number) and the still-pending events, and
 * older segments are deleted. At boot a damaged line is salvaged like the record store does: a copy goes to
 * `quarantine/`, the good lines stay. Quotas drop telemetry before summaries and never escalations.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ulid } from 'ulid';
import type { Logger } from '../log/logger.js';
import { type DurableIo, nodeDurableIo, writeError } from '../store/durable-io.js';
import { quarantineCopy, type StoreProblem } from '../store/json-document.js';

/** What an event is; also its priority, first = most urgent. */
export type EventKind = 'escalation' | 'summary' | 'telemetry';

const PRIORITY: Record<EventKind, number> = { escalation: 0, summary: 1, telemetry: 2 };

/** One event waiting for the cloud. */
export interface OutboxEvent {
  /** ULID, unique per event; the cloud deduplicates on (device, eventId). */
  eventId: string;
  /** Per-device sequence number, gap-free in the order events were added. */
  seq: number;
  kind: EventKind;
  /** Topic suffix under the device prefix, e.g. `calls/summary`. */
  topic: string;
  createdAt: string;
  /** The store sequence number of the call record this event came from, if any. */
  recordN?: number;
  payload: Record<string, unknown>;
}

/** An event to add (ids, sequence and time are assigned by the outbox). */
export type NewEvent = Pick<OutboxEvent, 'kind' | 'topic' | 'payload'> & { recordN?: number };

type Line =
  | { op: 'base'; nextSeq: number; recordN: number }
  | { op: 'add'; events: OutboxEvent[] }
  | { op: 'ack'; ids: string[] }
  | { op: 'drop'; ids: string[]; reason: string };

/** Limits of the outbox. */
export interface OutboxQuota {
  /** Byte quota of pending events. */
  maxBytes: number;
  /** Telemetry older than this is dropped, ms. */
  telemetryMaxAgeMs: number;
  /** Summaries older than this are dropped, ms (the call record itself stays in the store). */
  summaryMaxAgeMs: number;
}

/** What the outbox needs. */
export interface OutboxOptions {
  dir: string;
  log: Logger;
  quota: OutboxQuota;
  io?: DurableIo;
  /** Rotate (compact) the active segment past this size. */
  segmentBytes?: number;
  now?: () => number;
}

/** The durable outbox. Open it with `Outbox.open`. */
export class Outbox {
  readonly #o: OutboxOptions;
  readonly #io: DurableIo;
  readonly #pending = new Map<string, { event: OutboxEvent; bytes: number }>();
  readonly problems: StoreProblem[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  #nextSeq = 1;
  #recordN = 0;
  #segment = 0;
  #segmentSize = 0;
  #bytes = 0;
  #dropped = 0;
  readonly #dropListeners = new Set<(events: OutboxEvent[], reason: string) => void>();

  private constructor(options: OutboxOptions) {
    this.#o = options;
    this.#io = options.io ?? nodeDurableIo;
  }

  /** Opens the outbox in `dir`, replaying its segments. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    await outbox.#load();
    return outbox;
  }

  /** Pending (unacknowledged) events. */
  get depth(): number {
    return this.#pending.size;
  }

  /** Bytes of pending events. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Events dropped by quotas since the outbox was opened. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The highest call-record sequence number whose events are in the outbox (for boot reconciliation). */
  get recordN(): number {
    return this.#recordN;
  }

  /** The next sequence number to be assigned. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Age of the oldest pending event, seconds (0 when empty). */
  oldestAgeS(now = this.#now()): number {
    let oldest = now;
    for (const { event } of this.#pending.values()) oldest = Math.min(oldest, Date.parse(event.createdAt));
    return Math.round((now - oldest) / 1000);
  }

  /** Calls `listener` when a quota drops events. */
  onDrop(listener: (events: OutboxEvent[], reason: string) => void): () => void {
    this.#dropListeners.add(listener);
    return () => this.#dropListeners.delete(listener);
  }

  /** Pending events in sending order: escalations, then summaries, then telemetry, each by sequence. */
  pending(): OutboxEvent[] {
    return [...this.#pending.values()]
      .map((p) => p.event)
      .sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.seq - b.seq);
  }

  /** True while `eventId` waits for its acknowledgement. */
  has(eventId: string): boolean {
    return this.#pending.has(eventId);
  }

  /**
   * Adds events durably (one fsynced line) and returns them with ids and sequence numbers. Throws
   * `Store_DiskFull` (nothing added) when the disk is full.
   */
  add(events: NewEvent[]): Promise<OutboxEvent[]> {
    return this.#serial(async () => {
      const createdAt = new Date(this.#now()).toISOString();
      const full: OutboxEvent[] = events.map((e, i) => ({
        eventId: ulid(this.#now()),
        seq: this.#nextSeq + i,
        kind: e.kind,
        topic: e.topic,
        createdAt,
        ...(e.recordN === undefined ? {} : { recordN: e.recordN }),
        payload: e.payload,
      }));
      await this.#append({ op: 'add', events: full });
      this.#apply({ op: 'add', events: full });
      await this.#enforceQuota();
      await this.#maybeCompact();
      return full;
    });
  }

  /** Records the cloud's acknowledgement; returns the ids that were pending. Unknown ids are ignored. */
  ack(ids: string[]): Promise<string[]> {
    return this.#serial(async () => {
      const known = ids.filter((id) => this.#pending.has(id));
      if (known.length === 0) return [];
      await this.#append({ op: 'ack', ids: known });
      this.#apply({ op: 'ack', ids: known });
      await this.#maybeCompact();
      return known;
    });
  }

  /** Applies the age and byte quotas now (also done on every add). */
  enforceQuota(): Promise<void> {
    return this.#serial(() => this.#enforceQuota());
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #file(segment: number): string {
    return join(this.#o.dir, `${String(segment).padStart(6, '0')}.jsonl`);
  }

  async #append(line: Line): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    try {
      await this.#io.append(this.#file(this.#segment), text);
    } catch (e) {
      throw writeError(e, `outbox segment ${basename(this.#file(this.#segment))}`);
    }
    this.#segmentSize += Buffer.byteLength(text);
  }

  #apply(line: Line): void {
    switch (line.op) {
      case 'base':
        this.#nextSeq = Math.max(this.#nextSeq, line.nextSeq);
        this.#recordN = Math.max(this.#recordN, line.recordN);
        break;
      case 'add':
        for (const event of line.events) {
          const bytes = Buffer.byteLength(JSON.stringify(event));
          this.#pending.set(event.eventId, { event, bytes });
          this.#bytes += bytes;
          this.#nextSeq = Math.max(this.#nextSeq, event.seq + 1);
          if (event.recordN !== undefined) this.#recordN = Math.max(this.#recordN, event.recordN);
        }
        break;
      case 'ack':
      case 'drop':
        for (const id of line.ids) {
          const entry = this.#pending.get(id);
          if (!entry) continue;
          this.#pending.delete(id);
          this.#bytes -= entry.bytes;
        }
        break;
    }
  }

  async #enforceQuota(): Promise<void> {
    const now = this.#now();
    const { maxBytes, telemetryMaxAgeMs, summaryMaxAgeMs } = this.#o.quota;
    const drop = new Map<string, OutboxEvent>();
    const byAge = [...this.#pending.values()].sort((a, b) => a.event.seq - b.event.seq);
    for (const { event } of byAge) {
      const age = now - Date.parse(event.createdAt);
      if (event.kind === 'telemetry' && age > telemetryMaxAgeMs) drop.set(event.eventId, event);
      if (event.kind === 'summary' && age > summaryMaxAgeMs) drop.set(event.eventId, event);
    }
    let bytes = this.#bytes;
    for (const { event, bytes: size } of byAge) if (drop.has(event.eventId)) bytes -= size;
    // Over the byte quota: oldest telemetry first, then oldest summaries; escalations are never dropped.
    for (const kind of ['telemetry', 'summary'] as const) {
      for (const { event, bytes: size } of byAge) {
        if (bytes <= maxBytes) break;
        if (event.kind !== kind || drop.has(event.eventId)) continue;
        drop.set(event.eventId, event);
        bytes -= size;
      }
    }
    if (drop.size === 0) return;
    const events = [...drop.values()];
    const reason = `outbox quota (${Math.round(this.#bytes / 1024)} KiB pending, limit ${Math.round(maxBytes / 1024)} KiB, or too old)`;
    await this.#append({ op: 'drop', ids: [...drop.keys()], reason });
    this.#apply({ op: 'drop', ids: [...drop.keys()], reason });
    this.#dropped += events.length;
    this.#o.log.warn(
      `dropped ${events.length} event(s) (${events.filter((e) => e.kind === 'telemetry').length} telemetry) by ${reason}`,
    );
    for (const listener of this.#dropListeners) listener(events, reason);
  }

  async #maybeCompact(): Promise<void> {
    if (this.#segmentSize < (this.#o.segmentBytes ?? 1024 * 1024)) return;
    // Only when at least half the segment is dead weight: rewriting a large backlog on every ack is quadratic.
    if (this.#segmentSize < 2 * this.#bytes) return;
    const next = this.#segment + 1;
    const lines: Line[] = [{ op: 'base', nextSeq: this.#nextSeq, recordN: this.#recordN }];
    const events = [...this.#pending.values()].map((p) => p.event).sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < events.length; i += 200) lines.push({ op: 'add', events: events.slice(i, i + 200) });
    const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    // The new segment is complete and durable before any older one is removed.
    await this.#io.replace(this.#file(next), text);
    for (let old = this.#segment; old >= 0; old--)
      await this.#io.remove(this.#file(old)).catch(() => undefined);
    this.#segment = next;
    this.#segmentSize = Buffer.byteLength(text);
  }

  async #load(): Promise<void> {
    const names = (await readdir(this.#o.dir).catch(() => [] as string[])).sort();
    const segments: number[] = [];
    for (const name of names) {
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await this.#io.remove(join(this.#o.dir, name));
        continue;
      }
      const match = /^(\d{6})\.jsonl$/.exec(name);
      if (match) segments.push(Number(match[1]));
    }
    // A compaction that was cut short leaves older segments next to a complete newer one with a base line.
    let start = 0;
    for (let i = segments.length - 1; i >= 0; i--) {
      const text = await readFile(this.#file(segments[i] ?? 0), 'utf8');
      if (text.startsWith('{"op":"base"')) {
        start = i;
        break;
      }
    }
    for (const segment of segments.slice(0, start)) await this.#io.remove(this.#file(segment));
    for (const segment of segments.slice(start)) await this.#loadSegment(segment);
    this.#segment = segments.at(-1) ?? 0;
    this.#segmentSize = 0;
    if (segments.length > 0) {
      this.#segmentSize = Buffer.byteLength(
        await readFile(this.#file(this.#segment), 'utf8').catch(() => ''),
      );
    }
  }

  async #loadSegment(segment: number): Promise<void> {
    const file = this.#file(segment);
    const parts = (await readFile(file, 'utf8')).split('\n');
    const good: string[] = [];
    const bad: number[] = [];
    parts.forEach((raw, i) => {
      if (raw === '' && i === parts.length - 1) return;
      try {
        const line = JSON.parse(raw) as Line;
        if (!['base', 'add', 'ack', 'drop'].includes(line.op)) throw new Error('unknown op');
        this.#apply(line);
        good.push(raw);
      } catch {
        bad.push(i + 1);
      }
    });
    if (bad.length === 0) return;
    const to = await quarantineCopy(this.#io, file, join(this.#o.dir, '..', 'quarantine'));
    await this.#io.replace(file, good.length > 0 ? `${good.join('\n')}\n` : '');
    const problem = {
      file,
      quarantinedTo: to,
      message: `${basename(file)}: damaged line(s) ${bad.slice(0, 5).join(', ')} dropped (a write cut short); copy kept at ${to}; the calls they carried are re-queued from the record store`,
    };
    this.problems.push(problem);
    this.#o.log.warn(problem.message);
  }
}
