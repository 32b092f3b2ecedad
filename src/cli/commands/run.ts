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
      await new Promise<void>((resolve) => {
        // Signal handlers do not keep Node's event loop alive; without this timer a daemon whose services are
        // all idle would fall off the end of the loop (exit 13, unsettled top-level await).
        const keepAlive = setInterval(() => {}, 1 << 30);
        const onSignal = (signal: NodeJS.Signals) => {
          log.info(`${signal} received, stopping`);
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          clearInterval(keepAlive);
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await daemon.stop();
      log.info('stopped');
    });
}
