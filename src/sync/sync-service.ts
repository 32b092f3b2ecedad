/**
 * Store-and-forward sync: every call is written to the record store, its events to the outbox, and only then
 * published. A bounded window of events is in flight; an event leaves the outbox only when the cloud says it
 * has stored it (`sync/ack`). Events not acknowledged in time are sent again (same `eventId`), with the wait
 * doubling up to an hour. At start, records newer than the outbox knows about (a crash between the two writes)
 * are queued again, so a call written to the store always reaches the cloud.
 */
import { describeError, ErrorCode, isLinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MqttConnection } from '../mqtt/connection.js';
import type { CallerPolicy } from '../privacy/redact.js';
import type { CallRecord } from '../records/call-record.js';
import type { RecordStore } from '../store/record-store.js';
import { envelope, eventsForRecord, TOPICS } from './events.js';
import type { Outbox, OutboxEvent } from './outbox.js';

/** How sync behaves. */
export interface SyncOptions {
  deviceId: string;
  connection: MqttConnection;
  outbox: Outbox;
  store: RecordStore;
  policy: CallerPolicy;
  log: Logger;
  /** Events published and not yet acknowledged, at most. */
  window: number;
  /** First wait for an acknowledgement before resending, ms. */
  ackTimeoutMs: number;
  /** Longest wait between resends, ms. */
  maxAckTimeoutMs?: number;
  /** How often deadlines, quotas and retries are checked, ms. */
  tickMs?: number;
  now?: () => number;
}

interface InFlight {
  event: OutboxEvent;
  /** PUBACK received. */
  published: boolean;
  deadline: number;
}

/** Counters for telemetry and tests. */
export interface SyncStats {
  published: number;
  resent: number;
  acked: number;
  refused: number;
}

/** The sync service. */
export class SyncService {
  readonly name = 'sync';
  readonly #o: SyncOptions;
  readonly #inFlight = new Map<string, InFlight>();
  /** Publish attempts per event id, for the resend backoff. */
  readonly #attempts = new Map<string, number>();
  readonly #holdUntil = new Map<string, number>();
  readonly stats: SyncStats = { published: 0, resent: 0, acked: 0, refused: 0 };
  readonly #unsubscribe: (() => void)[] = [];
  readonly #ackListeners = new Set<(ids: string[]) => void>();
  #timer: NodeJS.Timeout | undefined;
  #reconcile: Promise<void> = Promise.resolve();
  #reconcileFailed = false;
  #pumping = false;
  readonly #ackBuffer: string[] = [];
  #ackWriting = false;
  #pumpAgain = false;

  constructor(options: SyncOptions) {
    this.#o = options;
  }

  /** Events waiting in the outbox for their acknowledgement. */
  get outboxDepth(): number {
    return this.#o.outbox.depth;
  }

  /** Age of the oldest event waiting for its acknowledgement, seconds (0 when none waits). */
  get outboxOldestAgeS(): number {
    return this.#o.outbox.oldestAgeS();
  }

  /** Events in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Calls `listener` with the ids of every acknowledgement that confirmed pending events. */
  onAck(listener: (ids: string[]) => void): () => void {
    this.#ackListeners.add(listener);
    return () => this.#ackListeners.delete(listener);
  }

  /** Subscribes to acknowledgements, queues records the outbox missed, and starts publishing. */
  async start(): Promise<void> {
    const c = this.#o.connection;
    this.#unsubscribe.push(
      c.subscribeJson(c.topic(TOPICS.ack), (value) => this.#onAck(value)),
      c.onConnect(({ sessionPresent }) => {
        // Without the old session the broker may have lost what we sent: send unconfirmed events again now.
        if (!sessionPresent) for (const f of this.#inFlight.values()) f.deadline = 0;
        this.#pump();
      }),
      c.onDisconnect(() => {
        for (const [id, f] of this.#inFlight) if (!f.published) this.#inFlight.delete(id);
      }),
      // Records held in memory through a full disk are queued once they are written.
      this.#o.store.onAlarm((alarm) => {
        if (alarm.kind === 'disk_recovered') this.reconcile().catch(() => undefined);
      }),
    );
    await this.reconcile();
    this.#timer = setInterval(() => this.#tick(), this.#o.tickMs ?? 1000);
    this.#timer.unref();
    this.#pump();
  }

