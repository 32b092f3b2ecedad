/**
 * What the daemon and the rollback outside the release (systemd/linekeeper-rollback.sh, run as root by
 * linekeeper-rollback.service when the service fails) tell each other, as files in the data directory with
 * `key=value` lines a POSIX shell reads. A release that crashes at start never runs its own health check, so the
 * rollback of such a release cannot live in it.
 *
 *   update.switched     written right before an app update switches `current` (from, to): the release is unproven.
 *                       Removed once it passed its health check, was rolled back by the daemon, or never switched.
 *   update.rolled-back  written by the script after it switched `current` back (from, to, at, result, exit: what
 *                       systemd said about the failed run); the next start reports the job FAILED with it.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from './fleet-state.js';

/** Name of the switch marker in the data directory (the shell script reads it). */
export const SWITCHED_FILE = 'update.switched';
/** Name of the record the shell script writes in the data directory after a rollback. */
export const ROLLED_BACK_FILE = 'update.rolled-back';

/** A rollback the script did while the daemon could not run. */
export interface ExternalRollback {
  from: string;
  to: string;
  /** ISO time of the rollback. */
  at: string;
  /** systemd's result of the failed service, e.g. `start-limit-hit` or `exit-code`. */
  result: string;
  /** How its last run ended, e.g. `exited 1` or `killed SEGV`. */
  exit: string;
}

function parseLines(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

/** The two files in one data directory. */
export class RollbackFiles {
  constructor(private readonly dataDir: string) {}

  get #switched(): string {
    return join(this.dataDir, SWITCHED_FILE);
  }

  get #rolledBack(): string {
    return join(this.dataDir, ROLLED_BACK_FILE);
  }

  /** Records, durably, that `current` is about to point at the unproven release `to`, coming from `from`. */
  async markSwitched(update: { from: string; to: string }): Promise<void> {
    // A record left from an earlier update must never be read as this one's.
    await rm(this.#rolledBack, { force: true });
    await writeFileDurably(
      this.#switched,
      '# An app update switched releases and has not passed its health check yet (src/fleet/updater.ts).\n' +
        '# If the service keeps failing meanwhile, linekeeper-rollback switches `current` back to `from`.\n' +
        `from=${update.from}\nto=${update.to}\n`,
    );
  }

  /** The update is settled (healthy, rolled back by the daemon, or never switched): nothing for the script to do. */
  async clearSwitched(): Promise<void> {
    await rm(this.#switched, { force: true });
  }

  /** The rollback the script recorded, if there is one. */
  async rolledBack(): Promise<ExternalRollback | undefined> {
    let text: string;
    try {
      text = await readFile(this.#rolledBack, 'utf8');
    } catch {
      return undefined;
    }
    const f = parseLines(text);
    return {
      from: f.from ?? '?',
      to: f.to ?? '?',
      at: f.at ?? '?',
      result: f.result || 'unknown',
      exit: f.exit || 'unknown',
    };
  }

  /** Forgets the script's record once the job was reported. */
  async clearRolledBack(): Promise<void> {
    await rm(this.#rolledBack, { force: true });
  }
}
