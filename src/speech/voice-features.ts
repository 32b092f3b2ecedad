/**
 * Prosody of one caller utterance for the emotion model: mean energy, median pitch (autocorrelation over voiced
 * frames) and a speaking-rate estimate (energy-envelope peaks, roughly one per syllable).
 */

import { measureFrame } from '../audio/levels.js';
import type { VoiceFeatures } from '../dialog/channel.js';

const FRAME = 512;
/**
 * Fewer syllables than this give no speaking rate or pitch to compare with the caller's start: for "yes please" the
 * rate is mostly where the VAD cut the turn, and the median pitch of a few vowel frames can be an octave off
 * (a close "ee" has a strong second harmonic); read as "much faster" or "much higher" either alone escalated calm
 * callers. Energy is still measured.
 */
const MIN_PROSODY_SYLLABLES = 4;

function pitchOf(frame: Int16Array, rate: number): number | undefined {
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.floor(rate / 70);
  let energy = 0;
  for (let i = 0; i < frame.length; i++) energy += (frame[i] as number) ** 2;
  if (energy === 0) return undefined;
  let bestLag = 0;
  let best = 0;
  for (let lag = minLag; lag <= maxLag && lag < frame.length; lag++) {
    let sum = 0;
    for (let i = 0; i + lag < frame.length; i++) sum += (frame[i] as number) * (frame[i + lag] as number);
    if (sum > best) {
      best = sum;
      bestLag = lag;
    }
  }
  // Periodic enough to count as voiced.
  return bestLag > 0 && best / energy > 0.3 ? rate / bestLag : undefined;
}

/** Measures energy, pitch and rate of an utterance (16-bit PCM at `rate`). */
export function voiceFeatures(samples: Int16Array, rate: number): VoiceFeatures {
  const levels: number[] = [];
  const pitches: number[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME / 2) {
    const frame = samples.subarray(i, i + FRAME);
    const level = measureFrame(frame).rmsDb;
    levels.push(level);
    if (level > -45) {
      const pitch = pitchOf(frame, rate);
      if (pitch !== undefined) pitches.push(pitch);
    }
  }
  const voiced = levels.filter((l) => l > -45);
  const energyDb = voiced.length === 0 ? -100 : voiced.reduce((a, b) => a + b, 0) / voiced.length;
  pitches.sort((a, b) => a - b);
  // Syllable nuclei: rises of at least 6 dB above the last dip, each ended by a 6 dB fall from its top.
  let peaks = 0;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let inPeak = false;
  for (const level of levels) {
    if (!inPeak) {
      low = Math.min(low, level);
      if (level > low + 6 && level > -45) {
        peaks++;
        inPeak = true;
        high = level;
      }
    } else {
      high = Math.max(high, level);
      if (level < high - 6) {
        inPeak = false;
        low = level;
      }
    }
  }
  const seconds = samples.length / rate;
  const features: VoiceFeatures = { energyDb: Math.round(energyDb * 10) / 10 };
  const median = pitches[Math.floor(pitches.length / 2)];
  if (peaks >= MIN_PROSODY_SYLLABLES) {
    if (median !== undefined) features.pitchHz = Math.round(median);
    if (seconds > 0.3) features.rate = Math.round((peaks / seconds) * 10) / 10;
  }
  return features;
}
