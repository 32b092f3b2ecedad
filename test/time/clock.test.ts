import t from 'tap';
import { delay, systemClock } from '../../src/time/clock.js';
import { ManualClock } from '../helpers/manual-clock.js';

t.test('the manual clock fires timers in due order, each at its own time', async (t) => {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
  const cancelled = clock.setTimeout(() => fired.push('never'), 5);
  clock.clearTimeout(cancelled);
  await clock.advance(15);
  t.same(fired, ['a@1010']);
  t.equal(clock.now(), 1015);
  await clock.advance(100);
  t.same(fired, ['a@1010', 'b@1020', 'c@1020']);
  t.equal(clock.pending, 0);
});

t.test('timers scheduled by callbacks and by awaiting code fire within the same advance', async (t) => {
  const clock = new ManualClock();
  const seen: number[] = [];
  const sequence = (async () => {
    for (let i = 0; i < 3; i++) {
      await delay(clock, 100);
      seen.push(clock.now());
    }
  })();
  await clock.advance(300);
  await sequence;
  t.same(seen, [100, 200, 300]);
});

t.test('delay rejects when aborted and leaves no timer behind', async (t) => {
  const clock = new ManualClock();
  const controller = new AbortController();
  const waiting = delay(clock, 1000, controller.signal);
  controller.abort(new Error('stopped'));
  await t.rejects(waiting, /stopped/);
  t.equal(clock.pending, 0);
  await t.rejects(delay(clock, 10, controller.signal), /stopped/);
});

t.test('the system clock runs real timers', async (t) => {
  const start = systemClock.now();
  await delay(systemClock, 5);
  t.ok(systemClock.now() - start >= 4);
  let fired = false;
  const handle = systemClock.setTimeout(() => {
    fired = true;
  }, 1);
  systemClock.clearTimeout(handle);
  await delay(systemClock, 10);
  t.notOk(fired, 'a cleared timer does not fire');
});
