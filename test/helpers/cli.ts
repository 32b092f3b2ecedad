/** Runs the built `linekeeper` command in a child process and collects its output. */
import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './paths.js';

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `linekeeper` process still running: its output so far and its end. */
export interface RunningCli {
  child: ChildProcess;
  /** Output so far (`code` is set once it has exited). */
  output: CliResult;
  exited: Promise<CliResult>;
}

/** Starts `linekeeper ...args`, feeding stdin (empty by default), and collects its output while it runs. */
export function startCli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
  const output: CliResult = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => {
    output.stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output.stderr += d.toString();
  });
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      output.code = code;
      resolve(output);
    });
  });
  child.stdin.end(options.stdin ?? '');
  return { child, output, exited };
}

/** Runs `linekeeper ...args`, optionally feeding stdin; resolves when the process exits. */
export function runCli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return startCli(args, options).exited;
}
