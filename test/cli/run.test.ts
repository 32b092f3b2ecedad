import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { boxStorageYaml } from '../helpers/box-storage.js';
import { CLI, ROOT } from '../helpers/paths.js';

t.test('run starts, stays up while idle, and stops cleanly on SIGTERM', async (t) => {
  // A box with no modem plugged in and no broker: the daemon must still come up and wait for the modem.
  const dir = await mkdtemp(join(tmpdir(), 'lk-idle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    `version: 1\ndevice: { id: shop-idle }\nshopProfile: ${ROOT}examples/shop-bakery.yaml\n` +
      `modem: { port: ${join(dir, 'no-modem')} }\n${await boxStorageYaml(dir)}`,
  );
  const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
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
