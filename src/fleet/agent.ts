/**
 * The fleet agent on the box, on the daemon's one MQTT connection (same client, same `lk/v1/{id}` prefix):
 *
 *   state (retained, session id, last will)  ◄── the connection; the agent adds versions and group
 *   telemetry every N s (QoS 0, expiry 300 s) ◄── host figures + getters of other services
 *   config|shop/desired (retained, signed) ──► applyDesired ──► config|shop/reported (retained)
 *   cmd/req/{name} (signed, v5 response topic + correlation data, expiry, nonce)
 *        ──► response topic absent or exactly cmd/res? ─no─► logged, not run, not answered
 *        ──► verify ──► handler ──► cmd/res, correlation data echoed
 *   jobs (models.install, app.update) ──► jobs/{jobId}/progress
 */

import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { type ModemProbe, runDoctor } from '../doctor/checks.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MessageHandler, PublishOptions } from '../mqtt/connection.js';
import { applyDesired, type DesiredKind, type DesiredReport } from './desired.js';
import { FleetState } from './fleet-state.js';
import { type Envelope, loadPublicKey, verifyEnvelope } from './signing.js';
import { collectTelemetry, type TelemetrySources } from './telemetry.js';
import type { JobProgress, ProgressSink, Updater } from './updater.js';

/** The part of the daemon's MQTT connection the agent uses (src/mqtt/connection.ts implements it). */
export interface FleetLink {
  readonly connected: boolean;
  /** `topic('state')` → `lk/v1/{id}/state`. */
  topic(suffix: string): string;
  publish(topic: string, payload: string | Buffer | object, options?: PublishOptions): Promise<void>;
  subscribe(filter: string, handler: MessageHandler, options?: { qos?: 0 | 1 }): () => void;
  setState(fields: Record<string, unknown>): Promise<void>;
  onConnect(listener: (info: { sessionPresent: boolean }) => void): () => void;
}

/** The payload of a signed command. */
export interface CommandPayload {
  name: string;
  args?: Record<string, unknown>;
}

/** The answer to a command. */
export interface CommandResponse {
  corrId: string;
  name: string;
  status: 'ok' | 'error' | 'rejected' | 'expired';
  data?: unknown;
  error?: string;
  reason?: string;
}

/**
 * Runs one command; the result becomes `data` of the response; throwing makes it an `error` response. A job
 * (models.install, app.update) reports its progress and its end through `job.progress`; throwing makes it FAILED.
 */
export type CommandHandler = (
  args: Record<string, unknown>,
  job: { id: string; progress: ProgressSink },
) => Promise<unknown>;

/** What the agent needs; everything the daemon may not have yet is optional and reported as not available. */
export interface FleetAgentOptions {
  deviceId: string;
  link: FleetLink;
  /** Fleet public key file (missing: every push and command is refused with `no-fleet-key`). */
  publicKeyFile: string;
  /** The agent's state document. */
  stateFile: string;
  configFile: string;
  shopFile: string;
  appVersion: string;
  /** Fleet group of this box (for `push-shop --group`). */
  group?: string;
  telemetry: TelemetrySources;
  /** The daemon's modem, for the SIM and signal checks of `selftest` (absent: not checked). */
  modemProbe?: ModemProbe;
  telemetryIntervalMs: number;
  dataDir: string;
  updater?: Updater;
  /** Called after a desired document was applied (the daemon reloads). */
  onApplied?: (kind: DesiredKind) => Promise<void>;
  /** Extra or replacement command handlers (reload, restart, selftest, calls.export, logs.tail …). */
  commands?: Record<string, CommandHandler>;
  log: Logger;
}

const JOB_COMMANDS = new Set(['models.install', 'app.update']);

/** Latest lines of the service journal. */
export function journalTail(lines: number): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      'journalctl',
      ['-u', 'linekeeper', '-n', String(Math.min(Math.max(1, lines), 1000)), '-o', 'short-iso', '--no-pager'],
      { timeout: 10_000, maxBuffer: 1 << 22 },
      (error, stdout) =>
        error
          ? reject(new Error(`journalctl failed: ${error.message}`))
          : resolve(stdout.split('\n').filter(Boolean)),
    ),
  );
}

