/**
 * The cloud ingest: takes call summaries, escalations and telemetry from every box through an MQTT shared
 * subscription (`$share/<group>/lk/v1/+/…`, so several ingest processes split the load), stores them in
 * PostgreSQL deduplicated on (device id, event id), and only after the commit publishes `sync/ack` to the box,
 * which is what lets the box prune its outbox. Malformed messages are logged and dropped.
 */
import type pg from 'pg';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MqttConnection, MqttMessage } from '../mqtt/connection.js';
import { TOPICS } from '../sync/events.js';

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
}

/** The ingest consumer. */
export class Ingest {
  readonly name = 'ingest';
  readonly #o: IngestOptions;
  readonly #queue: Incoming[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  readonly stats: IngestStats = { received: 0, stored: 0, duplicates: 0, malformed: 0, acksSent: 0 };
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
    const prefix = this.#o.topicPrefix ?? 'lk/v1';
    for (const suffix of [TOPICS.escalation, TOPICS.summary, TOPICS.telemetry]) {
      this.#unsubscribe.push(
        this.#o.connection.subscribe(`$share/${group}/${prefix}/+/${suffix}`, (m) => this.#onMessage(m)),
      );
    }
  }

  /** Unsubscribes and finishes the batch in progress. */
  async stop(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    await this.#flushing;
  }

  #onMessage(message: MqttMessage): void {
    this.stats.received++;
    const parsed = this.#parse(message);
    if (typeof parsed === 'string') {
      this.stats.malformed++;
      this.#o.log.warn(`dropped a message on ${message.topic}: ${parsed} (E0601)`);
      return;
    }
    this.#queue.push(parsed);
    this.#kick();
  }

  #parse(message: MqttMessage): Incoming | string {
    const parts = message.topic.split('/');
    const deviceId = parts[parts.length - (message.topic.endsWith(TOPICS.telemetry) ? 2 : 3)];
    if (!deviceId) return 'no device id in the topic';
    let value: unknown;
    try {
      value = JSON.parse(message.payload.toString('utf8'));
    } catch {
      return `payload is not JSON (${message.payload.length} bytes)`;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return 'payload is not an object';
    const p = value as Record<string, unknown>;
    if (typeof p.eventId !== 'string' || p.eventId.length === 0 || p.eventId.length > 64) {
      return 'eventId missing or not a string of 1–64 characters';
    }
    if (typeof p.seq !== 'number' || !Number.isInteger(p.seq) || p.seq < 0)
      return 'seq missing or not an integer';
    if (p.deviceId !== undefined && p.deviceId !== deviceId) {
      return `deviceId ${JSON.stringify(p.deviceId)} does not match the topic's ${deviceId}`;
    }
    const kind = typeof p.kind === 'string' ? p.kind : (parts.at(-1) ?? 'unknown');
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
    const prefix = this.#o.topicPrefix ?? 'lk/v1';
    await Promise.all(
      [...byDevice].map(async ([deviceId, eventIds]) => {
        try {
          await this.#o.connection.publish(
            `${prefix}/${deviceId}/${TOPICS.ack}`,
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
