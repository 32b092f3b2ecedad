/**
 * A box for fleet tests: a real Mosquitto, the fleet key pair, a device directory with config and profile, an
 * install directory with a release, and the daemon's MQTT connection plus fleet agent, restartable in-process the
 * way systemd restarts the daemon. Its data directory is `dir`; models are checked against `manifestFile`.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetAgent } from '../../src/fleet/agent.js';
import { FleetOperator } from '../../src/fleet/operator.js';
import { IdleRestart } from '../../src/fleet/reload.js';
import { generateFleetKeys } from '../../src/fleet/signing.js';
import { Updater } from '../../src/fleet/updater.js';
import { releaseHealthCheck } from '../../src/fleet/wiring.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { boxStorageYaml } from './box-storage.js';
import { TestBroker } from './mosquitto.js';
import { SHARED_EXAMPLES } from './paths.js';

/** A release directory whose `bin/linekeeper.js` runs `body`. */
export async function writeRelease(dir: string, body: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'bin/linekeeper.js'), body);
}

/** The rig. */
export class FleetRig {
  agent: FleetAgent | undefined;
  connection: MqttConnection | undefined;
  restarts = 0;
  applied: string[] = [];
  /** What the agent logged at warn level and above. */
  logLines: string[] = [];
  /**
   * While true, a restart only stops the daemon: the release it switched to crashes before the agent runs, and
   * nothing comes back until the test starts it (`boot`), as systemd does once linekeeper-rollback has run.
   */
  startsFail = false;
  #booting: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly broker: TestBroker,
    readonly privateKey: KeyObject,
    readonly operator: FleetOperator,
    readonly modelsBaseUrl: string,
  ) {}

  get deviceDir(): string {
    return join(this.dir, 'etc');
  }
  get installDir(): string {
    return join(this.dir, 'opt');
  }
  get configFile(): string {
    return join(this.deviceDir, 'config.yaml');
  }
  get shopFile(): string {
    return join(this.deviceDir, 'shop.yaml');
  }
  get modelsDir(): string {
    return join(this.dir, 'models');
  }
  get keyFile(): string {
    return join(this.dir, 'fleet-private.pem');
  }
  get manifestFile(): string {
    return join(this.dir, 'manifest.json');
  }

  /** Resolves once the restarts asked for so far are done (the box is up again, or down while `startsFail`). */
  async restarted(): Promise<void> {
    await this.#booting;
  }

  /**
   * Builds everything and boots the box; `modelsBaseUrl` stands for the config's `speech.modelsBaseUrl` (default:
   * a port nothing listens on).
   */
  static async start(
    t: { teardown(fn: () => Promise<void>): void },
    options: { modelsBaseUrl?: string } = {},
  ): Promise<FleetRig> {
    const dir = await mkdtemp(join(tmpdir(), 'lk-fleet-'));
    const broker = await TestBroker.start();
    const keys = generateFleetKeys();
    await writeFile(join(dir, 'fleet-private.pem'), keys.privatePem, { mode: 0o600 });
    await writeFile(join(dir, 'fleet-public.pem'), keys.publicPem);
    await mkdir(join(dir, 'etc'));
    await copyFile(`${SHARED_EXAMPLES}shop-bakery.yaml`, join(dir, 'etc/shop.yaml'));
    await copyFile(`${SHARED_EXAMPLES}orders-bakery.csv`, join(dir, 'etc/orders-bakery.csv'));
    await writeFile(
      join(dir, 'etc/config.yaml'),
      `version: 1\ndevice: { id: shop-0001 }\nshopProfile: shop.yaml\nmodem: { port: ${join(dir, 'no-modem')} }\n` +
        `${await boxStorageYaml(dir)}mqtt: { enabled: true, url: "${broker.url}" }\n`,
    );
    await writeRelease(join(dir, 'opt/releases/1.0.0'), 'process.exit(0);\n');
    await symlink('releases/1.0.0', join(dir, 'opt/current'));
    const operator = await FleetOperator.connect({ url: broker.url });
    const rig = new FleetRig(
      dir,
      broker,
      createPrivateKey(keys.privatePem),
      operator,
      options.modelsBaseUrl ?? 'http://127.0.0.1:1',
    );
    t.teardown(async () => {
      await rig.#booting;
      await rig.shutdown();
      await operator.close();
      await broker.dispose();
      await rm(dir, { recursive: true, force: true });
    });
    await rig.boot();
    return rig;
  }

  /** Starts the connection and the agent, as the daemon does at start. */
  async boot(): Promise<void> {
    const connection = new MqttConnection({
      url: this.broker.url,
      clientId: 'shop-0001',
      devicePrefix: 'lk/v1/shop-0001',
      keepaliveSeconds: 5,
      sessionExpirySeconds: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      stateFields: { app: '1.0.0' },
      log: silentLogger,
    });
    let agent: FleetAgent | undefined;
    const restart = () => {
      this.restarts++;
      this.#booting = this.#booting.then(async () => {
        await this.shutdown();
        if (!this.startsFail) await this.boot();
      });
    };
    // The rig's box has no line: it is always idle.
    const restarts = new IdleRestart({ state: 'idle', once: () => undefined }, restart, silentLogger);
    const updater = new Updater({
      installDir: this.installDir,
      dataDir: this.dir,
      modelsDir: this.modelsDir,
      modelsBaseUrl: this.modelsBaseUrl,
      manifestFile: this.manifestFile,
      get state() {
        if (!agent) throw new Error('not started');
        return agent.state;
      },
      healthSeconds: 3,
      healthRetryMs: 200,
      healthCheck: releaseHealthCheck(this.installDir, this.configFile, () => connection.connected),
      restartWhenIdle: (reason, before) => restarts.request(reason, before),
      log: silentLogger,
    });
    agent = new FleetAgent({
      deviceId: 'shop-0001',
      link: connection,
      publicKeyFile: join(this.dir, 'fleet-public.pem'),
      stateFile: join(this.dir, 'fleet-state.json'),
      configFile: this.configFile,
      shopFile: this.shopFile,
      appVersion: '1.0.0',
      group: 'north',
      telemetry: { outbox: () => ({ depth: 3, oldestAgeS: 42 }) },
      telemetryIntervalMs: 60_000,
      dataDir: this.dir,
      updater,
      onApplied: async (kind) => {
        this.applied.push(kind);
      },
      commands: {
        restart: async () => {
          restart();
          return 'restarting';
        },
      },
      log: createLogger({ level: 'warn', write: (line) => this.logLines.push(line) }),
    });
    await connection.start();
    await agent.start();
    await connection.waitConnected(10_000);
    this.connection = connection;
    this.agent = agent;
  }

  /** Stops the agent and the connection (publishing offline), as SIGTERM does. */
  async shutdown(): Promise<void> {
    const { agent, connection } = this;
    this.agent = undefined;
    this.connection = undefined;
    await agent?.stop();
    await connection?.stop();
  }
}
