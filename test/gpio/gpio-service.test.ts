import t from 'tap';
import { FakeGpioProvider } from '../../device/gpio/fake-gpio.js';
import { validateDeviceConfig } from '../../src/config/load.js';
import { ErrorCode } from '../../src/errors.js';
import type { ButtonPress } from '../../src/gpio/button.js';
import { type GpioConfig, GpioService } from '../../src/gpio/gpio-service.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** The gpio section with schema defaults, plus `pins`. */
function gpioConfig(pins: Partial<GpioConfig>): GpioConfig {
  const { config, issues } = validateDeviceConfig({ gpio: { enabled: true, ...pins } });
  if (issues.length > 0) throw new Error(JSON.stringify(issues));
  return config.gpio;
}

const WAVESHARE = {
  powerKey: 6,
  flightMode: 4,
  ledReady: 17,
  ledInCall: 22,
  ledFault: 23,
  ledMessages: 24,
  button: 27,
};

async function started(pins: Partial<GpioConfig>) {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const service = new GpioService({ config: gpioConfig(pins), provider: gpio, clock, log: silentLogger });
  await service.start();
  return { clock, gpio, service };
}

t.test('the schema defaults match the Waveshare timing and a button to ground', async (t) => {
  t.match(gpioConfig({}), {
    powerOnPulseMs: 2000,
    powerOffPulseMs: 3000,
    powerOffSettleMs: 18000,
    modemBootTimeoutMs: 30000,
    buttonActiveLow: true,
    ledActiveLow: false,
    buttonDebounceMs: 30,
    buttonLongPressMs: 2000,
    pollMs: 10,
  });
});

t.test('start opens every configured pin at a safe level and stop releases them all', async (t) => {
  const { gpio, service } = await started(WAVESHARE);
  t.same(gpio.openPins(), [4, 6, 17, 22, 23, 24, 27]);
  t.same(service.leds, ['ready', 'inCall', 'fault', 'messages']);
  for (const pin of [4, 6, 17, 22, 23, 24]) t.equal(gpio.level(pin), 0, `BCM ${pin} starts low`);
  t.match(gpio.line(27)?.options, { direction: 'in', activeLow: true });
  await service.stop();
  t.same(gpio.openPins(), []);
  await service.stop();
});

t.test('unconfigured pins are skipped; LEDs without a pin are ignored', async (t) => {
  const { clock, gpio, service } = await started({ ledFault: 5 });
  t.same(gpio.openPins(), [5]);
  service.setLed('ready', 'on');
  service.setLed('fault', 'blink');
  await clock.advance(0);
  t.equal(gpio.level(5), 1);
  await t.rejects(service.powerCycle(), { code: ErrorCode.Gpio_Unavailable, message: /gpio\.powerKey/ });
  await t.rejects(service.setFlightMode(true), {
    code: ErrorCode.Gpio_Unavailable,
    message: /gpio\.flightMode/,
  });
  await service.stop();
  t.equal(gpio.level(5), 0, 'stop turns LEDs off');
});

t.test('LED names map to their config pins, active low when configured', async (t) => {
  const { clock, gpio, service } = await started({ ...WAVESHARE, ledActiveLow: true });
  service.setLed('inCall', 'on');
  service.setLed('messages', 'heartbeat');
  await clock.advance(150);
  t.equal(gpio.level(22), 0, 'inCall lit = pin low');
  t.equal(gpio.level(17), 1, 'ready dark = pin high');
  t.same(
    gpio.writesOn(24).map((w) => `${w.value}/${w.level}@${w.at}`),
    ['0/1@0', '1/0@0', '0/1@100'],
  );
  await service.stop();
});

