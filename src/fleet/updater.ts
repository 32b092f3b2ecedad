/**
 * Jobs that install things: `models.install` and `app.update` (fleet.md §8.4). The command that starts a job is
 * signed; an app update's carries the artifact's SHA-256, so the signature covers the artifact, and a model is
 * checked against the pins of the model manifest shipped with the running release.
 *
 *   models.install {name}: manifest entry ─► the model installer (download %, SHA-256, unpack, receipt, atomic
 *     rename) ─► verify as the speech service will ─► SUCCEEDED ─► restart once the line is idle (speech loads it)
 *
 *   app.update: download ─► SHA-256 ─► unpack into releases/.staging-<job> ─► rename to releases/<version>
 *     ─► remember {from, to} ─► line idle? (else "waiting for the call in progress to end" until it ends)
 *     ─► update.switched ─► switch `current` (atomic symlink rename) ─► restart
 *   after the restart: update.rolled-back (the new release kept failing; systemd ran linekeeper-rollback, which
 *     switched back) ─► FAILED with systemd's reason
 *     │ `current` is not `to` (stopped before the switch) ─► FAILED, nothing changed
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
import { fetchModel, type InstallProgress } from '../speech/models/install.js';
import { defaultManifestPath, findModel, loadManifest } from '../speech/models/manifest.js';
import { verifyModel } from '../speech/models/verify.js';
import type { FleetState } from './fleet-state.js';
import type { BeforeRestart, RestartTiming } from './reload.js';
import { RollbackFiles } from './rollback-files.js';

const run = promisify(execFile);

/** Job states (the AWS IoT Jobs vocabulary). */
export type JobStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';

/** One progress report of a job. */
export interface JobProgress {
  status: JobStatus;
  step: string;
  /** 0..100 while downloading (when the size is known). */
  percent?: number;
  statusDetails?: string;
}

/** Publishes a job's progress. */
export type ProgressSink = (progress: JobProgress) => Promise<void>;

/** The release artifact named by a signed `app.update`. */
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
  /** The daemon's data directory: the files it shares with the rollback outside the release (rollback-files.ts). */
  dataDir: string;
  modelsDir: string;
  /** Base URL of the manifest's relative archive URLs (config `speech.modelsBaseUrl`). */
  modelsBaseUrl: string;
  /** The model manifest (default: the one shipped with the running release, which its speech service reads). */
  manifestFile?: string;
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
  restartWhenIdle: (reason: string, before?: BeforeRestart) => RestartTiming;
  log: Logger;
}

function assertSha256(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/i.test(value)) {
    throw new Error('sha256 must be 64 hex digits');
  }
  return value.toLowerCase();
}

