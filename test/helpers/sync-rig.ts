/**
 * A whole sync path for scenario tests: a test PKI, Mosquitto with TLS client certificates and the per-device
 * ACL, PostgreSQL, one or more ingest processes, and boxes (record store + outbox + MQTT connection + sync)
 * in temp directories. `report()` counts events sent, stored, duplicated and missing.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { Ingest } from '../../src/ingest/ingest.js';
import { createLogger, type Logger, silentLogger } from '../../src/log/logger.js';
import { MqttConnection, type MqttTls } from '../../src/mqtt/connection.js';
import type { RecordCipher } from '../../src/privacy/cipher.js';
import type { DurableIo } from '../../src/store/durable-io.js';
import { RecordStore } from '../../src/store/record-store.js';
import { Outbox } from '../../src/sync/outbox.js';
import { SyncService } from '../../src/sync/sync-service.js';
import { TestPki } from './certs.js';
import { TestBroker } from './mosquitto.js';
import { ROOT } from './paths.js';
import { TestPostgres } from './postgres.js';
import { tempDir, testCipher } from './store.js';

/** The device ACL shipped for operators (`examples/mosquitto-devices.acl`): the tests run the same file. */
export const DEVICE_ACL = readFileSync(join(ROOT, 'examples/mosquitto-devices.acl'), 'utf8');

/**
 * The shipped device ACL plus cloud ingest users and operators (`linekeeper fleet`). With
 * `use_username_as_clientid` every ingest process and every operator session needs its own certificate (CN
 * `cloud-ingest-N`, `fleet-operator-N`), or they would take over each other's session.
 */
export const FLEET_ACL = `${[1, 2, 3, 4]
  .map((i) => `user cloud-ingest-${i}\ntopic readwrite lk/v1/#\ntopic read $share/ingest/lk/v1/#\n`)
  .join('\n')}
