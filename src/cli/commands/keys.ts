/** `linekeeper keys init`: creates the per-box records key file (AES-256, mode 0600) at setup. */
import type { Command } from 'commander';
import { configPath, loadDeviceConfig } from '../../config/load.js';
import { createKeyFile } from '../../privacy/key-file.js';

/** Adds `keys` to the program. */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('Manage the per-box key that encrypts call records and recordings at rest.');
  keys
    .command('init')
    .description(
      'Create the records key file named by privacy.encryptionKeyFile (mode 0600); run once at setup.',
    )
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .option('--file <path>', 'write the key here instead of privacy.encryptionKeyFile')
    .option('--force', 'replace an existing key (every record sealed with the old key becomes unreadable)')
    .action(async (options: { config?: string; file?: string; force?: boolean }) => {
      const file =
        options.file ?? (await loadDeviceConfig(configPath(options.config))).privacy.encryptionKeyFile;
      await createKeyFile(file, { force: options.force === true });
      process.stdout.write(`created records key ${file} (mode 0600); keep a copy somewhere safe\n`);
    });
}
