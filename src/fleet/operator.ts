/**
 * The operator's MQTT client for `linekeeper fleet`: reads retained state and reports, pushes signed desired
 * documents and waits for the box's report, and runs signed commands with MQTT 5 request/response.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { CommandResponse } from './agent.js';
import type { DesiredKind, DesiredReport } from './desired.js';
import type { Envelope } from './signing.js';

/** How the operator reaches the broker. */
export interface OperatorOptions {
  url: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Topic prefix (default lk/v1). */
  prefix?: string;
  timeoutMs?: number;
}

/** One box as the operator sees it. */
export interface DeviceView {
  id: string;
  online: boolean;
  app: string;
  group: string;
  configVersion: number;
  profileVersion: number;
  lastSeen: string;
  sessionId: string;
  health: string;
}

/** A connected operator session. */
export class FleetOperator {
  readonly #prefix: string;
  #closing = false;
  /**
   * Never resolves; rejects with `Mqtt_Unreachable` when the session ends other than by `close()` (the operator
   * does not reconnect), so that a command following messages stops instead of going on silently.
   */
  readonly lost: Promise<never>;

  private constructor(
    readonly client: MqttClient,
    url: string,
    prefix: string,
    readonly timeoutMs: number,
  ) {
    this.#prefix = prefix;
    this.lost = new Promise<never>((_, reject) => {
      client.on('close', () => {
        if (this.#closing) return;
        reject(
          new LinekeeperError(
            ErrorCode.Mqtt_Unreachable,
            `lost the connection to ${url} (the broker stopped, the network failed, or another session with the same certificate or client id took over)`,
          ),
        );
      });
    });
    this.lost.catch(() => undefined);
  }

  /** Connects; a broker that does not answer is an `Mqtt_Unreachable` error naming the URL and the reason. */
  static async connect(options: OperatorOptions): Promise<FleetOperator> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: `lk-operator-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
    };
    if (options.username !== undefined) clientOptions.username = options.username;
    if (options.password !== undefined) clientOptions.password = options.password;
    if (options.ca) clientOptions.ca = options.ca;
    if (options.cert) clientOptions.cert = options.cert;
    if (options.key) clientOptions.key = options.key;
    const client = mqtt.connect(options.url, clientOptions);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        client.once('close', () => {
          clearTimeout(timer);
          reject(new Error('connection closed'));
        });
      });
    } catch (cause) {
      client.end(true);
      throw new LinekeeperError(
        ErrorCode.Mqtt_Unreachable,
        `cannot reach the broker ${options.url}: ${describeError(cause)} (check --broker, the network and the credentials)`,
        { cause },
      );
    }
    return new FleetOperator(client, options.url, options.prefix ?? 'lk/v1', timeoutMs);
  }

  /** The full topic of a box. */
  topic(id: string, suffix: string): string {
    return `${this.#prefix}/${id}/${suffix}`;
  }

  /** Closes the session. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.client.endAsync(true).catch(() => undefined);
  }

  /** Every box that ever published its state, with online state, versions and last seen. */
  async devices(waitMs = 1_000): Promise<DeviceView[]> {
    const states = await this.#collectMany([`${this.#prefix}/+/state`], waitMs);
    return [...states.entries()]
      .map(([topic, payload]) => toView(topic.split('/').at(-2) ?? '', parseJson(payload)))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** One box's state and the reports of its desired documents; unknown ids are an error. */
  async status(
    id: string,
    waitMs = 1_000,
  ): Promise<{ device: DeviceView; config?: unknown; shop?: unknown }> {
    const found = await this.#collectMany(
      [this.topic(id, 'state'), this.topic(id, 'config/reported'), this.topic(id, 'shop/reported')],
      waitMs,
    );
    const state = found.get(this.topic(id, 'state'));
    if (!state) throw unknownDevice(id, this.topic(id, 'state'));
    return {
      device: toView(id, parseJson(state)),
      config: parseJson(found.get(this.topic(id, 'config/reported'))),
      shop: parseJson(found.get(this.topic(id, 'shop/reported'))),
    };
  }

  /** Collects the retained (and live) messages on `topics` for `waitMs`: retained ones arrive right after SUBACK. */
  async #collectMany(topics: string[], waitMs: number): Promise<Map<string, Buffer>> {
    const seen = new Map<string, Buffer>();
    const onMessage = (topic: string, payload: Buffer) => {
      if (payload.length > 0) seen.set(topic, payload);
    };
    this.client.on('message', onMessage);
    await this.client.subscribeAsync(topics, { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    this.client.off('message', onMessage);
    await this.client.unsubscribeAsync(topics);
    return seen;
  }

  /** Fails with a clear error when a box has never published its state. */
  async assertKnown(id: string, waitMs = 1_000): Promise<void> {
    const found = await this.#collectMany([this.topic(id, 'state')], waitMs);
    if (!found.has(this.topic(id, 'state'))) throw unknownDevice(id, this.topic(id, 'state'));
  }

  /** Publishes a signed desired document (retained) and waits for the box's report of that version. */
  async push(kind: DesiredKind, envelope: Envelope): Promise<DesiredReport> {
    const reportTopic = this.topic(envelope.deviceId, `${kind}/reported`);
    const report = this.#waitFor<DesiredReport>(
      reportTopic,
      (r) => r.version === envelope.version,
      `no report of ${kind} version ${envelope.version} from ${envelope.deviceId}`,
    );
    await this.client.subscribeAsync(reportTopic, { qos: 1 });
    await this.client.publishAsync(
      this.topic(envelope.deviceId, `${kind}/desired`),
      JSON.stringify(envelope),
      {
        qos: 1,
        retain: true,
      },
    );
    return report;
  }

  /** Sends a signed command and waits for its response (and, for jobs, their final progress). */
  async command(
    envelope: Envelope<{ name: string }>,
    options: { onProgress?: (progress: Record<string, unknown>) => void; jobTimeoutMs?: number } = {},
  ): Promise<CommandResponse & { job?: Record<string, unknown> }> {
    const id = envelope.deviceId;
    const name = envelope.payload.name;
    const corrId = randomBytes(8).toString('hex');
    const responseTopic = this.topic(id, 'cmd/res');
    const response = this.#waitFor<CommandResponse>(
      responseTopic,
      (r) => r.corrId === corrId,
      `no answer to ${name} from ${id} (offline? \`linekeeper fleet devices\` shows its state)`,
    );
    const progressTopic = this.topic(id, `jobs/${corrId}/progress`);
    // Progress may arrive right after the response: listen before sending, stop listening if it is no job.
    const noJob = new AbortController();
    const final = this.#waitFor<Record<string, unknown>>(
      progressTopic,
      (p) => {
        options.onProgress?.(p);
        return p.status === 'SUCCEEDED' || p.status === 'FAILED' || p.status === 'REJECTED';
      },
      `job ${corrId} did not finish`,
      options.jobTimeoutMs ?? 120_000,
      noJob.signal,
    );
    final.catch(() => undefined);
    await this.client.subscribeAsync([responseTopic, progressTopic], { qos: 1 });
    const ttl = Math.max(1, Math.round((Date.parse(envelope.expiresAt) - Date.now()) / 1000));
    await this.client.publishAsync(this.topic(id, `cmd/req/${name}`), JSON.stringify(envelope), {
      qos: 1,
      properties: { responseTopic, correlationData: Buffer.from(corrId), messageExpiryInterval: ttl },
    });
    const answer = await response;
    if (
      answer.status === 'ok' &&
      typeof answer.data === 'object' &&
      answer.data !== null &&
      'jobId' in answer.data
    ) {
      return { ...answer, job: await final };
    }
    noJob.abort();
    return answer;
  }

  /**
   * Calls `on` for every message the selected boxes send on `suffix` (`calls/escalation`, `digest/weekly`) until
   * the session closes. A group is matched against the group named in each box's retained state, kept current
   * while following (a last will names no group: a box keeps the group last seen).
   */
  async follow(
    suffix: string,
    on: (deviceId: string, payload: unknown) => void,
    from: { id?: string; group?: string } = {},
  ): Promise<void> {
    const groups = new Map<string, string>();
    this.client.on('message', (topic, payload) => {
      const [id = '', ...rest] = topic.slice(this.#prefix.length + 1).split('/');
      const what = rest.join('/');
      if (what === 'state') {
        const state = parseJson(payload) as { group?: unknown } | undefined;
        if (typeof state?.group === 'string') groups.set(id, state.group);
      } else if (what === suffix && (from.group === undefined || groups.get(id) === from.group)) {
        on(id, parseJson(payload));
      }
    });
    // States first: their retained messages arrive right after SUBACK, before any new message on `suffix`.
    const topics = [this.topic(from.id ?? '+', suffix)];
    if (from.group !== undefined) topics.unshift(this.topic('+', 'state'));
    await this.client.subscribeAsync(topics, { qos: 1 });
  }

  #waitFor<T>(
    topic: string,
    match: (value: T) => boolean,
    what: string,
    timeoutMs = this.timeoutMs * 3,
    cancel?: AbortSignal,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('message', onMessage);
      };
      const timer = setTimeout(() => {
        done();
        reject(new LinekeeperError(ErrorCode.Mqtt_Unreachable, `${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== topic) return;
        const value = parseJson(payload) as T | undefined;
        if (value === undefined || !match(value)) return;
        done();
        resolve(value);
      };
      this.client.on('message', onMessage);
      cancel?.addEventListener('abort', () => {
        done();
        reject(new Error('cancelled'));
      });
    });
  }
}

function parseJson(payload: Buffer | undefined): unknown {
  if (!payload) return undefined;
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

function unknownDevice(id: string, topic: string): LinekeeperError {
  return new LinekeeperError(
    ErrorCode.Fleet_Rejected,
    `unknown device ${id}: nothing on ${topic} (check the id; a box appears once it has connected)`,
  );
}

function toView(id: string, value: unknown): DeviceView {
  const s = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    id,
    online: s.online === true,
    app: String(s.app ?? 'unknown'),
    group: String(s.group ?? ''),
    configVersion: Number(s.configVersion ?? 0),
    profileVersion: Number(s.profileVersion ?? 0),
    lastSeen: String(s.ts ?? 'unknown'),
    sessionId: String(s.sessionId ?? ''),
    health: s.online === true ? String(s.health ?? 'ok') : String(s.reason ?? 'offline'),
  };
}
