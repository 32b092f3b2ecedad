/**
 * The call records service: opens the encrypted record store and (when `mqtt.enabled`) the outbox and sync on
 * the box's MQTT connection, applies retention from the shop profile, watches free disk, and raises alarms.
 * Other code keeps calls through `recordCall` and reads them through `get`/`list`.
 */
import { join } from 'node:path';
import type { DeviceConfig } from '../config/device-schema.js';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { RecordCipher } from '../privacy/cipher.js';
import { loadKeyFile } from '../privacy/key-file.js';
import type { CallerPolicy } from '../privacy/redact.js';
import type { CallRecord } from '../records/call-record.js';
import type { DurableIo } from '../store/durable-io.js';
import { type RecordQuery, RecordStore, type StoreAlarm, type StoredRecord } from '../store/record-store.js';
import { Outbox } from '../sync/outbox.js';
import { SyncService } from '../sync/sync-service.js';
import type { Service } from './service.js';

/** What the service is built from. */
export interface CallRecordsOptions {
  config: DeviceConfig;
  /** `privacy.retention_days` of the shop profile. */
  retentionDays: number;
  log: Logger;
  /** The box's MQTT connection; sync runs only when given. */
  connection?: MqttConnection;
  io?: DurableIo;
  /** How often retention and free disk are checked, ms. */
  housekeepingMs?: number;
}

/** The caller-number policy from the device config and the box keys. */
export function callerPolicy(config: DeviceConfig, boxSalt: Buffer): CallerPolicy {
  return {
    sendCallerNumber: config.privacy.sendCallerNumber,
    salt: config.privacy.callerHashSalt === '' ? boxSalt : config.privacy.callerHashSalt,
  };
}

/** Opens the record store named by the device config (key file, data dir, free-disk floor). */
export async function openRecordStore(
  config: DeviceConfig,
  log: Logger,
  io?: DurableIo,
): Promise<{ store: RecordStore; policy: CallerPolicy }> {
  const keys = await loadKeyFile(config.privacy.encryptionKeyFile);
  const store = await RecordStore.open({
    dataDir: config.storage.dataDir,
    cipher: new RecordCipher(keys.recordsKey),
    log,
    minFreeMb: config.storage.minFreeMb,
    ...(io ? { io } : {}),
  });
  return { store, policy: callerPolicy(config, keys.callerSalt) };
}

/** Keeps call records and syncs them. */
export class CallRecordsService implements Service {
  readonly name = 'call-records';
  readonly #o: CallRecordsOptions;
  #store: RecordStore | undefined;
  #policy: CallerPolicy | undefined;
  #sync: SyncService | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #alarms: StoreAlarm[] = [];

  constructor(options: CallRecordsOptions) {
    this.#o = options;
  }

  /** The open store (after `start`). */
  get store(): RecordStore {
    if (!this.#store) throw new LinekeeperError(ErrorCode.Internal, 'call records service not started');
    return this.#store;
  }

  /** How caller numbers leave the box (after `start`): what redacted exports use, as sync does. */
  get policy(): CallerPolicy {
    if (!this.#policy) throw new LinekeeperError(ErrorCode.Internal, 'call records service not started');
    return this.#policy;
  }

  /** The sync service, when MQTT is enabled and the service has started. */
  get sync(): SyncService | undefined {
    return this.#sync;
  }

  /** Alarms raised since start (disk low/full, corrupt files at boot), newest last. */
  get alarms(): readonly StoreAlarm[] {
    return this.#alarms;
  }

  async start(): Promise<void> {
    const { config, log } = this.#o;
    const { store, policy } = await openRecordStore(config, log, this.#o.io);
    this.#store = store;
    this.#policy = policy;
    store.onAlarm((alarm) => this.#onAlarm(alarm));
    for (const problem of store.problems) this.#onAlarm({ kind: 'store_corrupt', message: problem.message });
    if (this.#o.connection) {
      const outbox = await Outbox.open({
        dir: join(config.storage.dataDir, 'outbox'),
        log: log.child('outbox'),
        quota: {
          maxBytes: config.mqtt.outboxMaxMb * 1024 * 1024,
          telemetryMaxAgeMs: config.mqtt.telemetryMaxAgeHours * 3_600_000,
          summaryMaxAgeMs: config.mqtt.summaryMaxAgeDays * 86_400_000,
        },
        ...(this.#o.io ? { io: this.#o.io } : {}),
      });
      for (const problem of outbox.problems)
        this.#onAlarm({ kind: 'store_corrupt', message: problem.message });
      this.#sync = new SyncService({
        deviceId: config.device.id,
        connection: this.#o.connection,
        outbox,
        store,
        policy,
        log: log.child('sync'),
        window: config.mqtt.inFlightWindow,
        ackTimeoutMs: config.mqtt.ackTimeoutSeconds * 1000,
      });
      await this.#sync.start();
    }
    await this.housekeeping();
    this.#timer = setInterval(() => {
      this.housekeeping().catch((e) => log.warn(`housekeeping failed: ${describeError(e)}`));
    }, this.#o.housekeepingMs ?? 600_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sync?.stop();
    await this.#store?.close();
  }

  /**
   * Keeps a finished call: durable, encrypted write, then (with sync) its redacted summary and escalation are
   * queued and published. Resolves with the record's store sequence number once it is on disk; rejects with
   * `Store_DiskFull` when the disk is full (the record is held in memory and written when space returns).
   */
  recordCall(record: CallRecord): Promise<number> {
    return this.#sync ? this.#sync.recordCall(record) : this.store.put(record);
  }

  /** Keeps a sealed recording of a call unless the disk is nearly full (then undefined and a `disk_low` alarm). */
  saveRecording(id: string, audio: Buffer): Promise<string | undefined> {
    return this.store.saveRecording(id, audio);
  }

  /** One record by id (decrypted), or undefined. */
  get(id: string): Promise<CallRecord | undefined> {
    return this.store.get(id);
  }

  /** Records in a time range, oldest first (for reports). */
  list(query: RecordQuery = {}): Promise<StoredRecord[]> {
    return this.store.list(query);
  }

  /** Applies retention and measures free disk (also runs on a timer). */
  async housekeeping(): Promise<void> {
    const purged = await this.store.applyRetention(this.#o.retentionDays);
    if (purged > 0)
      this.#o.log.info(`retention: purged ${purged} call record(s) older than ${this.#o.retentionDays} days`);
    await this.store.checkDisk();
    if (this.#o.connection && this.#sync) {
      await this.#o.connection
        .setState({ outboxDepth: this.#sync.outboxDepth, diskLow: this.store.diskLow })
        .catch(() => undefined);
    }
  }

  #onAlarm(alarm: StoreAlarm): void {
    this.#alarms.push(alarm);
    if (this.#alarms.length > 50) this.#alarms.shift();
    this.#o.connection
      ?.setState({ alarm: { ...alarm, at: new Date().toISOString() } })
      .catch(() => undefined);
    this.#sync?.sendTelemetry({ alarm: alarm.kind, message: alarm.message }).catch(() => undefined);
  }
}
