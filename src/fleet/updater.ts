/**
 * Jobs that install things: `models.install` and `app.update` (fleet.md §8.4). The command that starts a job is
 * signed and carries the artifact's SHA-256, so the signature covers the artifact.
 *
 *   app.update: download ─► SHA-256 ─► unpack into releases/.staging-<job> ─► rename to releases/<version>
 *     ─► remember {from, to} ─► line idle? (else "waiting for the call in progress to end" until it ends)
 *     ─► switch `current` (atomic symlink rename) ─► restart
 *   after the restart: `current` is not `to` (stopped before the switch) ─► FAILED, nothing changed
 *     │ deadline = now + healthSeconds (only now: waiting for a call never eats into it)
 *     ─► health check until the deadline ─► ok: SUCCEEDED │ failing: (line idle) switch back, FAILED, restart
 *
 * `current` is the truth about what runs: the remembered update only says which job it belongs to.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { FleetState } from './fleet-state.js';
import type { BeforeRestart, RestartTiming } from './reload.js';

const run = promisify(execFile);

/** Job states (the AWS IoT Jobs vocabulary). */
export type JobStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';

/** One progress report of a job. */
export interface JobProgress {
  status: JobStatus;
  step: string;
  /** 0..100 while downloading. */
  percent?: number;
  statusDetails?: string;
}

/** Publishes a job's progress. */
export type ProgressSink = (progress: JobProgress) => Promise<void>;

/** An artifact named by a signed command. */
export interface ArtifactArgs {
  /** https://, http:// or file:// URL, or an absolute path. */
  url: string;
  /** Hex SHA-256 of the artifact. */
  sha256: string;
}

/** The health of a freshly started release. */
export type HealthCheck = () => Promise<{ ok: boolean; reason?: string }>;

/** Options of the updater. */
export interface UpdaterOptions {
  /** Holds releases/ and the `current` symlink. */
  installDir: string;
  modelsDir: string;
  state: FleetState;
  /** How long a new release has to pass the health check, counted from its first start. */
  healthSeconds: number;
  /** Pause between health check attempts, ms (default 2 s). */
  healthRetryMs?: number;
  healthCheck: HealthCheck;
  /**
   * Restarts the daemon once the line is idle, running `before` right before (IdleRestart.request; under systemd
   * the daemon exits non-zero so that Restart=on-failure starts it again).
   */
  restartWhenIdle: (reason: string, before: BeforeRestart) => RestartTiming;
  log: Logger;
}

function assertSha256(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/i.test(value)) {
    throw new Error('sha256 must be 64 hex digits');
  }
  return value.toLowerCase();
}

/** Downloads (or copies) an artifact to `to`, reporting percent, and checks its SHA-256. */
export async function fetchArtifact(args: ArtifactArgs, to: string, progress: ProgressSink): Promise<void> {
  const expected = assertSha256(args.sha256);
  if (typeof args.url !== 'string' || args.url === '') throw new Error('url is missing');
  let body: Readable;
  let total = 0;
  if (/^https?:\/\//.test(args.url)) {
    const response = await fetch(args.url);
    if (!response.ok || !response.body)
      throw new Error(`download failed: HTTP ${response.status} from ${args.url}`);
    total = Number(response.headers.get('content-length') ?? 0);
    body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  } else {
    const path = args.url.startsWith('file://') ? fileURLToPath(args.url) : args.url;
    total = (await stat(path)).size;
    body = createReadStream(path);
  }
  const hash = createHash('sha256');
  let received = 0;
  let reported = -1;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      const percent = total > 0 ? Math.floor((received / total) * 100) : 0;
      if (percent >= reported + 25) {
        reported = percent;
        void progress({ status: 'IN_PROGRESS', step: 'downloading', percent });
      }
      done(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(to));
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await rm(to, { force: true });
    throw new Error(`SHA-256 mismatch: expected ${expected}, got ${actual}; nothing was installed`);
  }
}

/** Points `link` at `target` atomically (a new symlink renamed over the old one). */
export async function switchSymlink(link: string, target: string): Promise<void> {
  const temp = `${link}.${randomBytes(4).toString('hex')}.new`;
  await symlink(target, temp);
  await rename(temp, link);
}

/** Installs models and app releases for the fleet agent. */
export class Updater {
  readonly #o: UpdaterOptions;

  constructor(options: UpdaterOptions) {
    this.#o = options;
  }

  get #releases(): string {
    return join(this.#o.installDir, 'releases');
  }

  get #current(): string {
    return join(this.#o.installDir, 'current');
  }

