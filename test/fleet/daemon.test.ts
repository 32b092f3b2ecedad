import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FleetOperator } from '../../src/fleet/operator.js';
import { boxStorageYaml } from '../helpers/box-storage.js';
import { runCli } from '../helpers/cli.js';
import { TestBroker } from '../helpers/mosquitto.js';
import { CLI, SHARED_EXAMPLES } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

t.test(
  'the real daemon on the fleet: CLI devices/status/cmd/push-shop, restart exit, and offline by last will on SIGKILL',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lk-daemon-'));
    const broker = await TestBroker.start();
    const children: ChildProcess[] = [];
    t.teardown(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await broker.dispose();
      await rm(dir, { recursive: true, force: true });
    });
    const keygen = await runCli(['fleet', 'keygen', '--out', dir]);
    t.equal(keygen.code, 0, keygen.stderr);
    await copyFile(`${SHARED_EXAMPLES}shop-bakery.yaml`, join(dir, 'shop.yaml'));
    await copyFile(`${SHARED_EXAMPLES}orders-bakery.csv`, join(dir, 'orders-bakery.csv'));
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `version: 1\ndevice: { id: shop-0002 }\nshopProfile: shop.yaml\n${await boxStorageYaml(dir)}` +
        `mqtt: { enabled: true, url: "${broker.url}", keepaliveSeconds: 5 }\n` +
        `fleet: { publicKeyFile: ${join(dir, 'fleet-public.pem')}, group: north, installDir: ${join(dir, 'opt')} }\n`,
    );
    const start = () => {
      const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, exited, output: () => output };
    };
    const operator = await FleetOperator.connect({ url: broker.url });
    t.teardown(() => operator.close());
    const states: Record<string, unknown>[] = [];
    operator.client.on('message', (topic, payload) => {
      if (topic === 'lk/v1/shop-0002/state' && payload.length > 0)
        states.push(JSON.parse(payload.toString()));
    });
    await operator.client.subscribeAsync('lk/v1/shop-0002/state');

    let daemon = start();
    // The connection reports online first; the fleet agent adds its group and versions once it has started.
    await waitFor(
      () => states.some((s) => s.online === true && s.group === 'north'),
      'the daemon online',
      20_000,
    );
    // Retained messages arrive right after SUBACK on loopback: a short collection window is enough.
    const online = ['--broker', broker.url, '--key', join(dir, 'fleet-private.pem'), '--wait', '300'];

    const devices = await runCli(['fleet', 'devices', ...online]);
    t.equal(devices.code, 0, devices.stderr);
    t.match(devices.stdout, /^shop-0002\s+online\s+0\.1\.0\s+0\s+0\s+north\s/m);
    const unknown = await runCli(['fleet', 'status', 'shop-9999', ...online]);
    t.not(unknown.code, 0);
    t.match(unknown.stderr, /unknown device shop-9999: nothing on lk\/v1\/shop-9999\/state/);
    const unreachable = await runCli(['fleet', 'devices', '--broker', 'mqtt://127.0.0.1:1']);
    t.not(unreachable.code, 0);
    t.match(unreachable.stderr, /cannot reach the broker mqtt:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);

    const status = await runCli(['fleet', 'cmd', 'shop-0002', 'status', ...online]);
    t.equal(status.code, 0, status.stderr);
    t.match(JSON.parse(status.stdout), { status: 'ok', data: { deviceId: 'shop-0002', group: 'north' } });

    // A pushed profile is applied and the daemon restarts to load it (exit 75: systemd starts it again).
    const profile = join(dir, 'new-shop.yaml');
    await writeFile(
      profile,
      (await readFile(join(dir, 'shop.yaml'), 'utf8')).replace(
        'Golden Crust Bakery. How',
        'Golden Crust Bakery, open late. How',
      ),
    );
    const pushed = await runCli(['fleet', 'push-shop', '--group', 'north', profile, ...online]);
    t.equal(pushed.code, 0, pushed.stderr);
    t.match(pushed.stdout, /^shop-0002: shop version \d+ applied$/m);
    t.equal(await daemon.exited, 75, daemon.output());
    t.match(await readFile(join(dir, 'shop.yaml'), 'utf8'), /open late/);

    // Started again (as systemd would), then killed: the broker publishes the last will.
    states.length = 0;
    daemon = start();
    await waitFor(() => states.some((s) => s.online === true), 'the daemon online again', 20_000);
    const session = states.find((s) => s.online === true)?.sessionId;
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    await waitFor(() => states.some((s) => s.online === false), 'the last will', 20_000);
    t.match(states.at(-1), { online: false, sessionId: session, reason: 'lost' });
    const after = await runCli(['fleet', 'devices', ...online]);
    t.match(after.stdout, /^shop-0002\s+offline\s/m);
  },
);
