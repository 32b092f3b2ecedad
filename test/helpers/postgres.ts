/**
 * A real PostgreSQL 15 for tests: initdb in a temp dir and `postgres` on a free loopback port. initdb and
 * postgres refuse to run as root (tests run as root in CI), so as root they are spawned with the uid/gid of the
 * `postgres` system user from the Debian package, in a directory chowned to it. Readiness is the "ready to accept connections" line.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/** uid/gid of the `postgres` system user when running as root (spawned directly, so signals reach it). */
interface Identity {
  uid?: number;
  gid?: number;
}

/** A running test database server. */
export class TestPostgres {
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly user: string,
    readonly identity: Identity,
  ) {}

  /** Connection string for the `postgres` database. */
  get url(): string {
    return `postgres://${this.user}@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates a cluster and starts it; resolves once it accepts connections. */
  static async start(): Promise<TestPostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'lk-postgres-'));
    const root = process.getuid?.() === 0;
    const identity: Identity = {};
    if (root) {
      identity.uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      identity.gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      await chown(dir, identity.uid, identity.gid);
    }
    await chmod(dir, 0o700);
    const user = root ? 'postgres' : userInfo().username;
    const data = join(dir, 'data');
    await run(
      `${BIN}/initdb`,
      ['-D', data, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { ...identity, cwd: dir },
    );
    const server = new TestPostgres(dir, await freePort(), user, identity);
    await server.#spawn();
    return server;
  }

  /** A connection pool to the test server (closed by the caller). */
  pool(max = 4): pg.Pool {
    const pool = new pg.Pool({ connectionString: this.url, max });
    // Idle clients see "terminating connection" when a test stops the server first; that is expected.
    pool.on('error', () => undefined);
    return pool;
  }

  /** Stops the server (fast shutdown) and deletes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Stops the server and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    await exited;
  }

  /** Starts the server again on the same port (after `stop`). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    const args = [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${this.dir}`,
      '-c',
      'fsync=off',
      '-c',
      'logging_collector=off',
    ];
    const child = spawn(`${BIN}/postgres`, args, {
      ...this.identity,
      cwd: this.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    this.#log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`postgres did not start in 30 s:\n${this.#log}`)),
        30_000,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#log += chunk.toString();
        if (this.#log.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited with ${code}:\n${this.#log}`));
      });
    });
  }
}
