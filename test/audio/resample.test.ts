import t from 'tap';
import { measureFrame } from '../../src/audio/levels.js';
import { floatToInt16, Resampler, resampleClip } from '../../src/audio/resample.js';

function tone(hz: number, rate: number, seconds: number, amplitude = 0.5): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return floatToInt16(out);
}

/** RMS level of the middle of a clip (skips the filter's start-up and tail). */
function middleDb(samples: Int16Array): number {
  const quarter = Math.floor(samples.length / 4);
  return measureFrame(samples.subarray(quarter, samples.length - quarter)).rmsDb;
}

t.test('8 kHz → 16 kHz keeps in-band tones and the length doubles', async (t) => {
  const input = tone(1000, 8000, 0.5);
  const out = resampleClip(input, 8000, 16000);
  t.equal(out.length, 8000);
  t.ok(Math.abs(middleDb(out) - middleDb(input)) < 0.5, 'a 1 kHz tone keeps its level');
  // The upsampled signal must be a 1 kHz tone at 16 kHz: compare against a freshly generated one.
  const reference = tone(1000, 16000, 0.5);
  let err = 0;
  for (let i = 2000; i < 6000; i++) err += ((out[i] as number) - (reference[i] as number)) ** 2;
  t.ok(
    Math.sqrt(err / 4000) < 200,
    `aligned with the ideal upsampled tone (rms error ${Math.sqrt(err / 4000)})`,
  );
});

t.test('16 kHz → 8 kHz removes a 6 kHz tone instead of aliasing it to 2 kHz, passes 1 kHz', async (t) => {
  const high = resampleClip(tone(6000, 16000, 0.5), 16000, 8000);
  const low = resampleClip(tone(1000, 16000, 0.5), 16000, 8000);
  t.equal(high.length, 4000);
  t.ok(middleDb(high) < -60, `6 kHz attenuated to ${middleDb(high).toFixed(1)} dBFS`);
  t.ok(Math.abs(middleDb(low) - -9.03) < 0.5, `1 kHz passes at ${middleDb(low).toFixed(2)} dBFS`);
});

t.test('22.05 kHz → 8 kHz: 5 kHz and 9 kHz tones are removed, 3 kHz passes', async (t) => {
  for (const hz of [5000, 9000]) {
    const out = resampleClip(tone(hz, 22050, 0.5), 22050, 8000);
    t.ok(middleDb(out) < -55, `${hz} Hz attenuated to ${middleDb(out).toFixed(1)} dBFS`);
  }
  const pass = resampleClip(tone(3000, 22050, 0.5), 22050, 8000);
  t.equal(pass.length, 4000);
  t.ok(Math.abs(middleDb(pass) - -9.03) < 1, `3 kHz passes at ${middleDb(pass).toFixed(2)} dBFS`);
});

t.test('frame-by-frame streaming gives the same samples as one block', async (t) => {
  const input = Float32Array.from(tone(700, 8000, 0.2), (v) => v / 32768);
  const whole = new Resampler(8000, 16000).process(input);
  const streaming = new Resampler(8000, 16000);
  const parts: number[] = [];
  for (let i = 0; i < input.length; i += 160) parts.push(...streaming.process(input.subarray(i, i + 160)));
  t.equal(parts.length, whole.length);
  let maxDiff = 0;
  for (let i = 0; i < whole.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs((parts[i] as number) - (whole[i] as number)));
  t.ok(maxDiff < 1e-5, `max difference ${maxDiff}`);
});

t.test('bad rates are a TypeError naming them', async (t) => {
  t.throws(() => new Resampler(0, 8000), /sample rates must be positive integers, got 0 → 8000/);
});

t.test('levels: silence, full-scale sine and clipping', async (t) => {
  t.same(measureFrame(new Int16Array(160)), { rmsDb: -100, peakDb: -100, peak: 0, clippedSamples: 0 });
  const sine = measureFrame(tone(1000, 8000, 0.02, 1));
  t.ok(Math.abs(sine.rmsDb - -3.01) < 0.1, `full-scale sine RMS ${sine.rmsDb}`);
  t.ok(sine.clippedSamples > 0, 'a full-scale sine touches the rails');
  const quiet = measureFrame(tone(1000, 8000, 0.02, 0.01));
  t.equal(quiet.clippedSamples, 0);
  t.ok(Math.abs(quiet.peakDb - -40) < 0.5, `peak ${quiet.peakDb}`);
});
