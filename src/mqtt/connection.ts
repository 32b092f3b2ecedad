/**
 * The box's one MQTT 5 connection, shared by sync and the fleet agent.
 *
 * MQTT.js is used only as a protocol client: its own reconnect timer is off and nothing is queued in it while
 * offline (fleet.md §4: fixed-interval reconnects, in-memory stores, `reconnect()` dropping stores). This
 * supervisor creates a fresh client per attempt with exponential backoff and full jitter, re-subscribes every
 * handler on each connect, republishes the retained `state` (with a retained last will saying offline), and
 * rejects publishes made while disconnected so that callers keep their own durable queue (the sync outbox).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** TLS material for a client-certificate connection (PEM contents). */
export interface MqttTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** How the connection is made. */
export interface MqttConnectionOptions {
  /** Broker URL, `mqtts://host:8883` or `mqtt://…`. */
  url: string;
  /** MQTT client id (the device id, which is also the certificate CN and username). */
  clientId: string;
  /** Prefix of this box's topics, e.g. `lk/v1/shop-0001`; `null` for a cloud consumer with no device state. */
  devicePrefix: string | null;
  keepaliveSeconds: number;
  /** Persistent session lifetime; 0 = a clean session every time. */
  sessionExpirySeconds: number;
  tls?: MqttTls;
  /** PEM files read at `start()` (for services composed before any I/O); merged over `tls`. */
  tlsFiles?: { caFile: string; certFile: string; keyFile: string };
  username?: string;
  password?: string;
  /** First reconnect delay bound, ms (full jitter picks a delay below the bound). */
  reconnectMinMs: number;
  /** Largest reconnect delay bound, ms. */
  reconnectMaxMs: number;
  /** Fields always present in the retained state (app version, boot id). */
  stateFields?: Record<string, unknown>;
  log: Logger;
  /** Random numbers in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
}

/** A message delivered to a subscription handler. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  /** MQTT 5 user properties of the message. */
  userProperties: Record<string, string | string[]>;
  /** MQTT 5 request/response: where the requester wants the answer. */
  responseTopic?: string;
  /** MQTT 5 request/response: echoed in the answer. */
  correlationData?: Buffer;
}

/** Receives messages for one subscription; errors it throws are logged, never crash the connection. */
export type MessageHandler = (message: MqttMessage) => void | Promise<void>;
/** Receives parsed JSON; malformed payloads are logged and dropped before reaching it. */
export type JsonHandler = (value: unknown, message: MqttMessage) => void | Promise<void>;

/** Options of one publish. */
export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
  /** MQTT 5 user properties (e.g. `eventId`). */
  userProperties?: Record<string, string>;
  /** Message expiry, seconds. */
  expirySeconds?: number;
  /** MQTT 5 request/response: the topic of the answer. */
  responseTopic?: string;
  /** MQTT 5 request/response: correlation data (echoed from the request). */
  correlationData?: Buffer;
}

interface Subscription {
  filter: string;
  qos: 0 | 1;
  handler: MessageHandler;
}

type ConnectListener = (info: { sessionPresent: boolean }) => void;
type DisconnectListener = (reason: string) => void;

