import t from 'tap';
import { MemoryCall } from '../helpers/memory-call.js';
import { GREETING, lineSpeech, recogniseAgain, startSpeechRig } from '../helpers/speech.js';

const REPLIES = [
  'We are open from seven thirty in the morning until seven in the evening.',
  'We deliver to your house for free on orders over one hundred yuan.',
  'We are open today until seven in the evening.',
];

t.test(
  'caller speech through line audio is recognised and the line answers in speech that is recognised again',
  async (t) => {
    const { open } = await startSpeechRig(t, REPLIES);
    const call = new MemoryCall({ delayMs: 120, lossDb: 12 });
    t.teardown(() => call.end());
    const channel = open(call);
    t.same(await channel.say(GREETING, 'en'), { interrupted: false });
    t.ok(channel.lastSay?.cached, 'the greeting came from the prompt cache');
    t.ok(
      (channel.lastSay?.firstAudioMs ?? 99) < 50,
      `cached first audio after ${channel.lastSay?.firstAudioMs} ms`,
    );
    const heard = channel.listen({ timeoutMs: 8000 });
    await call.speak(await lineSpeech('what are your opening hours'));
    const input = await heard;
    t.match(input, { kind: 'speech', text: 'what are your opening hours', lang: 'en' });
    t.notOk('bargedIn' in input && input.bargedIn, 'the greeting echo did not count as barge-in');
    const before = call.recording.length;
    t.same(await channel.say(REPLIES[2] as string, 'en'), { interrupted: false });
    t.notOk(channel.lastSay?.cached);
    const reply = call.recorded().subarray(before);
    t.ok(reply.length > 8000, `the line recorded ${reply.length / 8000} s of reply`);
    channel.close();
    const again = await recogniseAgain(reply, [
      ...REPLIES,
      GREETING,
      'yes we deliver to your house',
      'please call again tomorrow morning',
      'yes',
      'no',
      'goodbye',
    ]);
    t.equal(again, 'we are open today until seven in the evening', 'the recorded reply is recognised again');
  },
);

t.test('the line echo does not barge in; the caller talking over the reply does, and is heard', async (t) => {
  const { open } = await startSpeechRig(t, REPLIES);
  const call = new MemoryCall({ delayMs: 150, lossDb: 12 });
  t.teardown(() => call.end());
  const channel = open(call);
  t.same(
    await channel.say(`${REPLIES[1]} ${REPLIES[2]}`, 'en'),
    { interrupted: false },
    'echo alone never interrupts',
  );
  t.equal(call.stops.length, 0);
  const saying = channel.say(`${REPLIES[0]} ${REPLIES[1]}`, 'en');
  // Wait until the reply is on the line, then the caller talks over it.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (call.firstFrameAt.length > 0 && call.recording.length > 8000) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  const words = await lineSpeech('I want to speak to a person');
  const speechStart = performance.now();
  const spoken = call.speak(words);
  t.same(await saying, { interrupted: true });
  const stopMs = (call.stops[0] ?? Number.NaN) - speechStart;
  t.ok(stopMs < 1000, `playback stopped ${Math.round(stopMs)} ms after the caller started`);
  const input = await channel.listen({ timeoutMs: 8000 });
  await spoken;
  t.match(input, { kind: 'speech', text: /speak to a person/, bargedIn: true });
});

t.test(
  'a caller still talking when the listen times out is heard to the end, not taken for silence',
  async (t) => {
    const { open } = await startSpeechRig(t, REPLIES);
    const call = new MemoryCall({ delayMs: 120, lossDb: 12 });
    t.teardown(() => call.end());
    const channel = open(call);
    const words = await lineSpeech(
      'I have been waiting two hours for my delivery and nobody answers the phone',
    );
    t.ok(words.length > 8000 * 3, `${(words.length / 8000).toFixed(1)} s of speech`);
    // The utterance runs well past the 1 s window; its result comes after the VAD has heard it end.
    const listening = channel.listen({ timeoutMs: 1000 });
    const spoken = call.speak(words);
    const input = await listening;
    await spoken;
    t.match(input, { kind: 'speech', text: /waiting/ });
  },
);

t.test(
  'a caller who starts before the listen times out is heard, even when the worker runs behind the line',
  async (t) => {
    const { open, worker } = await startSpeechRig(t, REPLIES);
    const call = new MemoryCall({ delayMs: 120, lossDb: 12 });
    t.teardown(() => call.end());
    const channel = open(call);
    const words = await lineSpeech('what are your opening hours');
    // A busy box: the worker gets no CPU from before the caller starts until after the listen's deadline, so at
    // the deadline none of the caller's speech is a VAD event yet.
    const pid = worker.pid as number;
    const resume = () => process.kill(pid, 'SIGCONT');
    t.teardown(resume);
    process.kill(pid, 'SIGSTOP');
    const listening = channel.listen({ timeoutMs: 1000 });
    const spoken = call.speak(words);
    setTimeout(resume, 2000);
    const input = await listening;
    await spoken;
    t.match(input, { kind: 'speech', text: 'what are your opening hours' });
  },
);
