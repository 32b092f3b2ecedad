/**
 * Prosody of one caller utterance for the emotion model: mean energy and median pitch (autocorrelation) over its
 * voiced frames, and the speaking rate: the syllables of the words recognised in it per second of speech, from its
 * first voiced frame to its last. The sound is measured while the recognizer finishes; the rate needs its words.
 *
 * Counting syllables from the words rather than from peaks of the energy envelope: the envelope merges the
 * unstressed syllables of connected speech, so one calm voice read as 2.9 syllables/s in a long question and 4.7
 * in "yes that is right" (an answer "60 % faster" escalated a calm caller), and the count moved with where the
 * frames fell. The speech's own length, not the VAD segment's: the silence around the words varies with the cut.
 */

import { measureFrame } from '../audio/levels.js';
import type { VoiceFeatures } from '../dialog/channel.js';

const FRAME = 512;
/** Frames louder than this are voice, dBFS. */
const VOICED_DB = -45;
/**
 * Fewer syllables than this give no pitch to compare with the caller's start: the median pitch of a few vowel
 * frames can be an octave off (a close "ee" has a strong second harmonic); read as "much higher" it alone escalated
 * calm callers. Energy is still measured.
 */
const MIN_PITCH_SYLLABLES = 4;
/**
 * Fewer syllables than this give no speaking rate: the last syllable of a phrase is drawn out, and in a short one
 * that is most of the rate. One calm voice read as 3.0 syllables/s in "great thank you bye" and 4.9 in "can I leave
 * a message for the owner" (4 and 10 syllables), a 60 % rise that alone escalates; from 8 syllables up it stayed
 * within 4.1 to 4.9.
 */
const MIN_RATE_SYLLABLES = 8;

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

/** What the sound of an utterance says before its words are known. */
export interface VoiceMeasure {
  /** Mean energy of the voiced frames, dBFS (-100 when none). */
  energyDb: number;
  /** Median pitch of the voiced frames, Hz, when any is periodic. */
  pitchHz?: number;
  /** From the first voiced frame to the last, s: the speech without the silence the VAD cut around it. */
  speechSeconds: number;
}

/** Measures energy, pitch and the length of the speech of an utterance (16-bit PCM at `rate`). */
export function measureVoice(samples: Int16Array, rate: number): VoiceMeasure {
  const levels: number[] = [];
  const pitches: number[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME / 2) {
    const frame = samples.subarray(i, i + FRAME);
    const level = measureFrame(frame).rmsDb;
    levels.push(level);
    if (level > VOICED_DB) {
      const pitch = pitchOf(frame, rate);
      if (pitch !== undefined) pitches.push(pitch);
    }
  }
  const voiced = levels.filter((l) => l > VOICED_DB);
  const energyDb = voiced.length === 0 ? -100 : voiced.reduce((a, b) => a + b, 0) / voiced.length;
  const first = levels.findIndex((l) => l > VOICED_DB);
  const last = levels.findLastIndex((l) => l > VOICED_DB);
  pitches.sort((a, b) => a - b);
  const median = pitches[Math.floor(pitches.length / 2)];
  return {
    energyDb: Math.round(energyDb * 10) / 10,
    ...(median === undefined ? {} : { pitchHz: Math.round(median) }),
    speechSeconds: first < 0 ? 0 : ((last - first) * (FRAME / 2) + FRAME) / rate,
  };
}

/** Syllables of recognised words: one per Han character, one per vowel group of a Latin word (not a silent final e). */
export function countSyllables(text: string): number {
  let count = 0;
  for (const word of text.toLowerCase().match(/\p{Script=Han}|[a-z']+/gu) ?? []) {
    if (/\p{Script=Han}/u.test(word)) {
      count++;
      continue;
    }
    const groups = (word.match(/[aeiouy]+/g) ?? []).length;
    // "name", "cake": the final e is silent ("apple", "the" are not).
    const silentE = groups > 1 && /[^aeiouyl]e$/.test(word) ? 1 : 0;
    count += Math.max(1, groups - silentE);
  }
  return count;
}

/** The voice features of an utterance from its measure and the words recognised in it. */
export function voiceFeatures(measure: VoiceMeasure, words: string): VoiceFeatures {
  const features: VoiceFeatures = { energyDb: measure.energyDb };
  const syllables = countSyllables(words);
  if (syllables >= MIN_PITCH_SYLLABLES && measure.pitchHz !== undefined) features.pitchHz = measure.pitchHz;
  if (syllables >= MIN_RATE_SYLLABLES && measure.speechSeconds > 0)
    features.rate = Math.round((syllables / measure.speechSeconds) * 10) / 10;
  return features;
}
