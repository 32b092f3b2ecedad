/**
 * What the fleet agent must remember across restarts, in one small JSON document under the state directory:
 * applied versions of the desired config and profile, command nonces until they expire (replay protection), and
 * an app update in progress (waiting for an idle line or for its health check). Written durably: temp file →
 * fsync → rename → fsync directory.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The version and hash applied for one desired document. */
export interface AppliedDocument {
  version: number;
  hash: string;
  appliedAt: string;
}

/** An app update from its staged release until the new release passed (or failed) its health check. */
export interface PendingUpdate {
  jobId: string;
  /** Release directory names under releases/. */
  from: string;
  to: string;
  /** ISO time by which the new release must be healthy; set when it first starts. */
  deadline?: string;
}

/** The persisted agent state. */
export interface FleetStateData {
  config?: AppliedDocument;
  shop?: AppliedDocument;
  /** nonce → expiry (ms since epoch). */
  nonces: Record<string, number>;
  pendingUpdate?: PendingUpdate;
}

/** Writes `text` to `file` so that a crash leaves either the old or the new content, never a torn file. */
export async function writeFileDurably(file: string, text: string | Buffer, mode = 0o640): Promise<void> {
  const temp = join(dirname(file), `.${Date.now()}-${process.pid}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The agent's persistent state. */
export class FleetState {
  #data: FleetStateData = { nonces: {} };

  private constructor(readonly file: string) {}

  /** Loads `file`, starting empty when it is missing or unreadable (then versions start from 0). */
  static async load(file: string): Promise<FleetState> {
    const state = new FleetState(file);
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as FleetStateData;
      state.#data = { ...data, nonces: data.nonces ?? {} };
    } catch {
      // Missing on first boot; a damaged file loses only replay memory and version floors, which the signed
      // envelopes' expiry windows still bound.
    }
    return state;
  }

  /** The current data (read-only use). */
  get data(): Readonly<FleetStateData> {
    return this.#data;
  }

  /** True when `nonce` was used and has not expired yet. */
  seen(nonce: string, now = Date.now()): boolean {
    const expiry = this.#data.nonces[nonce];
    return expiry !== undefined && expiry > now;
  }

  /** Changes the state and writes it durably. */
  async update(change: (data: FleetStateData) => void, now = Date.now()): Promise<void> {
    change(this.#data);
    for (const [nonce, expiry] of Object.entries(this.#data.nonces)) {
      if (expiry <= now) delete this.#data.nonces[nonce];
    }
    await writeFileDurably(this.file, JSON.stringify(this.#data), 0o600);
  }
}
