/** Prosody of caller utterances as the worker measures it (flite speech through 8 kHz line audio). */
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { voiceFeatures } from '../../src/speech/voice-features.js';
import { lineSpeech } from '../helpers/speech.js';

async function measure(text: string) {
  const speech = resampleClip(await lineSpeech(text), 8000, 16000);
  return voiceFeatures(speech, 16000);
}

t.test('a sentence has energy, pitch and a speaking rate', async (t) => {
  const v = await measure('please call me back about a wedding cake for next month');
  t.ok(v.energyDb > -40 && v.energyDb < -10, `energy ${v.energyDb} dBFS`);
  t.ok(v.pitchHz !== undefined && v.pitchHz > 70 && v.pitchHz < 200, `pitch ${v.pitchHz} Hz (a male voice)`);
  t.ok(v.rate !== undefined && v.rate > 1.5 && v.rate < 6, `rate ${v.rate} syllables/s`);
});

t.test('a two-syllable answer gives only its energy: too short for a rate or pitch to compare', async (t) => {
  const v = await measure('yes please');
  t.same(Object.keys(v), ['energyDb']);
  t.ok(v.energyDb > -40 && v.energyDb < -10, `energy ${v.energyDb} dBFS`);
});
