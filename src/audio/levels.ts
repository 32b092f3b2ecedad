/** Per-frame level and clipping of 16-bit PCM, for barge-in, voice features and line diagnostics. */

/** Level of one block of audio. */
export interface FrameLevel {
  /** RMS level in dBFS (full-scale sine = -3 dBFS); -100 for digital silence. */
  rmsDb: number;
  /** Peak level in dBFS; -100 for digital silence. */
  peakDb: number;
  /** Largest absolute sample (0..32768). */
  peak: number;
  /** Samples at or beyond ±32767 (clipped). */
  clippedSamples: number;
}

/** Floor used for digital silence, so levels stay finite numbers. */
export const SILENCE_DB = -100;

function toDb(ratio: number): number {
  return ratio <= 0 ? SILENCE_DB : Math.max(SILENCE_DB, 20 * Math.log10(ratio));
}

/** Measures a frame's RMS and peak level and counts clipped samples. */
export function measureFrame(frame: Int16Array): FrameLevel {
  let sumSquares = 0;
  let peak = 0;
  let clipped = 0;
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i] as number;
    sumSquares += v * v;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
    if (a >= 32767) clipped++;
  }
  const rms = frame.length === 0 ? 0 : Math.sqrt(sumSquares / frame.length);
  return { rmsDb: toDb(rms / 32768), peakDb: toDb(peak / 32768), peak, clippedSamples: clipped };
}
