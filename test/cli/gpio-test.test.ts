import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FakeGpioProvider } from '../../device/gpio/fake-gpio.js';
import { runGpioTest } from '../../src/cli/commands/gpio-test.js';
import { validateDeviceConfig } from '../../src/config/load.js';
import { ErrorCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { makeSysfsTree, PI4_CHIPS } from '../helpers/sysfs-tree.js';

function gpioConfig(pins: Record<string, number>) {
  return validateDeviceConfig({ gpio: { enabled: true, ...pins } }).config.gpio;
}

t.test('gpio-test lights each LED in turn, reports presses and never touches the power key', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const lines: string[] = [];
  const run = runGpioTest({
    config: gpioConfig({ powerKey: 6, flightMode: 4, ledReady: 17, ledFault: 23, button: 27 }),
    provider: gpio,
    clock,
    ledMs: 1000,
    listenMs: 5000,
    out: (line) => lines.push(`${clock.now()} ${line}`),
  });
  await clock.advance(2500);
  gpio.setLevel(27, 0);
  await clock.advance(300);
  gpio.setLevel(27, 1);
  await clock.advance(10000);
  t.same(await run, ['short']);
  t.same(lines, [
    '0 LED ready (BCM 17): on for 1000 ms',
    '1000 LED fault (BCM 23): on for 1000 ms',
    '2000 press the button (BCM 27) within 5 s',
    '2830 button: short press',
    '7000 1 button press seen',
  ]);
  t.same(
    gpio.writesOn(17).map((w) => `${w.value}@${w.at}`),
    ['0@0', '1@0', '0@1000'],
  );
  t.same(
    gpio.writesOn(23).map((w) => `${w.value}@${w.at}`),
    ['0@0', '1@1000', '0@2000'],
  );
  t.same(gpio.writesOn(6), [], 'the power key is never opened');
  t.same(gpio.writesOn(4), [], 'nor flight mode');
  t.same(gpio.openPins(), [], 'everything released');
});

t.test('gpio-test says what to configure when nothing is', async (t) => {
  const clock = new ManualClock();
  const lines: string[] = [];
  const presses = await runGpioTest({
    config: gpioConfig({}),
    provider: new FakeGpioProvider(clock),
    clock,
    ledMs: 1000,
    listenMs: 5000,
    out: (line) => lines.push(line),
  });
  t.same(presses, []);
  t.match(lines[0], /no LEDs configured \(set ledReady, ledInCall, ledFault, ledMessages/);
  t.match(lines[1], /no button configured/);
});

t.test('gpio-test fails when a pin cannot be opened', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  gpio.makeUnavailable('/sys/class/gpio/gpio529/value is not writable (EACCES)');
  await t.rejects(
    runGpioTest({
      config: gpioConfig({ ledReady: 17 }),
      provider: gpio,
      clock,
      ledMs: 1,
      listenMs: 1,
      out: () => {},
    }),
    { code: ErrorCode.Gpio_Unavailable, message: /gpio529\/value is not writable/ },
  );
});

t.test('without accessible GPIO the command fails with Gpio_Unavailable and exit 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linekeeper-gpio-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'gpio: { enabled: true, ledReady: 17 }\n');
  const missing = await runCli(['gpio-test', '--config', config, '--sysfs-root', join(dir, 'no-gpio')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /GPIO is not available: .*no-gpio does not exist \(not a Raspberry Pi.*\(E0300\)/);
  const root = await makeSysfsTree(t, PI4_CHIPS, { writable: false });
  const denied = await runCli(['gpio-test', '--config', config, '--sysfs-root', root]);
  t.equal(denied.code, 1);
  t.match(
    denied.stderr,
    new RegExp(`${root}/export is not writable \\(ENOENT\\); add the user to the gpio group`),
  );
  t.equal(denied.stdout, '');
});

t.test('gpio-test --help explains the command and its options', async (t) => {
  const help = await runCli(['gpio-test', '--help']);
  t.equal(help.code, 0);
  // Commander wraps the description to the terminal width.
  t.match(help.stdout, /light each\s+configured\s+LED\s+in\s+turn,\s+report\s+button\s+presses/);
  t.match(help.stdout, /Never\s+pulses\s+the\s+modem\s+power\s+key/);
  for (const option of ['--config', '--led-ms', '--seconds', '--sysfs-root']) t.match(help.stdout, option);
  const bad = await runCli(['gpio-test', '--seconds', 'soon']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--seconds must be a positive whole number, got "soon"/);
});
