import t from 'tap';
import type { PcmFrame } from '../../src/audio/frame.js';
import type { CallEvent } from '../../src/calls/call-machine.js';
import { canTransition } from '../../src/calls/call-machine.js';
import { type CallLine, CallManager } from '../../src/calls/call-manager.js';
import { silentLogger } from '../../src/log/logger.js';
import type { LineEvent } from '../../src/modem/driver.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A line the test drives by hand: records answers and hangups, emits line events on request. */
class HandLine implements CallLine {
  answers = 0;
  hangups = 0;
  written: PcmFrame[] = [];
  calls: 'active' | 'none' = 'active';
  #listeners = new Set<(e: LineEvent) => void>();
  onEvent(listener: (e: LineEvent) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  onAudio() {
    return () => {};
  }
  async answer() {
    this.answers++;
  }
  async hangup() {
    this.hangups++;
  }
  writeAudio(frame: PcmFrame) {
    this.written.push(frame);
  }
  async transfer() {
    return { status: 'unsupported' as const, reason: 'test' };
  }
  async listCalls() {
    return this.calls === 'active'
      ? [{ index: 1, direction: 'incoming' as const, state: 'active' as const, number: null }]
      : [];
  }
  emit(event: LineEvent) {
    for (const l of this.#listeners) l(event);
  }
}

function setup(ringsBeforeAnswer = 2) {
  const line = new HandLine();
  const clock = new ManualClock();
  const calls = new CallManager({ line, clock, log: silentLogger, ringsBeforeAnswer, clccPollMs: 2000 });
  const events: CallEvent[] = [];
  calls.on('transition', (e) => events.push(e));
  calls.start();
  return { line, clock, calls, events };
}

t.test('the transition table allows only the documented paths', async (t) => {
  t.ok(canTransition('idle', 'ringing'));
  t.ok(canTransition('connected', 'ending'));
  t.notOk(canTransition('idle', 'connected'));
  t.notOk(canTransition('ended', 'ringing'));
  t.notOk(canTransition('ringing', 'connected'), 'no connection without answering');
});

t.test(
  'answers after N rings once caller ID arrived; a line without caller ID gets one more ring',
  async (t) => {
    const { line, clock, calls } = setup(2);
    line.emit({ type: 'ring' });
    line.emit({ type: 'ring' });
    await clock.advance(0);
    t.equal(line.answers, 0, 'no caller ID yet: not answered at ring 2');
    line.emit({ type: 'ring' });
    await clock.advance(0);
    t.equal(line.answers, 1, 'answered at ring 3 without caller ID');
    t.equal(calls.state, 'connected');
    t.equal(calls.activeCall?.callerNumber, null);
  },
);

t.test('rings that stop mean a missed call; timestamps come from the clock', async (t) => {
  const { line, clock, calls, events } = setup(3);
  line.emit({ type: 'ring' });
  line.emit({ type: 'caller-id', callerId: { number: '+441632960001' } });
  await clock.advance(5000);
  line.emit({ type: 'ring' });
  await clock.advance(8000);
  t.equal(calls.state, 'idle');
  t.same(
    events.map((e) => [e.state, e.at.getTime(), e.reason]),
    [
      ['ringing', 0, undefined],
      ['ended', 13000, 'missed'],
    ],
  );
  t.equal(line.answers, 0);
});

t.test('a lost end of call is found by AT+CLCC polling', async (t) => {
  const { line, clock, calls, events } = setup(1);
  line.emit({ type: 'ring' });
  line.emit({ type: 'caller-id', callerId: { number: '+441632960001' } });
  await clock.advance(0);
  t.equal(calls.state, 'connected');
  await clock.advance(4000);
  t.equal(calls.state, 'connected', 'CLCC shows the call: still connected');
  line.calls = 'none';
  await clock.advance(2000);
  t.equal(calls.state, 'idle');
  t.match(events.at(-1), { state: 'ended', reason: 'caller-hangup', detail: /AT\+CLCC/ });
});

t.test('the connected call plays paced frames with silence on underrun', async (t) => {
  const { line, clock, calls } = setup(1);
  line.emit({ type: 'ring' });
  line.emit({ type: 'caller-id', callerId: { number: null, absent: 'withheld' } });
  await clock.advance(0);
  const call = calls.activeCall;
  if (!call) throw new Error('not connected');
  const played = call.play(new Int16Array(240).fill(1000));
  await clock.advance(60);
  t.equal(await played, 'played');
  t.equal(line.written.length, 4, 'one frame per 20 ms (0, 20, 40, 60)');
  t.equal(line.written[2]?.[79], 1000);
  t.equal(line.written[2]?.[80], 0, 'underrun filled with silence');
  const stopped = call.play(new Int16Array(8000));
  call.stopPlayback();
  t.equal(await stopped, 'stopped');
  await call.hangup();
  t.equal(line.hangups, 1);
  t.equal(calls.state, 'idle');
});
