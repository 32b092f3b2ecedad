/**
 * Durable file writes, the one place the store touches the disk for writing.
 *
 * A durable replace is temp file → `FileHandle.sync()` → `rename` → fsync of the directory (fleet.md §7: lowdb
 * and `writeFile` do not fsync, and rename without fsync can leave an empty file after a power cut). A durable
 * append writes one line and fsyncs the file (and the directory when the file is new). Tests inject an `DurableIo`
 * that fails with ENOSPC to play a full disk.
 */
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, LinekeeperError } from '../errors.js';

/** The write operations the store needs. */
export interface DurableIo {
  /** Appends `data` to `file` and fsyncs it; creates the file (and fsyncs its directory) if missing. */
  append(file: string, data: string): Promise<void>;
  /** Replaces `file` atomically and durably with `data` (temp, fsync, rename, fsync directory). */
  replace(file: string, data: string | Uint8Array, mode?: number): Promise<void>;
  /** Removes `file` (if present) and fsyncs its directory. */
  remove(file: string): Promise<void>;
  /** Renames `from` to `to` and fsyncs both directories. */
  move(from: string, to: string): Promise<void>;
}

/** Fsyncs a directory so that a rename or a new file in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The real disk. */
export const nodeDurableIo: DurableIo = {
  async append(file, data) {
    let created = false;
    const handle = await open(file, 'a').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(dirname(file), { recursive: true });
      created = true;
      return open(file, 'a');
    });
    try {
      const before = (await handle.stat()).size;
      if (before === 0) created = true;
      try {
        await handle.write(data);
        await handle.sync();
      } catch (e) {
        // A partial line would corrupt the next append: cut the file back to where this one began.
        await handle.truncate(before).catch(() => undefined);
        throw e;
      }
    } finally {
      await handle.close();
    }
    if (created) await syncDirectory(dirname(file));
  },

  async replace(file, data, mode = 0o600) {
    const dir = dirname(file);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${basename(file)}.tmp`);
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (e) {
      await handle.close();
      await rm(temp, { force: true });
      throw e;
    }
    await handle.close();
    await rename(temp, file);
    await syncDirectory(dir);
  },

  async remove(file) {
    await rm(file, { force: true });
    await syncDirectory(dirname(file)).catch(() => undefined);
  },

  async move(from, to) {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    await syncDirectory(dirname(to));
    if (dirname(to) !== dirname(from)) await syncDirectory(dirname(from));
  },
};

/** True for an error that means the disk (or quota) is full. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Wraps a failed write in a coded error: `Store_DiskFull` for ENOSPC/EDQUOT, `Store_Io` otherwise. */
export function writeError(e: unknown, what: string): LinekeeperError {
  if (isDiskFull(e)) {
    return new LinekeeperError(ErrorCode.Store_DiskFull, `disk full while writing ${what}`, { cause: e });
  }
  return new LinekeeperError(ErrorCode.Store_Io, `could not write ${what}`, { cause: e });
}
