/** A daemon under test needs somewhere to keep records and a records key, as `setup.sh` gives a real box. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createKeyFile } from '../../src/privacy/key-file.js';

/** Creates `dir/data` and `dir/keys/records.key`; returns the config YAML lines (`storage`, `privacy`) that use them. */
export async function boxStorageYaml(dir: string): Promise<string> {
  await mkdir(join(dir, 'keys'), { recursive: true });
  const keyFile = join(dir, 'keys', 'records.key');
  await createKeyFile(keyFile);
  return `storage: { dataDir: ${join(dir, 'data')} }\nprivacy: { encryptionKeyFile: ${keyFile} }\n`;
}
