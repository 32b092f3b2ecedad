/** `linekeeper check-config`: validates the device config and the shop profile; exit 0 valid, 78 not. */
import type { Command } from 'commander';
import { configPath, loadDeviceConfig, loadShopProfile } from '../../config/load.js';
import { EXIT_CONFIG, isLinekeeperError } from '../../errors.js';

/** Adds `check-config` to the program. */
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('Check the device config and the shop profile; list every problem (exit 78 when invalid).')
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .option('--shop <file>', 'shop profile (default: the one the device config names)')
    .action(async (options: { config?: string; shop?: string }) => {
      const problems: string[] = [];
      let shopFile = options.shop;
      if (options.config !== undefined || options.shop === undefined) {
        const file = configPath(options.config);
        try {
          const config = await loadDeviceConfig(file);
          process.stdout.write(`device config ${file}: valid\n`);
          shopFile ??= config.shopProfile;
        } catch (e) {
          if (!isLinekeeperError(e)) throw e;
          problems.push(e.message);
        }
      }
      if (shopFile !== undefined) {
        try {
          const shop = await loadShopProfile(shopFile);
          process.stdout.write(
            `shop profile ${shop.file}: valid (${shop.profile.faq.length} FAQ entries, ${shop.orders.length} orders)\n`,
          );
        } catch (e) {
          if (!isLinekeeperError(e)) throw e;
          problems.push(e.message);
        }
      }
      if (problems.length > 0) {
        process.stderr.write(`${problems.join('\n')}\n`);
        process.exitCode = EXIT_CONFIG;
      }
    });
}
