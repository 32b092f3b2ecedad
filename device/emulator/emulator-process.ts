/**
 * `linekeeper emulator` in its own process, as the modem is its own hardware on a box: what tests and benchmarks
 * start when the daemon or a probe must open a real serial port.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** What the emulator process emulates. */
export interface EmulatorProcessOptions {
  /** The bin script of the built CLI. */
  cli: string;
  /** Modem profile id (sim7600, ec25, usr5637). */
  profile: string;
  /** Path of the AT port link (GSM profiles also create `<link>-audio`). */
  link: string;
  /** A call from `number`, ringing `afterS` seconds after the daemon's first ATE0; the caller stays `holdS`. */
  call?: { number: string; afterS: number; holdS: number };
}

/** A running emulator process. */
export interface EmulatorProcess {
  child: ChildProcess;
  /** Everything it printed on stdout so far (commands received, calls, messages). */
  output(): string;
  /** Stops it (SIGTERM) and waits for it to exit; a no-op once it has. */
  stop(): Promise<void>;
}

/** Starts the emulator; resolves once it says it is ready, rejects with its output if it exits or hangs first. */
export async function startEmulatorProcess(
  options: EmulatorProcessOptions,
  readyTimeoutMs = 10_000,
): Promise<EmulatorProcess> {
  const { call } = options;
  const args = [options.cli, 'emulator', '--profile', options.profile, '--link', options.link];
  if (call)
    args.push('--call', call.number, '--call-after', String(call.afterS), '--hold', String(call.holdS));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const emulator: EmulatorProcess = {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the emulator was not ready within ${readyTimeoutMs} ms:\n${out}`)),
        readyTimeoutMs,
      );
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('emulator ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited with ${code}:\n${out}`));
      });
    });
  } catch (e) {
    await emulator.stop();
    throw e;
  }
  return emulator;
}
