/**
 * Runs systemd/linekeeper-rollback.sh with /bin/sh as linekeeper-rollback.service does after a failure of the
 * daemon, with the MONITOR_* variables systemd passes. No systemd manager runs in the tests, so `systemctl` is a
 * recorder whose calls the test reads back.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** The script as it is installed to /opt/linekeeper/libexec/linekeeper-rollback. */
export const ROLLBACK_SCRIPT = join(ROOT, 'systemd/linekeeper-rollback.sh');

/** How the failed run of linekeeper.service ended, as systemd reports it to its OnFailure= unit. */
export interface Monitor {
  result: string;
  code?: string;
  status?: string;
}

/** A script run against one install and data directory, with the systemctl calls recorded in `work`. */
export class RollbackRun {
  constructor(
    readonly installDir: string,
    readonly dataDir: string,
    readonly work: string,
  ) {}

  get #calls(): string {
    return join(this.work, 'systemctl.calls');
  }

  /** Runs the script after a failure described by `monitor`; resolves with its exit code and output. */
  async run(monitor: Monitor): Promise<{ code: number; output: string }> {
    const systemctl = join(this.work, 'systemctl');
    await writeFile(systemctl, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${this.#calls}'\n`, { mode: 0o755 });
    return new Promise((resolve) =>
      execFile(
        'sh',
        [ROLLBACK_SCRIPT, this.installDir, this.dataDir],
        {
          env: {
            PATH: process.env.PATH,
            SYSTEMCTL: systemctl,
            MONITOR_SERVICE_RESULT: monitor.result,
            ...(monitor.code !== undefined && { MONITOR_EXIT_CODE: monitor.code }),
            ...(monitor.status !== undefined && { MONITOR_EXIT_STATUS: monitor.status }),
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
  }

  /** The systemctl command lines the script ran so far. */
  async systemctlCalls(): Promise<string[]> {
    return existsSync(this.#calls) ? (await readFile(this.#calls, 'utf8')).trim().split('\n') : [];
  }
}
