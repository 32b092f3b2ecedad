import t from 'tap';
import { FakeGpioProvider, type RecordedWrite } from '../../device/gpio/fake-gpio.js';
import { ErrorCode } from '../../src/errors.js';
import { DEFAULT_POWER_KEY_TIMING, PowerKey } from '../../src/gpio/power-key.js';
import { silentLogger } from '../../src/log/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

const PIN = 6;
const BOOT_MS = 12000;

type ModemState = 'on' | 'off' | 'hung' | 'dead';

/**
 * A SIM7600 HAT as the power key sees it: a pulse of at least 0.5 s switches an off module on (it answers AT
 * 12 s later), one of at least 2.5 s switches a running or hung module off; a dead module ignores the key.
 */
function answersAt(initial: ModemState, writes: RecordedWrite[], now: number): boolean {
  let state = initial;
  let readyAt = 0;
  let risingAt: number | undefined;
  for (const write of writes) {
    if (write.level === 1) {
      risingAt ??= write.at;
      continue;
    }
    if (risingAt === undefined) continue;
    const length = write.at - risingAt;
    risingAt = undefined;
    if (state === 'off' && length >= 500) {
      state = 'on';
      readyAt = write.at + BOOT_MS;
    } else if ((state === 'on' || state === 'hung') && length >= 2500) {
      state = 'off';
    }
  }
  return state === 'on' && now >= readyAt;
}

async function setup(initial: ModemState, options: { probeThrows?: boolean } = {}) {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(PIN, { direction: 'out' });
  let probes = 0;
  const probe = async () => {
    probes++;
    if (options.probeThrows && probes === 1) throw new Error('port vanished');
    return answersAt(initial, gpio.writesOn(PIN), clock.now());
  };
  const key = new PowerKey(line, clock, DEFAULT_POWER_KEY_TIMING, probe, silentLogger);
  const pulses = () => {
    const result: string[] = [];
    let rise: number | undefined;
    for (const w of gpio.writesOn(PIN)) {
      if (w.value === 1) rise = w.at;
      else if (rise !== undefined) {
        result.push(`${w.at - rise}ms@${rise}`);
        rise = undefined;
      }
    }
    return result;
  };
  return { clock, gpio, key, pulses, probeCount: () => probes };
}

function settleResult(promise: Promise<void>): Promise<unknown> {
  return promise.then(
    () => 'ok',
    (e: unknown) => e,
  );
}

t.test('a running modem is switched off, left to settle, switched on and waited for', async (t) => {
  const { clock, key, pulses, gpio } = await setup('on');
  let doneAt: number | undefined;
  const done = key.powerCycle().then(() => {
    doneAt = clock.now();
  });
  await clock.advance(120000);
  await done;
  t.same(pulses(), ['3000ms@0', '2000ms@21000'], 'off pulse, 18 s settle, on pulse');
  t.equal(doneAt, 35000, 'resolved at the first probe after the 12 s boot');
  t.equal(gpio.level(PIN), 0, 'the key is left released');
});

t.test('a modem that is off gets one pulse from ensureOn; one that answers gets none', async (t) => {
  const off = await setup('off');
  const done = off.key.ensureOn();
  await off.clock.advance(60000);
  await done;
  t.same(off.pulses(), ['3000ms@0']);
  const on = await setup('on');
  const nothing = on.key.ensureOn();
  await on.clock.advance(60000);
  await nothing;
  t.same(on.pulses(), [], 'pulsing a running modem would switch it off');
  t.equal(on.probeCount(), 1);
});

t.test('a hung modem is switched off by the first pulse and on by the second', async (t) => {
  const { clock, key, pulses } = await setup('hung');
  const result = settleResult(key.powerCycle());
  await clock.advance(120000);
  t.equal(await result, 'ok');
  t.same(pulses(), ['3000ms@0', '2000ms@33000'], 'second pulse after the 30 s boot timeout ran out');
});

t.test('a probe that throws counts as a silent modem', async (t) => {
  const { clock, key, pulses } = await setup('off', { probeThrows: true });
  const result = settleResult(key.powerCycle());
  await clock.advance(60000);
  t.equal(await result, 'ok');
  t.same(pulses(), ['3000ms@0']);
});

t.test('a dead modem fails with Modem_Unresponsive after two pulses', async (t) => {
  const { clock, key, pulses } = await setup('dead');
  const result = settleResult(key.powerCycle());
  await clock.advance(120000);
  t.match(await result, {
    code: ErrorCode.Modem_Unresponsive,
    message:
      /did not answer AT within 30000 ms after two power-key pulses; check the HAT's power-key jumper .*BCM 6/,
  });
  t.same(pulses(), ['3000ms@0', '2000ms@33000']);
});

t.test('concurrent power cycles share one sequence', async (t) => {
  const { clock, key, pulses } = await setup('on');
  const first = key.powerCycle();
  const second = key.powerCycle();
  t.equal(first, second);
  await clock.advance(120000);
  await Promise.all([first, second]);
  t.same(pulses(), ['3000ms@0', '2000ms@21000']);
  const third = key.powerCycle();
  t.not(third, first, 'a later call starts a new sequence');
  await clock.advance(120000);
  await third;
});

t.test('a running modem that never comes back fails after its boot timeout', async (t) => {
  const clock = new ManualClock();
  const gpio = new FakeGpioProvider(clock);
  const line = await gpio.open(PIN, { direction: 'out' });
  // Answers only before the first pulse: switched off, then never again.
  const probe = async () => gpio.writesOn(PIN).length === 1;
  const timing = { ...DEFAULT_POWER_KEY_TIMING, bootTimeoutMs: 5000 };
  const result = settleResult(new PowerKey(line, clock, timing, probe, silentLogger).powerCycle());
  await clock.advance(60000);
  t.match(await result, {
    code: ErrorCode.Modem_Unresponsive,
    message: /within 5000 ms after switching it off and on/,
  });
});
