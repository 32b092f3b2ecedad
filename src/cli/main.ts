/**
 * The one `linekeeper` command line. Each subcommand lives in `commands/` and registers itself here; errors
 * end the process with 78 for bad configuration (so systemd does not restart-loop on a typo) and 1 otherwise.
 */
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeFor } from '../errors.js';
import { registerCalls } from './commands/calls.js';
import { registerCheckConfig } from './commands/check-config.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmulator } from './commands/emulator.js';
import { registerFleet } from './commands/fleet.js';
import { registerGpioTest } from './commands/gpio-test.js';
import { registerIngest } from './commands/ingest.js';
import { registerKeys } from './commands/keys.js';
import { registerModels } from './commands/models.js';
import { registerModem } from './commands/modem.js';
import { registerNlu } from './commands/nlu.js';
import { registerPrintSchema } from './commands/print-schema.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSimulate } from './commands/simulate.js';
import { version } from './version.js';

/** Builds the program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('linekeeper')
    .description('The phone line for small shops: answers calls on the box, hands hard ones to a person.')
    .version(version(), '-V, --version')
    .showHelpAfterError()
    // Program options only before the subcommand, so `fleet sign --version 3` is the envelope version.
    .enablePositionalOptions()
    .exitOverride();
  registerRun(program);
  registerCheckConfig(program);
  registerPrintSchema(program);
  registerDemo(program);
  registerGpioTest(program);
  registerReport(program);
  registerModem(program);
  registerEmulator(program);
  registerDoctor(program);
  registerFleet(program);
  registerKeys(program);
  registerCalls(program);
  registerIngest(program);
  registerNlu(program);
  registerSimulate(program);
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
