/**
 * A real Mosquitto broker for tests: its own config, port and persistence directory, started on loopback and
 * controllable like a production broker (stop, kill -9, restart with or without its saved state).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertFiles } from './certs.js';
import { freePort } from './free-port.js';

/** How the broker is set up. */
export interface MosquittoOptions {
  /** TLS listener with client certificates; the certificate CN becomes the MQTT username. */
  tls?: { ca: string; server: CertFiles };
  /** ACL file text (`user`/`pattern` lines), e.g. `pattern readwrite lk/v1/%u/#`. */
  acl?: string;
  /** Username → password for a password file (plain listeners). */
  passwords?: Record<string, string>;
  /** Keep messages in a persistence file across restarts (default true). */
  persistence?: boolean;
  /** Extra mosquitto.conf lines. */
  extra?: string[];
}

/** A running (or stopped) test broker. */
export class TestBroker {
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly configFile: string,
    readonly tls: boolean,
  ) {}

  /** The URL clients connect to. */
  get url(): string {
    return `${this.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  /** What the broker has logged so far. */
  get log(): string {
    return this.#log;
  }

  /** Writes the config and starts the broker; resolves once it accepts connections. */
  static async start(options: MosquittoOptions = {}): Promise<TestBroker> {
    const dir = await mkdtemp(join(tmpdir(), 'lk-mosquitto-'));
    const port = await freePort();
    const lines = [
      `listener ${port} 127.0.0.1`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      `persistence ${options.persistence === false ? 'false' : 'true'}`,
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
    ];
    // Run as root in CI: without this mosquitto drops to the `mosquitto` user, who cannot read the temp dir.
    if (process.getuid?.() === 0) lines.push('user root');
    if (options.tls) {
      lines.push(
        `cafile ${options.tls.ca}`,
        `certfile ${options.tls.server.cert}`,
        `keyfile ${options.tls.server.key}`,
        'require_certificate true',
        'use_identity_as_username true',
        'allow_anonymous false',
      );
    } else if (options.passwords) {
      const passwordFile = join(dir, 'passwords');
      await writeFile(passwordFile, '');
      for (const [user, password] of Object.entries(options.passwords)) {
        await runToEnd('mosquitto_passwd', ['-b', passwordFile, user, password]);
      }
      lines.push(`password_file ${passwordFile}`, 'allow_anonymous false');
    } else {
      lines.push('allow_anonymous true');
    }
    if (options.acl !== undefined) {
      const aclFile = join(dir, 'acl');
      await writeFile(aclFile, options.acl);
      lines.push(`acl_file ${aclFile}`);
    }
    lines.push(...(options.extra ?? []));
    const configFile = join(dir, 'mosquitto.conf');
    await writeFile(configFile, `${lines.join('\n')}\n`);
    const broker = new TestBroker(dir, port, configFile, options.tls !== undefined);
    await broker.restart();
    return broker;
  }

  /** Starts the broker again on the same port; `wipe` deletes its saved state first. */
  async restart(options: { wipe?: boolean } = {}): Promise<void> {
    if (this.#child) await this.stop();
    if (options.wipe) await rm(join(this.dir, 'mosquitto.db'), { force: true });
    const child = spawn('mosquitto', ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mosquitto did not start within 10 s:\n${this.#log}`)),
        10_000,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#log += chunk.toString();
        // Mosquitto prints "mosquitto version X running" once its listeners are open.
        if (/ running\b/.test(this.#log.split('\n').slice(-5).join('\n'))) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited with ${code}:\n${this.#log}`));
      });
    });
  }

  /** Stops the broker gracefully (it saves its state) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  /** Kills the broker with SIGKILL, as a power cut would, and waits for it to be gone. */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** Stops the broker and deletes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}

function runToEnd(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}
