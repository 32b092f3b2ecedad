/**
 * The onoff provider against a generated sysfs tree. onoff itself always writes /sys/class/gpio, so the lines
 * here come from a small factory that does what the kernel's sysfs files do (value, direction, active_low) in
 * the generated tree; chip discovery, numbering, initial levels, polling and errors are the provider's own code.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import type { Bit } from '../../src/gpio/gpio-line.js';
import { type OnoffGpioFactory, OnoffGpioProvider } from '../../src/gpio/onoff-provider.js';
import { createLogger } from '../../src/log/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { makeSysfsTree, PI4_CHIPS, PI5_CHIPS } from '../helpers/sysfs-tree.js';

/** Lines backed by files in `root`, as sysfs lays them out; values are stored raw, as the kernel does. */
function sysfsFiles(root: string): OnoffGpioFactory {
  return (number, direction, { activeLow }) => {
    const dir = join(root, `gpio${number}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'active_low'), activeLow ? '1' : '0');
    writeFileSync(join(dir, 'direction'), direction === 'in' ? 'in' : 'out');
    if (direction !== 'in' || !existsSync(join(dir, 'value'))) {
      writeFileSync(join(dir, 'value'), direction === 'high' ? '1' : '0');
    }
    const invert = (bit: Bit): Bit => (activeLow ? ((1 - bit) as Bit) : bit);
    return {
      read: async () => invert(readFileSync(join(dir, 'value'), 'utf8').trim() === '1' ? 1 : 0),
      write: async (value) => writeFileSync(join(dir, 'value'), String(invert(value))),
      unexport: () => rmSync(dir, { recursive: true }),
    };
  };
}

function rawValue(root: string, number: number): string {
  return readFileSync(join(root, `gpio${number}`, 'value'), 'utf8');
}

t.test('outputs are opened at base + BCM with the right initial level', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS);
  const provider = new OnoffGpioProvider({ sysfsRoot: root, createGpio: sysfsFiles(root) });
  const led = await provider.open(17, { direction: 'out' });
  t.equal(led.pin, 17);
  t.equal(rawValue(root, 529), '0', 'BCM 17 on a Pi 4 with kernel 6.6 is gpio529, off');
  await led.write(1);
  t.equal(rawValue(root, 529), '1');
  t.equal(await led.read(), 1);
  const inverted = await provider.open(22, { direction: 'out', activeLow: true, initial: 0 });
  t.equal(rawValue(root, 534), '1', 'active-low logical 0 starts at the raw high level');
  await inverted.write(1);
  t.equal(rawValue(root, 534), '0');
  await led.release();
  t.notOk(existsSync(join(root, 'gpio529')), 'released lines are unexported');
  await t.rejects(led.write(0), {
    code: ErrorCode.Internal,
    message: /BCM 17 was used after it was released/,
  });
  await led.release();
});

t.test('inputs are polled with the clock and report changes only', async (t) => {
  const root = await makeSysfsTree(t, PI5_CHIPS);
  const clock = new ManualClock();
  const provider = new OnoffGpioProvider({
    sysfsRoot: root,
    clock,
    pollMs: 10,
    createGpio: sysfsFiles(root),
  });
  const button = await provider.open(27, { direction: 'in', activeLow: true });
  const value = join(root, 'gpio598', 'value');
  writeFileSync(value, '1');
  const seen: Bit[] = [];
  const unwatch = button.watch((v) => seen.push(v));
  await clock.advance(30);
  t.same(seen, [], 'the first poll is the baseline');
  writeFileSync(value, '0');
  await clock.advance(10);
  t.same(seen, [1], 'pulled to ground = pressed (active low)');
  await clock.advance(50);
  t.same(seen, [1], 'no repeat while the level holds');
  writeFileSync(value, '1');
  await clock.advance(10);
  t.same(seen, [1, 0]);
  unwatch();
  t.equal(clock.pending, 0, 'polling stops with the last watcher');
  writeFileSync(value, '0');
  await clock.advance(100);
  t.same(seen, [1, 0]);
  await button.release();
});

t.test('a failing read is logged once and polling goes on', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS);
  const clock = new ManualClock();
  const warnings: string[] = [];
  const log = createLogger({ level: 'warn', write: (line) => warnings.push(line) });
  const provider = new OnoffGpioProvider({
    sysfsRoot: root,
    clock,
    pollMs: 10,
    createGpio: sysfsFiles(root),
    log,
  });
  const line = await provider.open(5, { direction: 'in' });
  const seen: Bit[] = [];
  line.watch((v) => seen.push(v));
  await clock.advance(10);
  rmSync(join(root, 'gpio517', 'value'));
  await clock.advance(50);
  t.equal(warnings.length, 1);
  t.match(warnings[0], /reading BCM 5 failed: ENOENT/);
  writeFileSync(join(root, 'gpio517', 'value'), '1');
  await clock.advance(10);
  t.same(seen, [1], 'a change after the failure is still seen');
  await line.release();
  t.equal(clock.pending, 0);
});

t.test('open errors name the pin, the sysfs number, the path and what to do', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS);
  const failing =
    (code: string, path?: string): OnoffGpioFactory =>
    () => {
      throw Object.assign(new Error(`${code}: failed`), { code, path });
    };
  const cases: [string, RegExp][] = [
    ['EACCES', /add the user to the gpio group/],
    ['EBUSY', /the pin is claimed by a kernel driver/],
    ['EINVAL', /the kernel rejected the number; check gpio\.chip \(using "pinctrl-bcm2711", base 512\)/],
    ['EIO', /check that the pin is free/],
  ];
  for (const [code, hint] of cases) {
    const provider = new OnoffGpioProvider({
      sysfsRoot: root,
      createGpio: failing(code, '/sys/class/gpio/export'),
    });
    await t.rejects(provider.open(6, { direction: 'out' }), {
      code: ErrorCode.Gpio_Unavailable,
      message: new RegExp(
        `cannot open BCM 6 \\(sysfs gpio518 on "pinctrl-bcm2711"\\): ${code} at /sys/class/gpio/export; ${hint.source}`,
      ),
      context: { pin: 6, sysfsNumber: 518, errno: code },
    });
  }
  const provider = new OnoffGpioProvider({ sysfsRoot: root, createGpio: sysfsFiles(root) });
  await t.rejects(provider.open(58, { direction: 'out' }), {
    code: ErrorCode.Gpio_Unavailable,
    message: /BCM pin 58/,
  });
});

t.test('an access failure is reported and not cached, so a fixed system works on retry', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS, { writable: false });
  const provider = new OnoffGpioProvider({ sysfsRoot: root, createGpio: sysfsFiles(root) });
  await t.rejects(provider.chip(), {
    code: ErrorCode.Gpio_Unavailable,
    message: /export is not writable \(ENOENT\)/,
  });
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  t.match(await provider.chip(), { label: 'pinctrl-bcm2711', base: 512 });
});

t.test(
  'the real onoff module loads and its failure is wrapped with the path it could not write',
  {
    skip: existsSync('/sys/class/gpio')
      ? 'this machine has a real GPIO header; the test would drive a pin'
      : false,
  },
  async (t) => {
    // Discovery passes on the generated tree; onoff itself then writes the missing /sys/class/gpio/export.
    const root = await makeSysfsTree(t, PI4_CHIPS);
    const provider = new OnoffGpioProvider({ sysfsRoot: root });
    await t.rejects(provider.open(17, { direction: 'out' }), {
      code: ErrorCode.Gpio_Unavailable,
      message:
        /cannot open BCM 17 \(sysfs gpio529 on "pinctrl-bcm2711"\): ENOENT at \/sys\/class\/gpio\/export/,
    });
  },
);
