import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/log/logger.js';
import { createSdNotify, watchdogInterval } from '../../src/system/sd-notify.js';
import { type Health, Supervisor } from '../../src/system/supervisor.js';
import { boxStorageYaml } from '../helpers/box-storage.js';
import { NotifySocket } from '../helpers/notify-socket.js';
import { CLI, SHARED_EXAMPLES } from '../helpers/paths.js';

t.test(
  'the daemon sends READY=1, health-gated WATCHDOG=1 and STOPPING=1 to a real notify socket',
  async (t) => {
    const socket = await NotifySocket.start();
    const dir = await mkdtemp(join(tmpdir(), 'lk-run-'));
    t.teardown(async () => {
      await socket.dispose();
      await rm(dir, { recursive: true, force: true });
    });
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `version: 1\ndevice: { id: shop-0001 }\nshopProfile: ${SHARED_EXAMPLES}shop-bakery.yaml\nmodem: { port: ${join(dir, 'no-modem')} }\n${await boxStorageYaml(dir)}`,
    );
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
      env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '300000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    // The daemon trains its NLU and renders its prompts before READY: on a loaded machine that takes a while.
    t.match(await socket.waitFor((m) => m.startsWith('READY=1'), 120_000), /READY=1\nSTATUS=running/);
    // Two pings prove the periodic timer, not a single send at start.
    await socket.waitFor(() => socket.notifications.filter((m) => m === 'WATCHDOG=1').length >= 2);
    child.kill('SIGTERM');
    t.match(await socket.waitFor((m) => m.startsWith('STOPPING=1')), /STOPPING=1/);
    t.equal(await exited, 0, output);
    const order = socket.notifications.map((m) => m.split('\n')[0]);
    t.equal(order[0], 'READY=1', 'READY comes first');
    t.equal(order.at(-1), 'STOPPING=1', 'STOPPING comes last');
  },
);

t.test('no watchdog ping while the health check fails', async (t) => {
  const socket = await NotifySocket.start();
  t.teardown(() => socket.dispose());
  const notifier = createSdNotify({
    env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '200000' },
    log: silentLogger,
  });
  t.equal(notifier.watchdogIntervalMs, 100);
  let healthy = true;
  const ticks: { health: Health; pings: number }[] = [];
  let onTick: (() => void) | undefined;
  const supervisor = new Supervisor({
    notifier,
    log: silentLogger,
    health: () => (healthy ? { ok: true } : { ok: false, reason: 'modem not answering' }),
    onWatchdogTick: (health) => {
      ticks.push({ health, pings: socket.notifications.filter((m) => m === 'WATCHDOG=1').length });
      onTick?.();
    },
  });
  const ticksUntil = (predicate: () => boolean) =>
    new Promise<void>((resolve) => {
      onTick = () => {
        if (predicate()) resolve();
      };
    });
  await supervisor.startup(Promise.resolve());
  supervisor.startWatchdog();
  await socket.waitFor((m) => m === 'WATCHDOG=1');
  healthy = false;
  await ticksUntil(() => ticks.filter((x) => !x.health.ok).length >= 3);
  const unhealthy = ticks.filter((x) => !x.health.ok);
  t.equal(unhealthy.at(-1)?.pings, unhealthy[0]?.pings, 'no WATCHDOG=1 while unhealthy');
  t.match(await socket.waitFor((m) => m.startsWith('STATUS=unhealthy')), /modem not answering/);
  healthy = true;
  const before = unhealthy.at(-1)?.pings ?? 0;
  await socket.waitFor(() => socket.notifications.filter((m) => m === 'WATCHDOG=1').length > before);
  await supervisor.stopping();
  t.ok(socket.notifications.includes('STOPPING=1\nSTATUS=stopping'));
});

t.test('READY=1 in degraded mode when services take too long, then the real status', async (t) => {
  const socket = await NotifySocket.start();
  t.teardown(() => socket.dispose());
  const notifier = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: socket.path }, log: silentLogger });
  const supervisor = new Supervisor({ notifier, log: silentLogger, degradedAfterMs: 50 });
  let finish: (value: string) => void = () => {};
  const starting = supervisor.startup(
    new Promise<string>((resolve) => {
      finish = resolve;
    }),
  );
  t.match(await socket.waitFor((m) => m.startsWith('READY=1')), /STATUS=degraded/);
  finish('started');
  t.equal(await starting, 'started');
  await socket.waitFor((m) => m === 'STATUS=running: all services started');
  t.equal(socket.notifications.filter((m) => m.startsWith('READY=1')).length, 1, 'READY only once');
});

t.test('outside systemd nothing is sent and the watchdog is off', async (t) => {
  const notifier = createSdNotify({ env: { PATH: process.env.PATH }, log: silentLogger });
  t.equal(notifier.enabled, false);
  t.equal(notifier.watchdogIntervalMs, undefined);
  await notifier.notify({ READY: '1' });
  t.equal(watchdogInterval({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '1' }, 4242), undefined, 'not our pid');
  t.equal(watchdogInterval({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '4242' }, 4242), 30_000);
  t.equal(watchdogInterval({ WATCHDOG_USEC: 'x' }, 1), undefined);
});