  /** Stops publishing (the outbox keeps everything not yet acknowledged). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
    await this.#reconcile.catch(() => undefined);
  }

  /**
   * Keeps a finished call: durable write to the store, then its summary (and escalation) to the outbox, then
   * publishing. Resolves with the record's store sequence number once the record is on disk. On a full disk it
   * rejects with `Store_DiskFull`; the record is held in memory and written (and queued) when space returns.
   */
  async recordCall(record: CallRecord): Promise<number> {
    const n = await this.#o.store.put(record).catch((e: unknown) => {
      this.#reconcileFailed = true;
      throw e;
    });
    await this.reconcile().catch((e) => {
      // The record is safe in the store; its events are queued on the next successful reconcile.
      this.#o.log.warn(`events of call ${record.id} not queued yet: ${describeError(e)}`);
    });
    return n;
  }

  /** Queues telemetry (dropped first by the outbox quotas). */
  async sendTelemetry(data: Record<string, unknown>): Promise<void> {
    await this.#o.outbox.add([{ kind: 'telemetry', topic: TOPICS.telemetry, payload: data }]);
    this.#pump();
  }

  /** Queues the events of every stored record the outbox has not seen yet, in store order. */
  reconcile(): Promise<void> {
    const run = this.#reconcile.then(async () => {
      const { store, outbox, policy } = this.#o;
      const missing = (await store.list({ afterN: outbox.recordN })).sort((a, b) => a.n - b.n);
      for (const { n, record } of missing) {
        await outbox.add(eventsForRecord(record, n, policy));
      }
      this.#reconcileFailed = false;
      this.#pump();
    });
    this.#reconcile = run.catch(() => {
      this.#reconcileFailed = true;
    });
    return run;
  }

  #tick(): void {
    const now = this.#now();
    for (const [id, f] of this.#inFlight) {
      if (f.published && f.deadline <= now) {
        this.#inFlight.delete(id);
        this.stats.resent++;
        this.#o.log.debug(`no ack for ${id} in time; sending it again`);
      }
    }
    if (this.#reconcileFailed) this.reconcile().catch(() => undefined);
    this.#o.outbox.enforceQuota().catch((e) => this.#o.log.warn(`outbox quota: ${describeError(e)}`));
    this.#pump();
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#fill();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #fill(): void {
    const { connection, outbox, window } = this.#o;
    if (!connection.connected || this.#inFlight.size >= window) return;
    const now = this.#now();
    for (const event of outbox.pending()) {
      if (this.#inFlight.size >= window) break;
      if (this.#inFlight.has(event.eventId)) continue;
      if ((this.#holdUntil.get(event.eventId) ?? 0) > now) continue;
      this.#send(event, now);
    }
  }

  #send(event: OutboxEvent, now: number): void {
    const attempts = this.#attempts.get(event.eventId) ?? 0;
    this.#attempts.set(event.eventId, attempts + 1);
    const wait = Math.min(this.#o.maxAckTimeoutMs ?? 3_600_000, this.#o.ackTimeoutMs * 2 ** attempts);
    const flight: InFlight = { event, published: false, deadline: now + wait };
    this.#inFlight.set(event.eventId, flight);
    const c = this.#o.connection;
    this.stats.published++;
    c.publish(c.topic(event.topic), envelope(event, this.#o.deviceId), {
      qos: 1,
      userProperties: { eventId: event.eventId, seq: String(event.seq) },
    }).then(
      () => {
        flight.published = true;
      },
      (e: unknown) => {
        if (this.#inFlight.get(event.eventId) === flight) this.#inFlight.delete(event.eventId);
        if (isLinekeeperError(e) && e.code === ErrorCode.Mqtt_Unreachable) return;
        // Refused by the broker (ACL, quota): keep it, alarm, and try again later rather than drop it.
        this.stats.refused++;
        this.#holdUntil.set(event.eventId, this.#now() + wait);
        this.#o.log.error(`broker refused ${event.kind} ${event.eventId}: ${describeError(e)}`);
      },
    );
  }

  async #onAck(value: unknown): Promise<void> {
    const ids = (value as { eventIds?: unknown } | null)?.eventIds;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      this.#o.log.warn(`dropped a malformed sync/ack (expected {"eventIds": [string…]}) (E0601)`);
      return;
    }
    this.#ackBuffer.push(...ids);
    if (this.#ackWriting) return;
    // Group commit: acks that arrive while one is being written share the next fsync.
    this.#ackWriting = true;
    try {
      while (this.#ackBuffer.length > 0) {
        const batch = this.#ackBuffer.splice(0);
        const confirmed = await this.#o.outbox.ack(batch);
        for (const id of batch) {
          this.#inFlight.delete(id);
          this.#attempts.delete(id);
          this.#holdUntil.delete(id);
        }
        this.stats.acked += confirmed.length;
        if (confirmed.length > 0) for (const listener of this.#ackListeners) listener(confirmed);
        this.#pump();
      }
    } finally {
      this.#ackWriting = false;
    }
  }
}
