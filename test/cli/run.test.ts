import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { CLI, FIXTURES } from '../helpers/paths.js';

t.test('run starts, stays up while idle, and stops cleanly on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [CLI, 'run', '--config', `${FIXTURES}config/idle.yaml`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const running = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('running; SIGTERM or SIGINT stops')) resolve();
    });
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = once(child, 'exit').then(() => 'exited' as const);
  t.equal(await Promise.race([running.then(() => 'running' as const), exited]), 'running', out);
  child.kill('SIGTERM');
  await exited;
  t.equal(child.exitCode, 0, out);
  t.match(out, /SIGTERM received, stopping/);
  t.match(out, /INFO {2}linekeeper: stopped/);
});
