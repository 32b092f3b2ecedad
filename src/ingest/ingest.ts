/**
 * The cloud ingest: takes call summaries, escalations and telemetry from every box through an MQTT shared
 * subscription (`$share/<group>/lk/v1/+/…`, so several ingest processes split the load), stores them in
 * PostgreSQL deduplicated on (device id, event id), and only after the commit publishes `sync/ack` to the box,
 * which is what lets the box prune its outbox. Weekly digests are kept one row per box and week (a week sent
 * again replaces its row); they are not outbox events, so they get no ack. Malformed messages are logged and
 * dropped.
 */
import type pg from 'pg';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MqttConnection, MqttMessage } from '../mqtt/connection.js';
import { DIGEST_TOPIC } from '../report/digest.js';
import { TOPICS } from '../sync/events.js';
import { checkDigest, type DigestPayload } from './digest-payload.js';

/** Creates the tables if missing; runs under an advisory lock so concurrent ingests do not race. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS lk_events (
  device_id   text        NOT NULL,
  event_id    text        NOT NULL,
  seq         bigint      NOT NULL,
  kind        text        NOT NULL,
  call_id     text,
  created_at  timestamptz,
  received_at timestamptz NOT NULL DEFAULT now(),
  payload     jsonb       NOT NULL,
  PRIMARY KEY (device_id, event_id)
);
CREATE INDEX IF NOT EXISTS lk_events_kind_received ON lk_events (kind, received_at);
CREATE INDEX IF NOT EXISTS lk_events_device_seq ON lk_events (device_id, seq);
CREATE TABLE IF NOT EXISTS lk_digests (
  device_id   text        NOT NULL,
  week_start  timestamptz NOT NULL,
  week_end    timestamptz NOT NULL,
  calls       integer     NOT NULL,
  escalations integer     NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  payload     jsonb       NOT NULL,
  PRIMARY KEY (device_id, week_start)
);
`;

/** What the ingest needs. */
export interface IngestOptions {
  /** A connection without a device prefix (`devicePrefix: null`). */
  connection: MqttConnection;
  pool: pg.Pool;
  log: Logger;
  /** Shared subscription group; processes in the same group split the messages. */
  group?: string;
  /** Topic prefix before the device id (`lk/v1`). */
  topicPrefix?: string;
  /** Rows per database transaction at most. */
  batchMax?: number;
}

interface Incoming {
  deviceId: string;
  eventId: string;
  seq: number;
  kind: string;
  callId: string | null;
  createdAt: string | null;
  payload: Record<string, unknown>;
}

/** Counters of one ingest process. */
export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  malformed: number;
  acksSent: number;
  /** Weekly digests written (a week sent again counts again; its row is replaced). */
  digests: number;
}

