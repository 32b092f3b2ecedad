import t from 'tap';
import { FakeGpioProvider } from '../../device/gpio/fake-gpio.js';
import { ErrorCode } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';

t.test('the fake records timestamped writes with logical value and pin level', async (t) => {
  const clock = new ManualClock(500);
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(17, { direction: 'out', activeLow: true, initial: 0 });
  await clock.advance(20);
  await line.write(1);
  t.same(gpio.writes, [
    { pin: 17, value: 0, level: 1, at: 500 },
    { pin: 17, value: 1, level: 0, at: 520 },
  ]);
  t.equal(await line.read(), 1);
});

t.test('simulated edges reach watchers only on change, as logical values', async (t) => {
  const gpio = new FakeGpioProvider(new ManualClock());
  const line = await gpio.open(27, { direction: 'in', activeLow: true });
  t.equal(await line.read(), 0, 'an input floats high (pull-up): not pressed');
  const seen: number[] = [];
  const unwatch = line.watch((v) => seen.push(v));
  gpio.setLevel(27, 0);
  gpio.setLevel(27, 0);
  gpio.setLevel(27, 1);
  unwatch();
  gpio.setLevel(27, 0);
  t.same(seen, [1, 0]);
});

t.test('the fake refuses what real GPIO refuses', async (t) => {
  const gpio = new FakeGpioProvider(new ManualClock());
  const input = await gpio.open(27, { direction: 'in' });
  await t.rejects(input.write(1), { code: ErrorCode.Internal, message: /input and cannot be written/ });
  await t.rejects(gpio.open(27, { direction: 'out' }), {
    code: ErrorCode.Gpio_Unavailable,
    message: /EBUSY/,
  });
  await input.release();
  t.ok(input.released);
  await t.rejects(input.read(), { code: ErrorCode.Internal, message: /after it was released/ });
  t.throws(() => input.watch(() => {}), { code: ErrorCode.Internal });
  await t.resolves(gpio.open(27, { direction: 'out' }), 'a released pin can be opened again');
  gpio.makeUnavailable('no header');
  await t.rejects(gpio.open(5, { direction: 'out' }), {
    code: ErrorCode.Gpio_Unavailable,
    message: /GPIO is not available: no header/,
  });
});
