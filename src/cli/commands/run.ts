/** `linekeeper run`: the daemon the systemd service runs, with clean shutdown on SIGTERM. */
import type { Command } from 'commander';
import { composeServices } from '../../app/compose.js';
import { startDaemon } from '../../app/daemon.js';

/** Adds `run` to the program. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the daemon: answer the line, sync and take fleet commands (what the service runs).')
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .action(async (options: { config?: string }) => {
      const daemon = await startDaemon({ config: options.config, compose: composeServices });
      const log = daemon.context.log;
      log.info('running; SIGTERM or SIGINT stops');
      // Signal handlers do not keep Node alive; a daemon whose services hold no handles must still run until told.
      const keepAlive = setInterval(() => {}, 2 ** 30);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          log.info(`${signal} received, stopping`);
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      clearInterval(keepAlive);
      await daemon.stop();
      log.info('stopped');
    });
}
