/**
 * The per-box key file (`privacy.encryptionKeyFile`, mode 0600): the AES-256 records key and the salt of the
 * caller-number hash. Created once at setup (`linekeeper keys init`); the daemon refuses a key file that other
 * users can read, as ssh does.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, LinekeeperError } from '../errors.js';
import { type DurableIo, nodeDurableIo } from '../store/durable-io.js';

/** The secrets of one box. */
export interface BoxKeys {
  /** AES-256-GCM key for records and recordings at rest. */
  recordsKey: Buffer;
  /** Salt of the caller-number HMAC when the fleet config sets none. */
  callerSalt: Buffer;
}

interface KeyFileJson {
  version: 1;
  recordsKey: string;
  callerSalt: string;
}

/** Creates the key file with fresh random keys (mode 0600); refuses to overwrite one unless `force`. */
export async function createKeyFile(
  file: string,
  options: { force?: boolean; io?: DurableIo } = {},
): Promise<BoxKeys> {
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) {
    throw new LinekeeperError(
      ErrorCode.Store_Io,
      `key file ${file} already exists; replacing it makes every stored record unreadable (use --force to do it anyway)`,
    );
  }
  const keys: BoxKeys = { recordsKey: randomBytes(32), callerSalt: randomBytes(32) };
  const json: KeyFileJson = {
    version: 1,
    recordsKey: keys.recordsKey.toString('base64'),
    callerSalt: keys.callerSalt.toString('base64'),
  };
  await (options.io ?? nodeDurableIo).replace(file, `${JSON.stringify(json)}\n`, 0o600);
  return keys;
}

/** Reads the key file; throws `Store_KeyMissing`, `Store_KeyUnsafe` (readable by others) or `Store_Corrupt`. */
export async function loadKeyFile(file: string): Promise<BoxKeys> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (e) {
    throw new LinekeeperError(
      ErrorCode.Store_KeyMissing,
      `no records key at ${file}; create it with \`linekeeper keys init\``,
      { cause: e },
    );
  }
  if ((info.mode & 0o077) !== 0) {
    throw new LinekeeperError(
      ErrorCode.Store_KeyUnsafe,
      `key file ${file} has mode ${(info.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${file})`,
    );
  }
  const text = await readFile(file, 'utf8');
  try {
    const json = JSON.parse(text) as Partial<KeyFileJson>;
    const recordsKey = Buffer.from(String(json.recordsKey), 'base64');
    const callerSalt = Buffer.from(String(json.callerSalt), 'base64');
    if (json.version !== 1 || recordsKey.length !== 32 || callerSalt.length < 16)
      throw new Error('bad fields');
    return { recordsKey, callerSalt };
  } catch (e) {
    throw new LinekeeperError(ErrorCode.Store_Corrupt, `key file ${file} is not a Linekeeper key file`, {
      cause: e,
    });
  }
}
