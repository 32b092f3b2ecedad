/**
 * Tells the caller's own speech from the line's echo of what the box is playing (a Geigel double-talk test):
 * the line returns the box's audio delayed and attenuated, so a caller frame whose peak exceeds half the
 * loudest reference peak of the echo window cannot be echo alone. With the VAD saying "speech", a few such
 * frames in a row mean the caller is talking over the box: barge-in. It also tells how long ago that voice
 * began, so the caller's turn can start there rather than in the echo before it.
 */
import { FRAME_MS, FRAME_SAMPLES, LINE_SAMPLE_RATE } from '../audio/frame.js';
import { measureFrame } from '../audio/levels.js';

/** How far ahead of our estimate the line may play a frame, ms. */
const LEAD_MS = 200;

/** Tuning. */
export interface EchoGateOptions {
  /** Longest echo delay of the line plus playback drift against our clock, ms. Default 1000. */
  maxEchoDelayMs?: number;
  /** Least echo attenuation assumed, as an amplitude ratio. Default 0.4 (8 dB; Geigel's classic 0.5 assumes 6 dB). */
  echoRatio?: number;
  /** Quietest caller frame that counts, dBFS. Default -40. */
  minLevelDb?: number;
  /** Caller frames (of the last 10) needed. Default 3. */
  framesNeeded?: number;
}

/** The echo gate of one call. */
export class EchoGate {
  readonly #maxDelay: number;
  readonly #ratio: number;
  readonly #minDb: number;
  readonly #needed: number;
  /** Reference peaks of played frames by the time they reach the line. */
  #reference: { at: number; peak: number }[] = [];
  #recent: boolean[] = [];
  /** Caller audio (samples) since the first frame of the caller's current stretch of voice. */
  #voiceSamples: number | undefined;

  constructor(options: EchoGateOptions = {}) {
    this.#maxDelay = options.maxEchoDelayMs ?? 1000;
    this.#ratio = options.echoRatio ?? 0.4;
    this.#minDb = options.minLevelDb ?? -40;
    this.#needed = options.framesNeeded ?? 3;
  }

  /** Records audio handed to the line at `startAt` (ms), played from then at real time. */
  played(samples: Int16Array, startAt: number): void {
    const frame = FRAME_SAMPLES;
    for (let i = 0, n = 0; i < samples.length; i += frame, n++) {
      this.#reference.push({
        at: startAt + n * FRAME_MS,
        peak: measureFrame(samples.subarray(i, i + frame)).peak,
      });
    }
  }

  /** Playback was cut at `at`: nothing after it reaches the line. */
  stopped(at: number): void {
    this.#reference = this.#reference.filter((r) => r.at <= at);
  }

  /** Judges one caller frame received at `at`; true when enough recent frames are the caller's own voice. */
  caller(frame: Int16Array, at: number): boolean {
    this.#reference = this.#reference.filter((r) => r.at >= at - this.#maxDelay - 1000);
    let refPeak = 0;
    // The line paces playback by its own clock, so frames may leave a little before or well after our estimate.
    for (const r of this.#reference) {
      if (r.at <= at + LEAD_MS && r.at >= at - this.#maxDelay && r.peak > refPeak) refPeak = r.peak;
    }
    const level = measureFrame(frame);
    const nearEnd = level.rmsDb > this.#minDb && level.peak > this.#ratio * refPeak;
    this.#recent.push(nearEnd);
    if (this.#recent.length > 10) this.#recent.shift();
    if (this.#voiceSamples !== undefined) this.#voiceSamples += frame.length;
    else if (nearEnd) this.#voiceSamples = frame.length;
    if (!this.#recent.includes(true)) this.#voiceSamples = undefined;
    return this.#recent.filter(Boolean).length >= this.#needed;
  }

  /** How long ago (ms of line audio) the caller's current stretch of voice began; undefined when they are quiet. */
  get voiceMs(): number | undefined {
    return this.#voiceSamples === undefined ? undefined : (this.#voiceSamples * 1000) / LINE_SAMPLE_RATE;
  }
}