  /** `models.install {name, url, sha256}`: verified download into the models directory. */
  async installModel(args: ArtifactArgs & { name: string }, progress: ProgressSink): Promise<string> {
    if (typeof args.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(args.name)) {
      throw new Error('name must be a plain file name (letters, digits, dot, dash, underscore)');
    }
    await mkdir(this.#o.modelsDir, { recursive: true });
    const partial = join(this.#o.modelsDir, `.${args.name}.partial`);
    await fetchArtifact(args, partial, progress);
    await progress({ status: 'IN_PROGRESS', step: 'installing' });
    await rename(partial, join(this.#o.modelsDir, args.name));
    return `installed ${args.name} in ${this.#o.modelsDir}`;
  }

  /**
   * `app.update {version, url, sha256}`: stages the release, then, once the line is idle, switches to it and has
   * the daemon restart; resolves after the switch.
   */
  async startAppUpdate(
    jobId: string,
    args: ArtifactArgs & { version: string },
    progress: ProgressSink,
  ): Promise<void> {
    if (typeof args.version !== 'string' || !/^[A-Za-z0-9._-]+$/.test(args.version)) {
      throw new Error('version must be a plain release name, e.g. 0.2.0');
    }
    this.#assertNoUpdatePending();
    const from = basename(await readlink(this.#current));
    const archive = join(this.#releases, `.download-${jobId}.tar.gz`);
    const staging = join(this.#releases, `.staging-${jobId}`);
    try {
      await fetchArtifact(args, archive, progress);
      await progress({ status: 'IN_PROGRESS', step: 'unpacking' });
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      await run('tar', ['-xzf', archive, '-C', staging, '--no-same-owner']);
      await stat(join(staging, 'bin/linekeeper.js')).catch(() => {
        throw new Error('the artifact is not a release: bin/linekeeper.js is missing');
      });
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    } finally {
      await rm(archive, { force: true });
    }
    let to = args.version;
    if (
      await stat(join(this.#releases, to)).then(
        () => true,
        () => false,
      )
    )
      to = `${to}-${jobId.slice(0, 8)}`;
    await rename(staging, join(this.#releases, to));
    // Checked again in the same turn as it is set: two updates never both pass.
    await this.#o.state.update((d) => {
      this.#assertNoUpdatePending();
      d.pendingUpdate = { jobId, from, to };
    });
    await this.#atIdleRestart(
      `app update to ${to}`,
      async () => {
        try {
          await switchSymlink(this.#current, `releases/${to}`);
        } catch (e) {
          await this.#o.state.update((d) => {
            delete d.pendingUpdate;
          });
          throw e;
        }
        this.#o.log.info(`app update ${jobId}: switched to ${to}, restarting for the health check`);
        await progress({
          status: 'IN_PROGRESS',
          step: 'restarting',
          statusDetails: `switched ${from} → ${to}`,
        });
      },
      progress,
      `${to} is staged; waiting for the call in progress to end`,
    );
  }

  #assertNoUpdatePending(): void {
    const pending = this.#o.state.data.pendingUpdate;
    if (pending) throw new Error(`another update is in progress (job ${pending.jobId}, to ${pending.to})`);
  }

  /**
   * Has `step` run right before the next restart, which waits for an idle line; reports `waiting` as progress
   * while a call holds it up. Resolves once `step` has run (the restart follows), rejects with its error.
   */
  async #atIdleRestart(
    reason: string,
    step: () => Promise<void>,
    progress: ProgressSink,
    waiting: string,
  ): Promise<void> {
    let timing = 'now' as RestartTiming;
    const ran = new Promise<void>((resolve, reject) => {
      timing = this.#o.restartWhenIdle(reason, () =>
        step().then(resolve, (e: unknown) => {
          reject(e);
          throw e;
        }),
      );
    });
    if (timing === 'after-call')
      await progress({ status: 'IN_PROGRESS', step: 'waiting-for-idle', statusDetails: waiting });
    await ran;
  }

  /**
   * After a restart: if an update waits for its health check, runs it until it passes or the deadline (set now,
   * at the first start of the new release) is over; a failure switches back to the previous release, reports
   * FAILED and restarts again (after the call in progress, if one came in meanwhile).
   */
  async resumeAfterRestart(progressFor: (jobId: string) => ProgressSink): Promise<void> {
    const pending = this.#o.state.data.pendingUpdate;
    if (!pending) return;
    const progress = progressFor(pending.jobId);
    const running = basename(await readlink(this.#current));
    if (running !== pending.to) {
      await this.#o.state.update((d) => {
        delete d.pendingUpdate;
      });
      await progress({
        status: 'FAILED',
        step: 'not-applied',
        statusDetails: `the daemon stopped before switching to ${pending.to}; still running ${running} (the release stays staged in releases/${pending.to})`,
      });
      return;
    }
    let deadline = pending.deadline;
    if (deadline === undefined) {
      const set = new Date(Date.now() + this.#o.healthSeconds * 1000).toISOString();
      await this.#o.state.update((d) => {
        if (d.pendingUpdate) d.pendingUpdate.deadline = set;
      });
      deadline = set;
    }
    await progress({
      status: 'IN_PROGRESS',
      step: 'health-check',
      statusDetails: `running ${pending.to}; healthy by ${deadline} or rolled back`,
    });
    let last = 'no health check ran';
    while (Date.now() < Date.parse(deadline)) {
      try {
        const health = await this.#o.healthCheck();
        if (health.ok) {
          await this.#o.state.update((d) => {
            delete d.pendingUpdate;
          });
          await progress({ status: 'SUCCEEDED', step: 'done', statusDetails: `running ${pending.to}` });
          return;
        }
        last = health.reason ?? 'unhealthy';
      } catch (e) {
        last = describeError(e);
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.healthRetryMs ?? 2_000));
    }
    this.#o.log.error(
      `app update ${pending.jobId}: ${pending.to} failed its health check (${last}); rolling back to ${pending.from}`,
    );
    await this.#atIdleRestart(
      `rollback to ${pending.from}`,
      async () => {
        await switchSymlink(this.#current, `releases/${pending.from}`);
        await this.#o.state.update((d) => {
          delete d.pendingUpdate;
        });
        await progress({
          status: 'FAILED',
          step: 'rolled-back',
          statusDetails: `health check failed: ${last}; rolled back to ${pending.from}`,
        });
      },
      progress,
      `health check failed: ${last}; rolling back to ${pending.from} once the call in progress ends`,
    );
  }
}
