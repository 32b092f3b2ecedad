import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { type CheckResult, formatResults, runDoctor } from '../../src/doctor/checks.js';
import { runCli } from '../helpers/cli.js';
import { TestBroker } from '../helpers/mosquitto.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const byName = (results: CheckResult[], name: string) => results.find((r) => r.name === name);

async function ptyPair(t: { teardown(fn: () => void): void }, dir: string): Promise<string> {
  const link = join(dir, 'modem');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${link}`, `pty,raw,echo=0,link=${join(dir, 'far')}`], {
    stdio: 'ignore',
  });
  t.teardown(() => {
    socat.kill();
  });
  // socat creates the links once both ends exist; poll the filesystem (not a sleep-and-hope).
  const deadline = Date.now() + 10_000;
  while (!existsSync(link) || !existsSync(join(dir, 'far'))) {
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
    await new Promise((resolve) => setImmediate(resolve));
  }
  return link;
}

t.test('doctor checks a box and says how to fix each problem', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-doctor-'));
  const broker = await TestBroker.start();
  t.teardown(async () => {
    await broker.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  const port = await ptyPair(t, dir);
  const config = join(dir, 'config.yaml');
  const write = (extra: string) =>
    writeFile(
      config,
      `version: 1\ndevice: { id: shop-0001 }\nshopProfile: ${SHARED_EXAMPLES}shop-bakery.yaml\n` +
        `modem: { port: ${port} }\nspeech: { modelsDir: ${join(dir, 'models')} }\nstorage: { dataDir: ${dir} }\n` +
        `mqtt: { enabled: true, url: "${broker.url}" }\nfleet: { publicKeyFile: ${join(dir, 'none.pem')} }\n${extra}`,
    );
  await write('');
  const good = await runDoctor({ configFile: config });
  t.match(byName(good, 'config'), { status: 'ok' });
  t.match(byName(good, 'profile'), { status: 'ok' });
  t.match(byName(good, 'modem'), { status: 'ok', summary: /exists and can be opened/ });
  t.match(byName(good, 'sim'), { status: 'skip', summary: /not checked: needs the running daemon/ });
  t.match(byName(good, 'broker'), { status: 'ok', summary: /reachable/ });
  t.match(byName(good, 'models'), { status: 'warn', fix: /models fetch/ });
  t.match(byName(good, 'fleet-key'), { status: 'warn', fix: /--fleet-pubkey/ });
  t.match(byName(good, 'disk'), { status: 'ok' });
  t.match(byName(good, 'clock'), { status: /ok|warn|skip/ });

  // A modem that answers through the daemon's probe: SIM ready, weak signal.
  const probed = await runDoctor({
    configFile: config,
    modem: { probe: async () => ({ sim: 'ready', registered: true, signalDbm: -105 }) },
  });
  t.match(byName(probed, 'sim'), { status: 'ok' });
  t.match(byName(probed, 'signal'), { status: 'warn', summary: /-105 dBm/, fix: /antenna/ });
  const silent = await runDoctor({
    configFile: config,
    modem: { probe: () => Promise.reject(new Error('AT timed out')) },
  });
  t.match(byName(silent, 'sim'), {
    status: 'fail',
    summary: /does not answer: AT timed out/,
    fix: /power-cycle/,
  });

  // Broken things: no modem, broker down, disk below the minimum.
  await broker.stop();
  await writeFile(
    config,
    `version: 1\ndevice: { id: shop-0001 }\nshopProfile: ${SHARED_EXAMPLES}shop-bakery.yaml\n` +
      `modem: { port: ${join(dir, 'gone')} }\nstorage: { dataDir: ${dir}, minFreeMb: 999999999 }\n` +
      `mqtt: { enabled: true, url: "${broker.url}" }\n`,
  );
  const bad = await runDoctor({ configFile: config });
  t.match(byName(bad, 'modem'), { status: 'fail', summary: /does not exist/, fix: /HAT is seated/ });
  t.match(byName(bad, 'broker'), { status: 'fail', summary: /not reachable/, fix: /broker address/ });
  t.match(byName(bad, 'disk'), { status: 'fail', fix: /bigger SD card/ });
  t.match(formatResults(bad), /^FAIL modem .*\n +fix: /m);

  const cli = await runCli(['doctor', '--config', config]);
  t.equal(cli.code, 1, 'exit 1 when a check fails');
  t.match(cli.stdout, /FAIL broker/);
  const broken = await runCli(['doctor', '--config', join(dir, 'missing.yaml'), '--json']);
  t.match(JSON.parse(broken.stdout), [{ name: 'config', status: 'fail', fix: /check-config/ }]);
});
