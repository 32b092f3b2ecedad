/** Prosody of caller utterances as the worker measures it (flite speech through 8 kHz line audio). */
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { FrustrationTracker } from '../../src/emotion/frustration-tracker.js';
import { countSyllables, measureVoice, voiceFeatures } from '../../src/speech/voice-features.js';
import { lineSpeech } from '../helpers/speech.js';

const RATE = 16000;

/** The words as the worker hears them, with `leadMs`/`tailMs` of silence the VAD segment cut around them. */
async function utterance(text: string, leadMs = 0, tailMs = 0): Promise<Int16Array> {
  const speech = resampleClip(await lineSpeech(text), 8000, RATE);
  const out = new Int16Array(((leadMs + tailMs) * RATE) / 1000 + speech.length);
  out.set(speech, (leadMs * RATE) / 1000);
  return out;
}

async function measure(text: string, leadMs = 0, tailMs = 0) {
  return voiceFeatures(measureVoice(await utterance(text, leadMs, tailMs), RATE), text);
}

t.test('syllables of recognised words', async (t) => {
  t.equal(countSyllables('can i leave a message for the owner'), 10);
  t.equal(countSyllables('please call me back about a wedding cake'), 10, 'silent final e');
  t.equal(countSyllables('yes please'), 2);
  t.equal(countSyllables('我想订一个蛋糕'), 7, 'one per Han character');
  t.equal(countSyllables(''), 0);
});

t.test('a sentence has energy, pitch and a speaking rate', async (t) => {
  const v = await measure('please call me back about a wedding cake for next month');
  t.ok(v.energyDb > -40 && v.energyDb < -10, `energy ${v.energyDb} dBFS`);
  t.ok(v.pitchHz !== undefined && v.pitchHz > 70 && v.pitchHz < 200, `pitch ${v.pitchHz} Hz (a male voice)`);
  t.ok(v.rate !== undefined && v.rate > 3 && v.rate < 7, `rate ${v.rate} syllables/s`);
});

t.test('a two-syllable answer gives only its energy: too short for a rate or pitch to compare', async (t) => {
  const v = await measure('yes please');
  t.same(Object.keys(v), ['energyDb']);
  t.ok(v.energyDb > -40 && v.energyDb < -10, `energy ${v.energyDb} dBFS`);
});

t.test(
  'a short answer gives its pitch but no rate (its drawn-out last syllable is most of it)',
  async (t) => {
    const v = await measure('yes that is right');
    t.same(Object.keys(v).sort(), ['energyDb', 'pitchHz']);
  },
);

t.test('the silence the VAD cut around the words changes nothing', async (t) => {
  const text = 'can I leave a message for the owner';
  const tight = await measure(text);
  for (const [leadMs, tailMs] of [
    [300, 600],
    [40, 100],
  ] as const) {
    // Frames fall elsewhere on the words: energy and pitch move a hair, the rate by at most a frame's worth.
    const cut = await measure(text, leadMs, tailMs);
    const what = `${leadMs} ms before and ${tailMs} ms after: ${JSON.stringify(cut)} (tight ${JSON.stringify(tight)})`;
    t.ok(Math.abs(cut.energyDb - tight.energyDb) <= 0.5, `energy, ${what}`);
    t.ok(Math.abs((cut.pitchHz ?? 0) - (tight.pitchHz ?? 0)) <= 3, `pitch, ${what}`);
    t.ok(Math.abs((cut.rate ?? 0) - (tight.rate ?? 0)) <= 0.1, `rate, ${what}`);
  }
});

t.test('one calm voice through a whole call reads as calm, whatever its sentences', async (t) => {
  // The turns of the example message call, then the same voice in another order (a short first answer).
  for (const turns of [
    [
      'can I leave a message for the owner',
      'my name is David Chen',
      'please call me back about a wedding cake for next month',
      'yes that is right',
    ],
    [
      'great thank you bye',
      'hello I am calling to check if my order is ready',
      'please call me back about a wedding cake for next month',
      'can I leave a message for the owner',
    ],
  ]) {
    const tracker = new FrustrationTracker();
    for (const [i, text] of turns.entries()) {
      const felt = tracker.voiceFrustration(await measure(text, 20 * i, 300 + 40 * i));
      // 0.94 alone would escalate (HIGH_FRUSTRATION over the voice's weight); a calm voice stays far below.
      t.ok(felt < 0.4, `"${text}": voice frustration ${felt.toFixed(2)}`);
    }
  }
});
