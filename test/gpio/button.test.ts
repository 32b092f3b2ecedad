import t from 'tap';
import { FakeGpioProvider } from '../../device/gpio/fake-gpio.js';
import { Button, type ButtonPress } from '../../src/gpio/button.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

const PIN = 27;

async function setup(level: 0 | 1 = 1) {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  gpio.setLevel(PIN, level);
  // Wired to ground with a pull-up: the pin reads low while pressed.
  const line = await gpio.open(PIN, { direction: 'in', activeLow: true });
  const button = new Button(line, clock, { debounceMs: 30, longPressMs: 2000 }, silentLogger);
  const presses: { press: ButtonPress; at: number }[] = [];
  button.onPress((press) => presses.push({ press, at: clock.now() }));
  await button.start();
  return { clock, gpio, button, presses };
}

/** Presses (level 0) with contact bounce, holds for `ms`, releases with bounce. */
async function press(clock: ManualClock, gpio: FakeGpioProvider, ms: number): Promise<void> {
  for (const level of [0, 1, 0, 1, 0] as const) {
    gpio.setLevel(PIN, level);
    await clock.advance(2);
  }
  await clock.advance(ms - 8);
  for (const level of [1, 0, 1] as const) {
    gpio.setLevel(PIN, level);
    await clock.advance(3);
  }
  await clock.advance(100);
}

t.test('a bouncing short press is one short press', async (t) => {
  const { clock, gpio, presses } = await setup();
  await press(clock, gpio, 300);
  // The last release bounce is at 308 ms; the release counts once it has held for 30 ms.
  t.same(presses, [{ press: 'short', at: 338 }]);
});

t.test('a long press reports at the long-press time while still held, and nothing on release', async (t) => {
  const { clock, gpio, presses } = await setup();
  gpio.setLevel(PIN, 0);
  await clock.advance(1999);
  t.same(presses, []);
  await clock.advance(1);
  t.same(presses, [{ press: 'long', at: 2000 }], 'timed from the first edge, not from the debounce');
  gpio.setLevel(PIN, 1);
  await clock.advance(500);
  t.equal(presses.length, 1);
  await press(clock, gpio, 100);
  t.same(
    presses.map((p) => p.press),
    ['long', 'short'],
  );
});

t.test('glitches shorter than the debounce time are ignored', async (t) => {
  const { clock, gpio, presses } = await setup();
  gpio.setLevel(PIN, 0);
  await clock.advance(10);
  gpio.setLevel(PIN, 1);
  await clock.advance(500);
  t.same(presses, []);
});

t.test('a button held at start reports nothing until released and pressed again', async (t) => {
  const { clock, gpio, presses } = await setup(0);
  await clock.advance(5000);
  gpio.setLevel(PIN, 1);
  await clock.advance(100);
  t.same(presses, []);
  await press(clock, gpio, 200);
  t.same(
    presses.map((p) => p.press),
    ['short'],
  );
});

t.test('a throwing listener is logged and the others still hear the press', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(PIN, { direction: 'in', activeLow: true });
  const errors: string[] = [];
  const button = new Button(
    line,
    clock,
    { debounceMs: 30, longPressMs: 2000 },
    createLogger({ level: 'error', write: (l) => errors.push(l) }),
  );
  const heard: ButtonPress[] = [];
  button.onPress(() => {
    throw new Error('listener bug');
  });
  const unsubscribe = button.onPress((p) => heard.push(p));
  await button.start();
  await press(clock, gpio, 200);
  t.same(heard, ['short']);
  t.match(errors.join('\n'), /button listener failed: listener bug/);
  unsubscribe();
  await press(clock, gpio, 200);
  t.same(heard, ['short']);
  button.stop();
  t.equal(gpio.line(PIN)?.watcherCount, 0, 'stop unsubscribes from the line');
  t.equal(clock.pending, 0);
});