${[1, 2].map((i) => `user fleet-operator-${i}\ntopic readwrite lk/v1/#\n`).join('\n')}
${DEVICE_ACL}`;

type Teardown = { teardown(fn: () => unknown): void };

/** A box under test. */
export interface TestBox {
  id: string;
  dataDir: string;
  store: RecordStore;
  outbox: Outbox;
  connection: MqttConnection;
  sync: SyncService;
  /** Stops sync, the connection and the store (as a clean shutdown would). */
  stop(): Promise<void>;
}

/** Options for a box. */
export interface BoxOptions {
  dataDir?: string;
  cipher?: RecordCipher;
  io?: DurableIo;
  keepaliveSeconds?: number;
  ackTimeoutMs?: number;
  window?: number;
  /** Connect through this URL instead of the broker's (e.g. a fault proxy). */
  url?: string;
  /** Start the MQTT connection right away (default true). */
  connect?: boolean;
  log?: Logger;
}

/** The rig. */
export class SyncRig {
  readonly ingests: Ingest[] = [];
  readonly #pools: pg.Pool[] = [];
  readonly #stops = new Map<Ingest, () => Promise<void>>();

  private constructor(
    readonly t: Teardown,
    readonly pki: TestPki,
    readonly broker: TestBroker,
    readonly postgres: TestPostgres,
    readonly pool: pg.Pool,
  ) {}

  /** Starts the broker and the database (not yet any ingest). */
  static async start(t: Teardown, options: { saveEveryChange?: boolean } = {}): Promise<SyncRig> {
    const pki = await TestPki.create();
    const server = await pki.issue('localhost', 'server');
    const [broker, postgres] = await Promise.all([
      TestBroker.start({
        tls: { ca: pki.ca.cert, server },
        acl: FLEET_ACL,
        // Saving on every change (fleet.md R1) makes a broker kill -9 lose nothing it acknowledged; the sync
        // does not rely on it (end-to-end acks), and the bench measures with Mosquitto's default autosave.
        extra: [
          'use_username_as_clientid true',
          'set_tcp_nodelay true',
          ...(options.saveEveryChange === false ? [] : ['autosave_interval 1', 'autosave_on_changes true']),
        ],
      }),
      TestPostgres.start(),
    ]);
    t.teardown(() => broker.dispose());
    t.teardown(() => postgres.dispose());
    const pool = postgres.pool();
    t.teardown(() => pool.end());
    return new SyncRig(t, pki, broker, postgres, pool);
  }

  /** TLS material for a client certificate with common name `cn`. */
  async tls(cn: string): Promise<MqttTls> {
    const files = await this.pki.issue(cn, 'client');
    return {
      ca: await readFile(this.pki.ca.cert),
      cert: await readFile(files.cert),
      key: await readFile(files.key),
    };
  }

  /** Starts an ingest process (its own connection and pool, logging to `log`); several split the load. */
  async startIngest(log: Logger = silentLogger): Promise<Ingest> {
    const name = `cloud-ingest-${this.ingests.length + 1}`;
    const connection = new MqttConnection({
      url: this.broker.url,
      clientId: name,
      devicePrefix: null,
      keepaliveSeconds: 10,
      sessionExpirySeconds: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 500,
      tls: await this.tls(name),
      log: silentLogger,
    });
    const pool = this.postgres.pool();
    this.#pools.push(pool);
    const ingest = new Ingest({ connection, pool, log });
    await ingest.start();
    await connection.start();
    await connection.waitConnected(10_000);
    const stop = async () => {
      await ingest.stop();
      await connection.stop();
    };
    this.#stops.set(ingest, stop);
    this.ingests.push(ingest);
    this.t.teardown(async () => {
      await stop();
      await pool.end().catch(() => undefined);
    });
    return ingest;
  }

  /** Stops an ingest process started by `startIngest`. */
  async stopIngest(ingest: Ingest): Promise<void> {
    await this.#stops.get(ingest)?.();
  }

  /** Opens a box (store, outbox, connection, sync) and starts it. */
  async box(id: string, options: BoxOptions = {}): Promise<TestBox> {
    const dataDir = options.dataDir ?? (await tempDir(this.t, `lk-box-${id}-`));
    const log = options.log ?? silentLogger;
    const cipher = options.cipher ?? testCipher();
    const storeOptions = { dataDir, cipher, log, minFreeMb: 1, retryMs: 200 };
    const store = await RecordStore.open(options.io ? { ...storeOptions, io: options.io } : storeOptions);
    const outbox = await Outbox.open({
      dir: join(dataDir, 'outbox'),
      log,
      quota: { maxBytes: 50 * 1024 * 1024, telemetryMaxAgeMs: 86_400_000, summaryMaxAgeMs: 90 * 86_400_000 },
      ...(options.io ? { io: options.io } : {}),
    });
    const connection = new MqttConnection({
      url: options.url ?? this.broker.url,
      clientId: id,
      devicePrefix: `lk/v1/${id}`,
      keepaliveSeconds: options.keepaliveSeconds ?? 5,
      sessionExpirySeconds: 3600,
      reconnectMinMs: 50,
      reconnectMaxMs: 500,
      tls: await this.tls(id),
      log,
    });
    const sync = new SyncService({
      deviceId: id,
      connection,
      outbox,
      store,
      policy: { sendCallerNumber: false, salt: 'test-salt' },
      log,
      window: options.window ?? 32,
      ackTimeoutMs: options.ackTimeoutMs ?? 2_000,
      maxAckTimeoutMs: 4_000,
      tickMs: 100,
    });
    await sync.start();
    if (options.connect !== false) await connection.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await sync.stop();
      await connection.stop();
      await store.close();
    };
    this.t.teardown(stop);
    return { id, dataDir, store, outbox, connection, sync, stop };
  }

  /** Event ids stored for `deviceId`, by kind. */
  async stored(deviceId: string): Promise<{ eventId: string; kind: string; callId: string | null }[]> {
    const result = await this.pool.query<{ event_id: string; kind: string; call_id: string | null }>(
      'SELECT event_id, kind, call_id FROM lk_events WHERE device_id = $1',
      [deviceId],
    );
    return result.rows.map((r) => ({ eventId: r.event_id, kind: r.kind, callId: r.call_id }));
  }

  /** Counts for a scenario: events sent by the box, stored by the cloud, duplicates absorbed, missing. */
  async report(
    box: TestBox,
    sentCallIds: Iterable<string>,
  ): Promise<{ calls: number; stored: number; duplicates: number; missing: number; outboxDepth: number }> {
    const rows = await this.stored(box.id);
    const storedCalls = new Set(rows.filter((r) => r.kind === 'summary').map((r) => r.callId));
    const calls = [...new Set(sentCallIds)];
    return {
      calls: calls.length,
      stored: rows.length,
      duplicates: this.ingests.reduce((sum, i) => sum + i.stats.duplicates, 0),
      missing: calls.filter((id) => !storedCalls.has(id)).length,
      outboxDepth: box.outbox.depth,
    };
  }
}

/** A logger that prints warnings to stderr (handy while writing a scenario). */
export const warnLogger: Logger = createLogger({
  level: 'warn',
  write: (line) => process.stderr.write(`${line}\n`),
});
