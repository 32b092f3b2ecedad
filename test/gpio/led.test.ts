import t from 'tap';
import { FakeGpioProvider } from '../../device/gpio/fake-gpio.js';
import { BLINK_TIMINGS, LED_PATTERNS, Led } from '../../src/gpio/led.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

async function setup() {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(17, { direction: 'out' });
  return { clock, gpio, led: new Led('ready', line, clock, silentLogger) };
}

function timeline(gpio: FakeGpioProvider, pin: number): string[] {
  return gpio.writesOn(pin).map((w) => `${w.value}@${w.at}`);
}

t.test('steady patterns write once', async (t) => {
  const { clock, gpio, led } = await setup();
  led.set('on');
  led.set('on');
  await clock.advance(5000);
  led.set('off');
  await clock.advance(1);
  t.same(timeline(gpio, 17), ['0@0', '1@0', '0@5000']);
  t.equal(clock.pending, 0);
});

t.test('blink toggles every 500 ms and keeps its phase when set again', async (t) => {
  const { clock, gpio, led } = await setup();
  led.set('blink');
  await clock.advance(700);
  led.set('blink');
  await clock.advance(1300);
  t.same(timeline(gpio, 17), ['0@0', '1@0', '0@500', '1@1000', '0@1500', '1@2000']);
  t.equal(led.pattern, 'blink');
});

t.test('heartbeat flashes 100 ms every 2 s; fast-blink runs at 4 Hz', async (t) => {
  const { clock, gpio, led } = await setup();
  led.set('heartbeat');
  await clock.advance(4000);
  t.same(timeline(gpio, 17), ['0@0', '1@0', '0@100', '1@2000', '0@2100', '1@4000']);
  led.set('fast-blink');
  await clock.advance(500);
  const fast = timeline(gpio, 17).slice(6);
  t.same(
    fast,
    ['0@4125', '1@4250', '0@4375', '1@4500'],
    'already on at the switch, so the first write is off',
  );
  t.same(BLINK_TIMINGS['fast-blink'], { onMs: 125, offMs: 125 });
  t.same(LED_PATTERNS, ['off', 'on', 'blink', 'fast-blink', 'heartbeat']);
});

t.test('stop turns the LED off and leaves no timer', async (t) => {
  const { clock, gpio, led } = await setup();
  led.set('blink');
  await clock.advance(100);
  await led.stop();
  t.equal(gpio.level(17), 0);
  t.equal(clock.pending, 0);
});

t.test('a failing write is logged, not thrown', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(5, { direction: 'out' });
  const lines: string[] = [];
  const led = new Led('fault', line, clock, createLogger({ level: 'warn', write: (l) => lines.push(l) }));
  await line.release();
  led.set('on');
  await led.stop();
  t.match(lines.join('\n'), /LED fault \(BCM 5\): BCM 5 was used after it was released/);
});