/** Matches an MQTT topic against a filter with `+`/`#` wildcards (and an optional `$share/group/` prefix). */
export function topicMatches(filter: string, topic: string): boolean {
  const plain = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  const f = plain.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The supervised MQTT connection. Start it once; it reconnects by itself until stopped. */
export class MqttConnection {
  readonly name = 'mqtt';
  readonly #options: MqttConnectionOptions;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #subscriptions = new Set<Subscription>();
  readonly #connectListeners = new Set<ConnectListener>();
  readonly #disconnectListeners = new Set<DisconnectListener>();
  readonly #pending = new Set<(error: Error) => void>();
  #client: MqttClient | undefined;
  #connected = false;
  #stopped = true;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #state: Record<string, unknown> = {};
  #sessionId = '';
  #connects = 0;

  constructor(options: MqttConnectionOptions) {
    this.#options = { ...options };
    this.#log = options.log;
    this.#random = options.random ?? Math.random;
  }

  /** True while a session with the broker is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** How many times a session has been established (for tests and telemetry). */
  get connects(): number {
    return this.#connects;
  }

  /** The id of the current client session, also in the retained state and the last will. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The full topic for a suffix under this box's prefix: `topic('state')` → `lk/v1/{id}/state`. */
  topic(suffix: string): string {
    if (this.#options.devicePrefix === null) throw new Error('this connection has no device prefix');
    return `${this.#options.devicePrefix}/${suffix}`;
  }

  /** Starts connecting; resolves at once (the connection comes up in the background and retries forever). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    if (this.#options.tlsFiles) {
      this.#options.tls = { ...this.#options.tls, ...(await loadTls(this.#options.tlsFiles)) };
    }
    this.#stopped = false;
    this.#connectNow();
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  waitConnected(timeoutMs = 30_000): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new LinekeeperError(ErrorCode.Mqtt_Unreachable, `no MQTT connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onConnect(() => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Publishes an offline state (when it has a device prefix), closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (this.#connected && this.#options.devicePrefix !== null) {
      try {
        await client.publishAsync(this.topic('state'), JSON.stringify(this.#offlineState('stopped')), {
          qos: 1,
          retain: true,
        });
      } catch (e) {
        this.#log.debug(`offline state not published: ${describeError(e)}`);
      }
    }
    this.#markDisconnected('stopped');
    await client.endAsync(true).catch(() => undefined);
  }

  /** Calls `listener` on every (re)connect; returns a function that removes it. */
  onConnect(listener: ConnectListener): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  /** Calls `listener` whenever the session is lost; returns a function that removes it. */
  onDisconnect(listener: DisconnectListener): () => void {
    this.#disconnectListeners.add(listener);
    return () => this.#disconnectListeners.delete(listener);
  }

  /**
   * Publishes now. Rejects with `Mqtt_Unreachable` when disconnected (nothing is queued here) and with the
   * broker's reason when it refuses (MQTT 5 PUBACK ≥ 0x80, e.g. not authorised). Objects are sent as JSON.
   */
  publish(topic: string, payload: string | Buffer | object, options: PublishOptions = {}): Promise<void> {
    const client = this.#client;
    if (!client || !this.#connected) {
      return Promise.reject(
        new LinekeeperError(ErrorCode.Mqtt_Unreachable, `not connected to ${this.#options.url}`),
      );
    }
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    const publishOptions: IClientPublishOptions = { qos: options.qos ?? 1, retain: options.retain ?? false };
    const properties: NonNullable<IClientPublishOptions['properties']> = {};
    if (options.userProperties) properties.userProperties = options.userProperties;
    if (options.expirySeconds !== undefined) properties.messageExpiryInterval = options.expirySeconds;
    if (options.responseTopic !== undefined) properties.responseTopic = options.responseTopic;
    if (options.correlationData !== undefined) properties.correlationData = options.correlationData;
    if (Object.keys(properties).length > 0) publishOptions.properties = properties;
    return new Promise<void>((resolve, reject) => {
      // MQTT.js may never settle a publish whose connection closed (MQTT.js#1974): settle it ourselves.
      const abort = (error: Error) => {
        this.#pending.delete(abort);
        reject(error);
      };
      this.#pending.add(abort);
      client.publish(topic, body, publishOptions, (error) => {
        if (!this.#pending.delete(abort)) return;
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /**
   * Subscribes `handler` to `filter` (full topic filter, wildcards and `$share/…` allowed), now if connected
   * and again on every reconnect. Returns a function that unsubscribes.
   */
  subscribe(filter: string, handler: MessageHandler, options: { qos?: 0 | 1 } = {}): () => void {
    const subscription: Subscription = { filter, qos: options.qos ?? 1, handler };
    this.#subscriptions.add(subscription);
    if (this.#client && this.#connected) this.#subscribeOne(this.#client, subscription);
    return () => {
      this.#subscriptions.delete(subscription);
      if (this.#client && this.#connected) this.#client.unsubscribe(filter);
    };
  }

  /** Like `subscribe`, but parses JSON; a malformed payload is logged (`Mqtt_BadPayload`) and dropped. */
  subscribeJson(filter: string, handler: JsonHandler, options: { qos?: 0 | 1 } = {}): () => void {
    return this.subscribe(
      filter,
      (message) => {
        let value: unknown;
        try {
          value = JSON.parse(message.payload.toString('utf8'));
        } catch (e) {
          const error = new LinekeeperError(
            ErrorCode.Mqtt_BadPayload,
            `dropped a message on ${message.topic}: payload is not JSON (${describeError(e)}; ${message.payload.length} bytes)`,
          );
          this.#log.warn(error.message);
          return;
        }
        return handler(value, message);
      },
      options,
    );
  }

  /** Merges fields into the retained `state` document and republishes it when connected. */
  async setState(fields: Record<string, unknown>): Promise<void> {
    this.#state = { ...this.#state, ...fields };
    if (this.#connected) await this.#publishState().catch((e) => this.#log.debug(describeError(e)));
  }

  #onlineState(): Record<string, unknown> {
    return {
      ...this.#options.stateFields,
      ...this.#state,
      online: true,
      sessionId: this.#sessionId,
      ts: new Date().toISOString(),
    };
  }

  #offlineState(reason: string): Record<string, unknown> {
    return { online: false, sessionId: this.#sessionId, reason };
  }

  #publishState(): Promise<void> {
    return this.publish(this.topic('state'), this.#onlineState(), { qos: 1, retain: true });
  }

  #connectNow(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const previous = this.#client;
    if (previous) previous.end(true);
    this.#sessionId = randomUUID();
    const o = this.#options;
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: o.clientId,
      keepalive: o.keepaliveSeconds,
      clean: o.sessionExpirySeconds === 0,
      reconnectPeriod: 0,
      connectTimeout: Math.max(5_000, o.keepaliveSeconds * 1_000),
      queueQoSZero: false,
      resubscribe: false,
      properties: { sessionExpiryInterval: o.sessionExpirySeconds },
      rejectUnauthorized: true,
    };
    if (o.tls?.ca) clientOptions.ca = o.tls.ca;
    if (o.tls?.cert) clientOptions.cert = o.tls.cert;
    if (o.tls?.key) clientOptions.key = o.tls.key;
    if (o.username !== undefined) clientOptions.username = o.username;
    if (o.password !== undefined) clientOptions.password = o.password;
    if (o.devicePrefix !== null) {
      clientOptions.will = {
        topic: `${o.devicePrefix}/state`,
        payload: Buffer.from(JSON.stringify(this.#offlineState('lost'))),
        qos: 1,
        retain: true,
      };
    }
    const client = mqtt.connect(o.url, clientOptions);
    this.#client = client;
    client.on('connect', (connack) => {
      if (client !== this.#client) return;
      // Small QoS 1 packets and their acks otherwise wait on Nagle + delayed ACK (~40 ms each way).
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      this.#attempt = 0;
      this.#connected = true;
      this.#connects++;
      const sessionPresent = connack.sessionPresent;
      this.#log.info(`connected to ${o.url}`, { sessionPresent });
      for (const subscription of this.#subscriptions) this.#subscribeOne(client, subscription);
      if (o.devicePrefix !== null) {
        this.#publishState().catch((e) => this.#log.warn(`state not published: ${describeError(e)}`));
      }
      for (const listener of this.#connectListeners) {
        try {
          listener({ sessionPresent });
        } catch (e) {
          this.#log.error(`connect listener failed: ${describeError(e)}`);
        }
      }
    });
    client.on('message', (topic, payload, packet) => {
      if (client !== this.#client) return;
      const userProperties = packet.properties?.userProperties ?? {};
      const message: MqttMessage = { topic, payload, userProperties };
      if (packet.properties?.responseTopic) message.responseTopic = packet.properties.responseTopic;
      if (packet.properties?.correlationData) message.correlationData = packet.properties.correlationData;
      for (const subscription of this.#subscriptions) {
        if (!topicMatches(subscription.filter, topic)) continue;
        this.#deliver(subscription, message);
      }
    });
    client.on('error', (error) => {
      if (client !== this.#client) return;
      this.#log.warn(`MQTT error: ${error.message}`);
      // Some errors (TLS refusal, CONNACK refusal) do not close the stream by themselves.
      this.#lost(client, error.message);
    });
    client.on('close', () => {
      if (client !== this.#client) return;
      this.#lost(client, 'connection closed');
    });
  }

  #deliver(subscription: Subscription, message: MqttMessage): void {
    try {
      const result = subscription.handler(message);
      if (result instanceof Promise) {
        result.catch((e) =>
          this.#log.error(`handler for ${subscription.filter} failed: ${describeError(e)}`),
        );
      }
    } catch (e) {
      this.#log.error(`handler for ${subscription.filter} failed: ${describeError(e)}`);
    }
  }

  #subscribeOne(client: MqttClient, subscription: Subscription): void {
    client.subscribe(subscription.filter, { qos: subscription.qos }, (error, granted) => {
      if (error) {
        this.#log.warn(`subscribe ${subscription.filter} failed: ${error.message}`);
        return;
      }
      const refused = (granted ?? []).find((g) => g.qos >= 0x80);
      if (refused)
        this.#log.warn(
          `subscribe ${subscription.filter} refused by the broker (0x${refused.qos.toString(16)})`,
        );
    });
  }

  #markDisconnected(reason: string): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    const error = new LinekeeperError(ErrorCode.Mqtt_Unreachable, `MQTT connection lost: ${reason}`);
    for (const abort of [...this.#pending]) abort(error);
    if (!wasConnected) return;
    this.#log.info(`disconnected: ${reason}`);
    for (const listener of this.#disconnectListeners) {
      try {
        listener(reason);
      } catch (e) {
        this.#log.error(`disconnect listener failed: ${describeError(e)}`);
      }
    }
  }

  #lost(client: MqttClient, reason: string): void {
    this.#markDisconnected(reason);
    if (this.#stopped || this.#timer) return;
    client.end(true);
    const bound = Math.min(this.#options.reconnectMaxMs, this.#options.reconnectMinMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    // Full jitter: a fleet that lost its broker at once does not come back at once.
    const delay = Math.round(this.#random() * bound);
    this.#log.debug(`reconnecting in ${delay} ms (attempt ${this.#attempt})`);
    this.#timer = setTimeout(() => this.#connectNow(), delay);
  }
}

/** The `mqtt` config fields the device connection uses. */
export interface DeviceMqttConfig {
  url: string;
  topicPrefix: string;
  keepaliveSeconds: number;
  sessionExpirySeconds: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The box's connection from the `mqtt` config section: client id = device id, prefix `{topicPrefix}/{id}`. */
export function createDeviceConnection(
  config: DeviceMqttConfig,
  deviceId: string,
  log: Logger,
  stateFields: Record<string, unknown> = {},
): MqttConnection {
  return new MqttConnection({
    url: config.url,
    clientId: deviceId,
    devicePrefix: `${config.topicPrefix}/${deviceId}`,
    keepaliveSeconds: config.keepaliveSeconds,
    sessionExpirySeconds: config.sessionExpirySeconds,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
    tlsFiles: { caFile: config.caFile, certFile: config.certFile, keyFile: config.keyFile },
    stateFields,
    log,
  });
}

/** Reads the CA, client certificate and key named in the `mqtt` config (empty names are skipped). */
export async function loadTls(config: {
  caFile: string;
  certFile: string;
  keyFile: string;
}): Promise<MqttTls> {
  const { readFile } = await import('node:fs/promises');
  const read = async (file: string, what: string): Promise<Buffer | undefined> => {
    if (file === '') return undefined;
    try {
      return await readFile(file);
    } catch (e) {
      throw new LinekeeperError(ErrorCode.Config_Unreadable, `cannot read the MQTT ${what} ${file}`, {
        cause: e,
      });
    }
  };
  const tls: MqttTls = {};
  const ca = await read(config.caFile, 'CA certificate');
  const cert = await read(config.certFile, 'client certificate');
  const key = await read(config.keyFile, 'client key');
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return tls;
}
