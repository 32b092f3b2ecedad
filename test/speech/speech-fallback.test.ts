import t from 'tap';
import { MemoryCall } from '../helpers/memory-call.js';
import { GREETING, lineSpeech, startSpeechRig } from '../helpers/speech.js';

const REPLIES = [
  'We are open from seven thirty in the morning until seven in the evening.',
  'We deliver to your house for free on orders over one hundred yuan.',
  'Please call again tomorrow morning.',
];

t.test(
  'a crashed worker leaves the call on keypad menus with a log line, and the next call has speech',
  async (t) => {
    const { worker, open, lines } = await startSpeechRig(t, REPLIES);
    const call = new MemoryCall();
    t.teardown(() => call.end());
    const channel = open(call);
    t.ok(channel.speechAvailable);
    const lost = new Promise<void>((resolve) => worker.onLost(() => resolve()));
    // Subscribed before the kill: the restarted worker cannot be ready before anyone listens for it.
    const restarted = new Promise<void>((resolve) => worker.onReady(resolve));
    const listening = channel.listen({ timeoutMs: 10000 });
    process.kill(worker.pid as number, 'SIGKILL');
    await lost;
    t.same(await listening, { kind: 'unrecognized', reason: 'speech-unavailable' });
    t.notOk(channel.speechAvailable);
    t.match(
      lines.join('\n'),
      /call test-call-\w+: speech lost \(speech worker exited unexpectedly \(code null, signal SIGKILL\)\); the rest of this call uses keypad menus/,
    );
    // Keypad menus go on: cached prompts still play and keys are read.
    t.same(await channel.say(GREETING, 'en'), { interrupted: false });
    const key = channel.listen({ timeoutMs: 5000 });
    call.press('2');
    t.same(await key, { kind: 'dtmf', digits: '2' });
    call.end();
    t.same(await channel.listen({ timeoutMs: 1000 }), { kind: 'hangup' });

    await restarted;
    const next = new MemoryCall();
    t.teardown(() => next.end());
    const second = open(next);
    t.ok(second.speechAvailable, 'the restarted worker serves the next call');
    const heard = second.listen({ timeoutMs: 8000 });
    await next.speak(await lineSpeech('what sizes do your cakes come in'));
    t.match(
      await heard,
      { kind: 'speech', text: 'what sizes do your cakes come in' },
      'the restarted worker recognises the first words of the next call',
    );
    const said = await second.say('Please call again tomorrow morning.', 'en');
    t.same(said, { interrupted: false });
    t.equal(second.lastSay?.cached, false, 'the restarted worker synthesised the reply');
    t.ok(next.recording.length > 8000, 'and the line played it');
  },
);

t.test('silence times out; digits collect until #', async (t) => {
  const { open } = await startSpeechRig(t, REPLIES);
  const call = new MemoryCall();
  t.teardown(() => call.end());
  const channel = open(call);
  t.same(await channel.listen({ timeoutMs: 600 }), { kind: 'silence' });
  const number = channel.listen({ timeoutMs: 5000, expect: 'digits' });
  for (const d of ['4', '2', '#']) call.press(d);
  t.same(await number, { kind: 'dtmf', digits: '42' });
  t.same(await channel.listen({ timeoutMs: 100 }), { kind: 'silence' });
});
