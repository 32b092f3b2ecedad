/** Line audio as every part of the box exchanges it: 8 kHz mono signed 16-bit samples in 20 ms frames. */

/** Sample rate of telephone audio at the line. */
export const LINE_SAMPLE_RATE = 8000;
/** Duration of one line frame. */
export const FRAME_MS = 20;
/** Samples in one line frame (160). */
export const FRAME_SAMPLES = (LINE_SAMPLE_RATE * FRAME_MS) / 1000;
/** One frame of line audio: FRAME_SAMPLES signed 16-bit samples. */
export type PcmFrame = Int16Array;

/** Saturates a sample value to the signed 16-bit range (overflow must clip, never wrap around). */
export function clampInt16(value: number): number {
  return Math.min(32767, Math.max(-32768, value));
}

/** Concatenates chunks of samples into one array. */
export function joinSamples(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