/** The ingest consumer. */
export class Ingest {
  readonly name = 'ingest';
  readonly #o: IngestOptions;
  readonly #queue: Incoming[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  readonly #digestWrites = new Set<Promise<void>>();
  readonly stats: IngestStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    malformed: 0,
    acksSent: 0,
    digests: 0,
  };
  #flushing: Promise<void> | undefined;

  constructor(options: IngestOptions) {
    this.#o = options;
    // An idle pooled client that loses its server emits 'error'; unhandled, that would end the process.
    options.pool.on('error', (e) => options.log.warn(`PostgreSQL connection lost: ${describeError(e)}`));
  }

  /** Creates the schema, then subscribes. */
  async start(): Promise<void> {
    const client = await this.#o.pool.connect().catch((e: unknown) => {
      throw new LinekeeperError(ErrorCode.Ingest_Database, 'cannot connect to PostgreSQL', { cause: e });
    });
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7207001)');
      await client.query(SCHEMA_SQL);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new LinekeeperError(ErrorCode.Ingest_Database, 'cannot create the ingest schema', { cause: e });
    } finally {
      client.release();
    }
    const group = this.#o.group ?? 'ingest';
    type Handler = (deviceId: string, payload: Record<string, unknown>, topic: string) => void;
    const onEvent: Handler = (deviceId, payload, topic) => this.#onEvent(deviceId, payload, topic);
    const onDigest: Handler = (deviceId, payload, topic) => this.#onDigest(deviceId, payload, topic);
    const handlers: [string, Handler][] = [
      [TOPICS.escalation, onEvent],
      [TOPICS.summary, onEvent],
      [TOPICS.telemetry, onEvent],
      [DIGEST_TOPIC, onDigest],
    ];
    for (const [suffix, handler] of handlers) {
      this.#unsubscribe.push(
        this.#o.connection.subscribe(`$share/${group}/${this.#prefix}/+/${suffix}`, (m) => {
          this.stats.received++;
          const read = this.#read(m);
          if (typeof read === 'string') this.#malformed(m.topic, read);
          else handler(read.deviceId, read.payload, m.topic);
        }),
      );
    }
  }

  /** Unsubscribes and finishes the batch and the digest writes in progress. */
  async stop(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    await Promise.all([this.#flushing, ...this.#digestWrites]);
  }

  get #prefix(): string {
    return this.#o.topicPrefix ?? 'lk/v1';
  }

  /** The device id in a topic (`lk/v1/{deviceId}/…`). */
  #deviceOf(topic: string): string {
    return topic.slice(this.#prefix.length + 1).split('/')[0] ?? '';
  }

  #malformed(topic: string, problem: string): void {
    this.stats.malformed++;
    this.#o.log.warn(
      `dropped a message from ${this.#deviceOf(topic) || '?'} on ${topic}: ${problem} (E0601)`,
    );
  }

  /** The box a message came from and its JSON object, or what is wrong with it. */
  #read(message: MqttMessage): { deviceId: string; payload: Record<string, unknown> } | string {
    const deviceId = this.#deviceOf(message.topic);
    if (!deviceId) return 'no device id in the topic';
    let value: unknown;
    try {
      value = JSON.parse(message.payload.toString('utf8'));
    } catch {
      return `payload is not JSON (${message.payload.length} bytes)`;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return 'payload is not an object';
    const payload = value as Record<string, unknown>;
    if (payload.deviceId !== undefined && payload.deviceId !== deviceId) {
      return `deviceId ${JSON.stringify(payload.deviceId)} does not match the topic's ${deviceId}`;
    }
    return { deviceId, payload };
  }

  #onEvent(deviceId: string, payload: Record<string, unknown>, topic: string): void {
    const parsed = parseEvent(deviceId, payload, topic);
    if (typeof parsed === 'string') {
      this.#malformed(topic, parsed);
      return;
    }
    this.#queue.push(parsed);
    this.#kick();
  }

  #onDigest(deviceId: string, payload: Record<string, unknown>, topic: string): void {
    const digest = checkDigest(payload, deviceId);
    if (typeof digest === 'string') {
      this.#malformed(topic, `not a weekly digest: ${digest}`);
      return;
    }
    const write = this.#storeDigest(deviceId, digest).finally(() => this.#digestWrites.delete(write));
    this.#digestWrites.add(write);
  }

  async #storeDigest(deviceId: string, digest: DigestPayload): Promise<void> {
    try {
      await this.#o.pool.query(
        `INSERT INTO lk_digests (device_id, week_start, week_end, calls, escalations, payload)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         ON CONFLICT (device_id, week_start) DO UPDATE SET week_end = EXCLUDED.week_end,
           calls = EXCLUDED.calls, escalations = EXCLUDED.escalations, payload = EXCLUDED.payload,
           received_at = now()`,
        [
          deviceId,
          digest.from,
          digest.to,
          digest.calls.total,
          digest.escalations.total,
          JSON.stringify(digest),
        ],
      );
      this.stats.digests++;
    } catch (e) {
      // A digest has no outbox behind it: the box keeps its records and `linekeeper report` rebuilds the week.
      this.#o.log.error(
        `could not store the weekly digest of ${deviceId} for the week from ${digest.from}: ${describeError(e)}`,
      );
    }
  }

  #kick(): void {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#o.batchMax ?? 500);
        await this.#store(batch);
      }
    })().finally(() => {
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #store(batch: Incoming[]): Promise<void> {
    const values: unknown[] = [];
    const rows = batch.map((e, i) => {
      values.push(e.deviceId, e.eventId, e.seq, e.kind, e.callId, e.createdAt, JSON.stringify(e.payload));
      const b = i * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}::jsonb)`;
    });
    let inserted: number;
    try {
      const result = await this.#o.pool.query(
        `INSERT INTO lk_events (device_id, event_id, seq, kind, call_id, created_at, payload)
         VALUES ${rows.join(', ')} ON CONFLICT (device_id, event_id) DO NOTHING`,
        values,
      );
      inserted = result.rowCount ?? 0;
    } catch (e) {
      // Nothing is acknowledged: the boxes send these events again after their ack timeout.
      this.#o.log.error(`could not store ${batch.length} event(s): ${describeError(e)}`);
      return;
    }
    this.stats.stored += inserted;
    this.stats.duplicates += batch.length - inserted;
    const byDevice = new Map<string, string[]>();
    for (const e of batch) byDevice.set(e.deviceId, [...(byDevice.get(e.deviceId) ?? []), e.eventId]);
    await Promise.all(
      [...byDevice].map(async ([deviceId, eventIds]) => {
        try {
          await this.#o.connection.publish(
            `${this.#prefix}/${deviceId}/${TOPICS.ack}`,
            { eventIds },
            { qos: 1, expirySeconds: 3600 },
          );
          this.stats.acksSent++;
        } catch (e) {
          // The box resends; the duplicate is absorbed by the primary key and acknowledged then.
          this.#o.log.warn(`ack to ${deviceId} not sent: ${describeError(e)}`);
        }
      }),
    );
  }
}

/** An outbox event (summary, escalation, telemetry) from a box's JSON object, or what is wrong with it. */
function parseEvent(deviceId: string, p: Record<string, unknown>, topic: string): Incoming | string {
  if (typeof p.eventId !== 'string' || p.eventId.length === 0 || p.eventId.length > 64) {
    return 'eventId missing or not a string of 1–64 characters';
  }
  if (typeof p.seq !== 'number' || !Number.isInteger(p.seq) || p.seq < 0)
    return 'seq missing or not an integer';
  const kind = typeof p.kind === 'string' ? p.kind : (topic.split('/').at(-1) ?? 'unknown');
  const createdAt =
    typeof p.createdAt === 'string' && !Number.isNaN(Date.parse(p.createdAt)) ? p.createdAt : null;
  return {
    deviceId,
    eventId: p.eventId,
    seq: p.seq,
    kind,
    callId: typeof p.callId === 'string' ? p.callId : null,
    createdAt,
    payload: p,
  };
}
