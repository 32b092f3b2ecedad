/** `linekeeper run`: the daemon the systemd service runs, with clean shutdown on SIGTERM. */
import type { Command } from 'commander';
import { composeServices } from '../../app/compose.js';
import { startDaemon } from '../../app/daemon.js';

/** Exit code of a requested restart: non-zero, so systemd's Restart=on-failure starts the daemon again. */
export const EXIT_RESTART = 75;

/** Adds `run` to the program. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the daemon: answer the line, sync and take fleet commands (what the service runs).')
    .option('--config <file>', 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)')
    .action(async (options: { config?: string }) => {
      let stopFor: (reason: 'signal' | 'restart') => void = () => {};
      const stopping = new Promise<'signal' | 'restart'>((resolve) => {
        stopFor = resolve;
      });
      const daemon = await startDaemon({
        config: options.config,
        compose: composeServices,
        requestRestart: (reason) => {
          daemon.context.log.info(`restart requested by ${reason}`);
          stopFor('restart');
        },
      });
      const log = daemon.context.log;
      log.info('running; SIGTERM or SIGINT stops');
      // Signal handlers do not keep Node alive; a daemon whose services hold no handles must still run until told.
      const keepAlive = setInterval(() => {}, 2 ** 30);
      const onSignal = (signal: NodeJS.Signals) => {
        log.info(`${signal} received, stopping`);
        stopFor('signal');
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      const why = await stopping;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      clearInterval(keepAlive);
      await daemon.stop();
      log.info(why === 'restart' ? 'stopped for a restart' : 'stopped');
      if (why === 'restart') process.exitCode = EXIT_RESTART;
    });
}