/** The fleet agent service. */
export class FleetAgent {
  readonly name = 'fleet';
  readonly #o: FleetAgentOptions;
  readonly #log: Logger;
  #state: FleetState | undefined;
  #key: KeyObject | undefined;
  #unsubscribe: (() => void)[] = [];
  #telemetryTimer: NodeJS.Timeout | undefined;
  /** Desired documents and commands are handled one at a time, in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  readonly #commands: Record<string, CommandHandler>;

  constructor(options: FleetAgentOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#commands = { ...this.#builtins(), ...options.commands };
  }

  /** The persisted state (after start). */
  get state(): FleetState {
    if (!this.#state) throw new Error('the fleet agent has not started');
    return this.#state;
  }

  /** Loads state and key, subscribes, starts telemetry and resumes a pending update's health check. */
  async start(): Promise<void> {
    this.#state = await FleetState.load(this.#o.stateFile);
    try {
      this.#key = await loadPublicKey(this.#o.publicKeyFile);
    } catch (e) {
      this.#log.warn(`fleet pushes and commands are refused: ${describeError(e)}`);
    }
    const link = this.#o.link;
    for (const kind of ['config', 'shop'] as const) {
      this.#unsubscribe.push(
        link.subscribe(link.topic(`${kind}/desired`), (m) =>
          this.#enqueue(() => this.#onDesired(kind, m.payload)),
        ),
      );
    }
    this.#unsubscribe.push(
      link.subscribe(link.topic('cmd/req/+'), (m) => this.#enqueue(() => this.#onCommand(m))),
    );
    await link.setState(this.#stateFields());
    this.#telemetryTimer = setInterval(() => void this.publishTelemetry(), this.#o.telemetryIntervalMs);
    this.#telemetryTimer.unref();
    if (this.#o.updater && this.#state.data.pendingUpdate) {
      const updater = this.#o.updater;
      const resume = () =>
        void updater
          .resumeAfterRestart((jobId) => this.#progressSink(jobId, 'app.update'))
          .catch((e) => this.#log.error(`the app update's health check failed to run: ${describeError(e)}`));
      const off = link.onConnect(() => {
        off();
        resume();
      });
      if (link.connected) {
        off();
        resume();
      }
    }
  }

  /** Stops telemetry and unsubscribes; waits for the work in hand. */
  async stop(): Promise<void> {
    if (this.#telemetryTimer) clearInterval(this.#telemetryTimer);
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.#queue;
  }

  /** Publishes one telemetry message now (no-op while offline: telemetry is droppable). */
  async publishTelemetry(): Promise<void> {
    if (!this.#o.link.connected) return;
    const telemetry = await collectTelemetry({
      sources: this.#o.telemetry,
      dataDir: this.#o.dataDir,
      appVersion: this.#o.appVersion,
    });
    await this.#o.link
      .publish(this.#o.link.topic('telemetry'), telemetry, { qos: 0, expirySeconds: 300 })
      .catch((e) => this.#log.debug(`telemetry not sent: ${describeError(e)}`));
  }

  #stateFields(): Record<string, unknown> {
    const data = this.#state?.data;
    return {
      app: this.#o.appVersion,
      group: this.#o.group ?? '',
      configVersion: data?.config?.version ?? 0,
      profileVersion: data?.shop?.version ?? 0,
    };
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue
      .then(work)
      .catch((e) => this.#log.error(`fleet message failed: ${describeError(e)}`));
  }

  async #onDesired(kind: DesiredKind, payload: Buffer): Promise<void> {
    if (payload.length === 0) return; // a cleared retained message
    let value: unknown;
    try {
      value = JSON.parse(payload.toString('utf8'));
    } catch {
      value = undefined;
    }
    const applied = this.state.data[kind];
    // The retained desired document comes back on every reconnect: the one already applied is not news.
    if (
      applied &&
      typeof value === 'object' &&
      value !== null &&
      (value as Envelope).version === applied.version
    )
      return;
    const report: DesiredReport = await applyDesired({
      kind,
      value,
      deviceId: this.#o.deviceId,
      publicKey: this.#key,
      file: kind === 'config' ? this.#o.configFile : this.#o.shopFile,
      state: this.state,
    });
    if (report.status === 'applied') {
      this.#log.info(`${kind} version ${report.version} applied`);
      await this.#o.link.setState(this.#stateFields()).catch(() => undefined);
      await this.#o
        .onApplied?.(kind)
        .catch((e) => this.#log.error(`reload after ${kind} failed: ${describeError(e)}`));
    } else {
      this.#log.warn(`${kind} version ${report.version} rejected: ${report.reason}: ${report.error}`);
    }
    await this.#o.link
      .publish(this.#o.link.topic(`${kind}/reported`), report, { qos: 1, retain: true })
      .catch((e) => this.#log.warn(`${kind} report not sent: ${describeError(e)}`));
  }

  async #onCommand(message: Parameters<MessageHandler>[0]): Promise<void> {
    const link = this.#o.link;
    const topicName = message.topic.split('/').at(-1) ?? '';
    const responseTopic = link.topic('cmd/res');
    // The device ACL lets a box answer on exactly its own cmd/res. An answer asked for elsewhere would be refused
    // by the broker (or, without that ACL, go where a box has no business writing), so the command would run
    // unheard: it is not run, and its nonce stays unused for a request that asks correctly.
    if (message.responseTopic !== undefined && message.responseTopic !== responseTopic) {
      this.#log.warn(
        `command ${topicName} refused, not run and not answered: its response topic ${message.responseTopic} is not ${responseTopic}, the only one this box answers on`,
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message.payload.toString('utf8'));
    } catch {
      value = undefined;
    }
    const envelopeNonce =
      typeof value === 'object' && value !== null && typeof (value as Envelope).nonce === 'string'
        ? (value as Envelope).nonce
        : '';
    const corrId = message.correlationData?.toString('utf8') ?? envelopeNonce;
    const respond = (response: Omit<CommandResponse, 'corrId' | 'name'>) =>
      link
        .publish(
          responseTopic,
          { corrId, name: topicName, ...response },
          {
            qos: 1,
            expirySeconds: 3600,
            ...(message.correlationData && { correlationData: message.correlationData }),
          },
        )
        .catch((e) => this.#log.warn(`response to ${topicName} not sent: ${describeError(e)}`));
    if (!this.#key) {
      await respond({
        status: 'rejected',
        reason: 'no-fleet-key',
        error: 'no fleet public key is installed on this box',
      });
      return;
    }
    const state = this.state;
    const verified = verifyEnvelope<CommandPayload>(value, this.#key, {
      kind: 'command',
      deviceId: this.#o.deviceId,
      seenNonce: (nonce) => state.seen(nonce),
    });
    if (!verified.ok) {
      this.#log.warn(`command ${topicName} refused: ${verified.reason}: ${verified.message}`);
      await respond({
        status: verified.reason === 'expired' ? 'expired' : 'rejected',
        reason: verified.reason,
        error: verified.message,
      });
      return;
    }
    const envelope = verified.envelope;
    if (envelope.payload.name !== topicName) {
      await respond({
        status: 'rejected',
        reason: 'wrong-command',
        error: `signed for ${envelope.payload.name}, sent to ${topicName}`,
      });
      return;
    }
    // Remember the nonce before running: a command runs at most once, even across a crash mid-way.
    await state.update((d) => {
      d.nonces[envelope.nonce] = Date.parse(envelope.expiresAt);
    });
    const handler = this.#commands[topicName];
    if (!handler) {
      await respond({
        status: 'error',
        reason: 'unknown-command',
        error: `unknown command ${topicName}; known: ${Object.keys(this.#commands).join(', ')}`,
      });
      return;
    }
    const args = envelope.payload.args ?? {};
    if (JOB_COMMANDS.has(topicName)) {
      const jobId = corrId || envelope.nonce;
      const progress = this.#progressSink(jobId, topicName);
      await respond({ status: 'ok', data: { jobId, status: 'QUEUED' } });
      // Jobs run outside the message queue so that status and other commands keep answering meanwhile. Each
      // reports its own end: both finish around a restart, and their SUCCEEDED must go out before it.
      void (async () => {
        try {
          await progress({ status: 'IN_PROGRESS', step: 'started' });
          await handler(args, { id: jobId, progress });
        } catch (e) {
          await progress({ status: 'FAILED', step: 'failed', statusDetails: describeError(e) });
        }
      })();
      return;
    }
    try {
      await respond({ status: 'ok', data: await handler(args, { id: corrId, progress: async () => {} }) });
    } catch (e) {
      await respond({ status: 'error', error: describeError(e) });
    }
  }

  #progressSink(jobId: string, name: string): ProgressSink {
    return async (progress: JobProgress) => {
      this.#log.info(
        `job ${name} ${jobId}: ${progress.status} ${progress.step}${progress.statusDetails ? `: ${progress.statusDetails}` : ''}`,
      );
      await this.#o.link
        .publish(
          this.#o.link.topic(`jobs/${jobId}/progress`),
          { jobId, name, ...progress, at: new Date().toISOString() },
          { qos: 1 },
        )
        .catch((e) => this.#log.warn(`job progress not sent: ${describeError(e)}`));
    };
  }

  #builtins(): Record<string, CommandHandler> {
    const notAvailable = (what: string) => async () => {
      throw new Error(`${what} is not available in this build`);
    };
    return {
      status: async () => ({
        deviceId: this.#o.deviceId,
        ...this.#stateFields(),
        applied: { config: this.#state?.data.config ?? null, shop: this.#state?.data.shop ?? null },
        pendingUpdate: this.#state?.data.pendingUpdate ?? null,
        telemetry: await collectTelemetry({
          sources: this.#o.telemetry,
          dataDir: this.#o.dataDir,
          appVersion: this.#o.appVersion,
        }),
      }),
      reload: notAvailable('reload'),
      restart: notAvailable('restart'),
      selftest: async () =>
        runDoctor({
          configFile: this.#o.configFile,
          brokerConnected: () => this.#o.link.connected,
          ...(this.#o.modemProbe && { modem: this.#o.modemProbe }),
        }),
      'calls.export': notAvailable('calls.export (needs the record store)'),
      'logs.tail': async (args) => ({ lines: await journalTail(Number(args.lines ?? 100)) }),
      'models.install': async (args, job) => {
        if (!this.#o.updater) throw new Error('models.install is not available in this build');
        await this.#o.updater.installModel(args, job.progress);
      },
      'app.update': async (args, job) => {
        if (!this.#o.updater) throw new Error('app.update is not available in this build');
        await this.#o.updater.startAppUpdate(job.id, args as never, job.progress);
      },
    };
  }
}