t.test('button presses reach every onButton listener until it unsubscribes', async (t) => {
  const { clock, gpio, service } = await started({ button: 27 });
  const heard: ButtonPress[] = [];
  service.onButton(() => {
    throw new Error('listener bug');
  });
  const unsubscribe = service.onButton((p) => heard.push(p));
  gpio.setLevel(27, 0);
  await clock.advance(200);
  gpio.setLevel(27, 1);
  await clock.advance(50);
  gpio.setLevel(27, 0);
  await clock.advance(2500);
  gpio.setLevel(27, 1);
  await clock.advance(50);
  t.same(heard, ['short', 'long']);
  unsubscribe();
  gpio.setLevel(27, 0);
  await clock.advance(100);
  gpio.setLevel(27, 1);
  await clock.advance(50);
  t.same(heard, ['short', 'long']);
  await service.stop();
});

t.test('flight mode drives its pin', async (t) => {
  const { gpio, service } = await started(WAVESHARE);
  await service.setFlightMode(true);
  t.equal(gpio.level(4), 1);
  await service.setFlightMode(false);
  t.equal(gpio.level(4), 0);
  await service.stop();
});

t.test('powerCycle needs the modem probe and then runs the power-key sequence', async (t) => {
  const { clock, gpio, service } = await started(WAVESHARE);
  await t.rejects(service.powerCycle(), { code: ErrorCode.Internal, message: /needs the modem AT probe/ });
  t.equal(gpio.writesOn(6).length, 1, 'nothing pulsed without a probe (only the initial low)');
  let answering = false;
  service.setModemProbe(async () => answering);
  const { powerCycle } = service;
  const done = powerCycle().then(() => clock.now());
  await clock.advance(3000);
  answering = true;
  await clock.advance(10000);
  t.equal(await done, 5000, 'the modem answered at the first probe after the pulse');
  t.same(
    gpio.writesOn(6).map((w) => `${w.value}@${w.at}`),
    ['0@0', '1@0', '0@3000'],
  );
  const ensure = service.ensureModemOn();
  await clock.advance(10);
  await ensure;
  t.equal(gpio.writesOn(6).length, 3, 'ensureModemOn leaves a running modem alone');
  await service.stop();
});

t.test('two functions on one pin are a config error', async (t) => {
  const gpio = new FakeGpioProvider(new ManualClock());
  const service = new GpioService({
    config: gpioConfig({ ledReady: 17, button: 17 }),
    provider: gpio,
    log: silentLogger,
  });
  await t.rejects(service.start(), {
    code: ErrorCode.Config_Invalid,
    message: /gpio\.ledReady and gpio\.button both use BCM 17/,
  });
  t.same(gpio.openPins(), []);
});

t.test('without GPIO the service runs degraded, releases what it had opened and says why', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const taken = await gpio.open(27, { direction: 'in' });
  const errors: string[] = [];
  const log = createLogger({ level: 'error', write: (line) => errors.push(line) });
  const service = new GpioService({ config: gpioConfig(WAVESHARE), provider: gpio, clock, log });
  await service.start();
  t.match(service.unavailable, { code: ErrorCode.Gpio_Unavailable, message: /BCM 27 is already open/ });
  t.same(gpio.openPins(), [27], 'only the line opened elsewhere is left');
  t.match(errors.join('\n'), /running without LEDs, button and power key: .*BCM 27 is already open/);
  service.setLed('ready', 'on');
  service.setModemProbe(async () => true);
  await t.rejects(service.powerCycle(), { code: ErrorCode.Gpio_Unavailable, message: /BCM 27/ });
  await t.rejects(service.setFlightMode(true), { code: ErrorCode.Gpio_Unavailable });
  await service.stop();
  await taken.release();
  gpio.makeUnavailable('/sys/class/gpio/export is not writable (EACCES)');
  await service.start();
  t.match(service.unavailable?.message, /EACCES/);
});

t.test('errors other than unavailable GPIO still fail the start', async (t) => {
  const clock = new ManualClock();
  const broken = {
    open: async () => {
      throw new Error('provider bug');
    },
  };
  const service = new GpioService({
    config: gpioConfig({ ledReady: 17 }),
    provider: broken,
    clock,
    log: silentLogger,
  });
  await t.rejects(service.start(), /provider bug/);
});