/** Reports a download as job progress at every tenth of it (every 10 MB when its size is unknown). */
function downloadProgress(progress: ProgressSink): (bytes: number, total: number | null) => void {
  let reported = -1;
  return (bytes, total) => {
    const mark = total ? Math.floor((bytes / total) * 10) : Math.floor(bytes / 10_000_000);
    if (mark <= reported) return;
    reported = mark;
    void progress(
      total
        ? { status: 'IN_PROGRESS', step: 'downloading', percent: Math.floor((bytes / total) * 100) }
        : { status: 'IN_PROGRESS', step: 'downloading', statusDetails: `${Math.floor(bytes / 1e6)} MB` },
    );
  };
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
  const report = downloadProgress(progress);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      report(received, total > 0 ? total : null);
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
  readonly #rollbackFiles: RollbackFiles;
  /** Models being installed: two jobs must not write the same partial download. */
  readonly #installing = new Set<string>();

  constructor(options: UpdaterOptions) {
    this.#o = options;
    this.#rollbackFiles = new RollbackFiles(options.dataDir);
  }

  get #releases(): string {
    return join(this.#o.installDir, 'releases');
  }

  get #current(): string {
    return join(this.#o.installDir, 'current');
  }

  /**
   * `models.install {name, baseUrl?}`: installs a model of the manifest as `linekeeper models fetch` does (its
   * SHA-256 pins are checked; an unpinned model is refused), checks it as the speech service will, then restarts
   * once the line is idle so the speech service loads it. Reports SUCCEEDED itself, before asking for that restart.
   */
  async installModel(args: Record<string, unknown>, progress: ProgressSink): Promise<void> {
    const unknown = Object.keys(args).filter((key) => key !== 'name' && key !== 'baseUrl');
    if (unknown.length > 0)
      throw new Error(
        `models.install takes name (a model of the manifest) and baseUrl (a mirror of its downloads); not ${unknown.join(', ')}`,
      );
    if (typeof args.name !== 'string' || args.name === '')
      throw new Error('name must name a model of the manifest (linekeeper models verify lists them)');
    if (
      args.baseUrl !== undefined &&
      (typeof args.baseUrl !== 'string' || !/^https?:\/\//.test(args.baseUrl))
    )
      throw new Error('baseUrl must be an http:// or https:// URL');
    const manifest = await loadManifest(this.#o.manifestFile ?? defaultManifestPath());
    const entry = findModel(manifest, args.name);
    if (this.#installing.has(entry.name))
      throw new Error(`model ${entry.name} is already being installed by another job`);
    this.#installing.add(entry.name);
    try {
      const download = downloadProgress(progress);
      await fetchModel(entry, {
        modelsDir: this.#o.modelsDir,
        baseUrl: typeof args.baseUrl === 'string' ? args.baseUrl : this.#o.modelsBaseUrl,
        log: this.#o.log,
        onProgress: (step: InstallProgress) =>
          step.step === 'downloading'
            ? download(step.bytes, step.total)
            : void progress({ status: 'IN_PROGRESS', step: step.step }),
      });
      const installed = await verifyModel(entry, this.#o.modelsDir);
      if (installed.state !== 'ok')
        throw new Error(`model ${entry.name} was installed but does not verify: ${installed.reason}`);
    } finally {
      this.#installing.delete(entry.name);
    }
    // SUCCEEDED before the restart is asked for: a restart at once would cut the report off.
    await progress({
      status: 'SUCCEEDED',
      step: 'done',
      statusDetails: `installed and verified ${entry.name}; restarting to load it into the speech service as soon as the line is idle`,
    });
    this.#o.restartWhenIdle(`new model ${entry.name}`);
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
          // Before the switch: from here on, a release that cannot even start is rolled back from outside it.
          await this.#rollbackFiles.markSwitched({ from, to });
          await switchSymlink(this.#current, `releases/${to}`);
        } catch (e) {
          await this.#rollbackFiles.clearSwitched();
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
   * After a restart: reports an update the rollback outside the release undid; otherwise, if an update waits for
   * its health check, runs it until it passes or the deadline (set now, at the first start of the new release) is
   * over; a failure switches back to the previous release, reports FAILED and restarts again (after the call in
   * progress, if one came in meanwhile).
   */
  async resumeAfterRestart(progressFor: (jobId: string) => ProgressSink): Promise<void> {
    const pending = this.#o.state.data.pendingUpdate;
    if (!pending) return;
    const progress = progressFor(pending.jobId);
    const running = basename(await readlink(this.#current));
    const rolledBack = await this.#rollbackFiles.rolledBack();
    if (rolledBack && rolledBack.to === pending.to) {
      this.#o.log.error(
        `app update ${pending.jobId}: ${pending.to} kept failing and was rolled back to ${rolledBack.from} by linekeeper-rollback`,
      );
      await this.#o.state.update((d) => {
        delete d.pendingUpdate;
      });
      await this.#rollbackFiles.clearRolledBack();
      await progress({
        status: 'FAILED',
        step: 'rolled-back',
        statusDetails: `${pending.to} failed to run (systemd: ${rolledBack.result}, last run ${rolledBack.exit}); rolled back to ${rolledBack.from} outside the release at ${rolledBack.at}; running ${running}`,
      });
      return;
    }
    if (running !== pending.to) {
      await this.#rollbackFiles.clearSwitched();
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
          await this.#rollbackFiles.clearSwitched();
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
        await this.#rollbackFiles.clearSwitched();
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
