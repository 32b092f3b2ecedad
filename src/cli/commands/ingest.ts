/**
 * `linekeeper ingest`: the cloud consumer. Subscribes to every box's summaries, escalations, telemetry and weekly
 * digests with an MQTT shared subscription, stores them in PostgreSQL (events deduplicated on device and event id,
 * digests one row per box and week) and acknowledges the events to the box after the commit. Run as many as
 * needed: processes in the same `--group` split the load.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import pg from 'pg';
import { Ingest } from '../../ingest/ingest.js';
import { createLogger, type LogLevel } from '../../log/logger.js';
import { MqttConnection, type MqttTls } from '../../mqtt/connection.js';

interface IngestCliOptions {
  broker: string;
  database: string;
  clientId: string;
  group: string;
  prefix: string;
  ca?: string;
  cert?: string;
  key?: string;
  username?: string;
  password?: string;
  logLevel: LogLevel;
}

/** Adds `ingest` to the program. */
export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description(
      'Cloud side: store call summaries, escalations and weekly digests from the fleet in PostgreSQL, ack the calls.',
    )
    .option('--broker <url>', 'MQTT broker', process.env.LINEKEEPER_INGEST_BROKER ?? 'mqtts://localhost:8883')
    .option(
      '--database <url>',
      'PostgreSQL connection string',
      process.env.LINEKEEPER_INGEST_DATABASE ?? 'postgres://localhost/linekeeper',
    )
    .option('--client-id <id>', 'MQTT client id (unique per process)', `cloud-ingest-${process.pid}`)
    .option(
      '--group <name>',
      'shared subscription group; processes in one group split the messages',
      'ingest',
    )
    .option('--prefix <prefix>', 'topic prefix before the device id', 'lk/v1')
    .option('--ca <file>', 'CA certificate of the broker (PEM)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--username <name>', 'MQTT username (password listeners)')
    .option(
      '--password <secret>',
      'MQTT password (or $LINEKEEPER_INGEST_PASSWORD)',
      process.env.LINEKEEPER_INGEST_PASSWORD,
    )
    .option('--log-level <level>', 'error, warn, info, debug or trace', 'info')
    .action(async (options: IngestCliOptions) => {
      const log = createLogger({ level: options.logLevel }).child('ingest');
      const tls: MqttTls = {};
      if (options.ca) tls.ca = await readFile(options.ca);
      if (options.cert) tls.cert = await readFile(options.cert);
      if (options.key) tls.key = await readFile(options.key);
      const connection = new MqttConnection({
        url: options.broker,
        clientId: options.clientId,
        devicePrefix: null,
        keepaliveSeconds: 30,
        sessionExpirySeconds: 0,
        reconnectMinMs: 500,
        reconnectMaxMs: 30_000,
        tls,
        ...(options.username === undefined ? {} : { username: options.username }),
        ...(options.password === undefined ? {} : { password: options.password }),
        log: log.child('mqtt'),
      });
      const pool = new pg.Pool({ connectionString: options.database, max: 4 });
      const ingest = new Ingest({ connection, pool, log, group: options.group, topicPrefix: options.prefix });
      await ingest.start();
      await connection.start();
      log.info(`ingesting from ${options.broker} into PostgreSQL (group ${options.group}); SIGTERM stops`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      await ingest.stop();
      await connection.stop();
      await pool.end();
      log.info(`stopped: ${JSON.stringify(ingest.stats)}`);
    });
}
