/** `linekeeper doctor`: checks everything a box needs and says how to fix each problem (exit 1 on a FAIL). */
import type { Command } from 'commander';
import { configPath } from '../../config/load.js';
import { formatResults, runDoctor } from '../../doctor/checks.js';

/** Adds `doctor` to the program. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check config, profile, modem, SIM, signal, GPIO, models, broker, disk and clock; say how to fix problems.',
    )
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .option('--json', 'print the results as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      const results = await runDoctor({ configFile: configPath(options.config) });
      process.stdout.write(
        options.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatResults(results)}\n`,
      );
      if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
    });
}
