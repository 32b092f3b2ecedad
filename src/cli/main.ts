/**
 * The one `linekeeper` command line. Each subcommand lives in `commands/` and registers itself here; errors
 * end the process with 78 for bad configuration (so systemd does not restart-loop on a typo) and 1 otherwise.
 */
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeFor } from '../errors.js';
import { registerCheckConfig } from './commands/check-config.js';
import { registerDemo } from './commands/demo.js';
import { registerModels } from './commands/models.js';
import { registerPrintSchema } from './commands/print-schema.js';
import { registerRun } from './commands/run.js';
import { version } from './version.js';

/** Builds the program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('linekeeper')
    .description('The phone line for small shops: answers calls on the box, hands hard ones to a person.')
    .version(version(), '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  registerRun(program);
  registerCheckConfig(program);
  registerPrintSchema(program);
  registerDemo(program);
  registerModels(program);
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`linekeeper: ${describeError(e)}\n`);
    return exitCodeFor(e);
  }
}
