/** `linekeeper models fetch|verify`: install speech models from the manifest and check what is installed. */
import type { Command } from 'commander';
import { configPath, loadDeviceConfig } from '../../config/load.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { fetchModel } from '../../speech/models/install.js';
import { findModel, loadManifest, pinning } from '../../speech/models/manifest.js';
import { verifyAll } from '../../speech/models/verify.js';

interface CommonOptions {
  config?: string;
  dir?: string;
  manifest?: string;
}

/** Models dir and base URL: flags first, then the device config when one exists, then the manifest. */
async function settings(options: CommonOptions & { baseUrl?: string }) {
  const manifest = await loadManifest(options.manifest);
  let modelsDir = options.dir;
  let baseUrl = options.baseUrl;
  if (modelsDir === undefined || baseUrl === undefined) {
    const config = await loadDeviceConfig(configPath(options.config)).catch((e: unknown) => {
      // Without a config file the flags must say where to install.
      if (options.config === undefined && modelsDir !== undefined) return null;
      throw e;
    });
    modelsDir ??= config?.speech.modelsDir;
    baseUrl ??= config?.speech.modelsBaseUrl;
  }
  if (modelsDir === undefined) throw new TypeError('--dir is required without a device config');
  return { manifest, modelsDir, baseUrl: baseUrl ?? manifest.baseUrl };
}

/** Adds `models fetch` and `models verify` to the program. */
export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('Install and check speech models (models/manifest.json).');
  const common = (command: Command) =>
    command
      .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
      .option('--dir <dir>', 'models directory (default: speech.modelsDir of the device config)')
      .option('--manifest <file>', 'model manifest (default: the one shipped in models/manifest.json)');
  common(
    models
      .command('fetch [name]')
      .description(
        "Download, verify (SHA-256), unpack and install a model atomically, resuming and retrying; without a name, the manifest's default set (one model of each kind).",
      )
      .option('--all', 'without a name: every pinned model, not only the default set')
      .option('--base-url <url>', 'base URL for archive downloads (default: speech.modelsBaseUrl)')
      .option(
        '--allow-unpinned',
        'install a model with no published SHA-256 (neither its archive nor its files are pinned) unverified, and print its hash',
      )
      .option('--retry-delay <ms>', 'first retry delay in ms (doubles per attempt)', '1000'),
  ).action(
    async (
      name: string | undefined,
      options: CommonOptions & {
        baseUrl?: string;
        allowUnpinned?: boolean;
        all?: boolean;
        retryDelay: string;
      },
    ) => {
      const { manifest, modelsDir, baseUrl } = await settings(options);
      const log = createLogger({ level: 'info', write: (line) => process.stderr.write(`${line}\n`) })
        .child('speech')
        .child('models');
      // Without a name a box gets the default set: the alternatives (a second recognizer, another voice) would
      // only take disk and download time.
      const wanted =
        options.all === true ? manifest.models : manifest.models.filter((m) => m.default === true);
      const entries =
        name === undefined && options.allowUnpinned !== true
          ? wanted.filter((m) => {
              if (pinning(m) !== 'none') return true;
              process.stderr.write(
                `${m.name}: skipped, no published SHA-256 pins its archive or its files (linekeeper models fetch ${m.name} --allow-unpinned installs it unverified)\n`,
              );
              return false;
            })
          : name === undefined
            ? wanted
            : [findModel(manifest, name)];
      for (const entry of entries) {
        const dir = await fetchModel(entry, {
          modelsDir,
          baseUrl,
          log,
          allowUnpinned: options.allowUnpinned === true,
          retryDelayMs: Number(options.retryDelay),
        });
        process.stdout.write(`${entry.name}: installed in ${dir}\n`);
      }
    },
  );
  common(
    models
      .command('verify')
      .description('Check every installed model against its pins; exit 1 when one is damaged.')
      .option('--json', 'print the result as JSON'),
  ).action(async (options: CommonOptions & { json?: boolean }) => {
    const { manifest, modelsDir } = await settings(options);
    const statuses = await verifyAll(manifest, modelsDir);
    if (options.json === true) {
      process.stdout.write(
        `${JSON.stringify(
          statuses.map((s) => ({
            name: s.name,
            state: s.state,
            ...('reason' in s ? { reason: s.reason } : {}),
            ...('unverified' in s ? { unverified: s.unverified } : {}),
          })),
        )}\n`,
      );
    } else {
      for (const s of statuses)
        process.stdout.write(
          `${s.name}: ${s.state}${'reason' in s ? ` (${s.reason})` : 'unverified' in s ? ` (${s.unverified})` : ''}\n`,
        );
    }
    if (statuses.some((s) => s.state === 'bad')) {
      throw new LinekeeperError(
        ErrorCode.Speech_ModelCorrupt,
        `damaged models: ${statuses
          .filter((s) => s.state === 'bad')
          .map((s) => s.name)
          .join(', ')}; reinstall with linekeeper models fetch NAME`,
      );
    }
  });
}
