/**
 * Silero VAD through sherpa-onnx. sherpa's Silero rejects 8 kHz (speech-models.md §2), so the worker feeds it
 * line audio upsampled to 16 kHz; input is cut into the 512-sample windows the v5 model requires.
 */

import { existsSync } from 'node:fs';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { VadEvent, VoiceActivityDetector } from '../engines.js';
import { loadSherpa } from '../sherpa/load.js';
import type { Vad } from '../sherpa/types.js';

const WINDOW = 512;
const RATE = 16000;

/** Tuning of the detector. */
export interface SileroOptions {
  /** Verified path of the Silero ONNX file. */
  model: string;
  /** Silence that ends speech, ms. */
  minSilenceMs: number;
  /** Speech shorter than this is ignored, ms. */
  minSpeechMs?: number;
  threshold?: number;
}

class SileroVad implements VoiceActivityDetector {
  readonly #vad: Vad;
  #pending = new Float32Array(0);
  #position = 0;
  #inSpeech = false;

  constructor(vad: Vad) {
    this.#vad = vad;
  }

  accept(samples: Float32Array): VadEvent[] {
    const all = new Float32Array(this.#pending.length + samples.length);
    all.set(this.#pending);
    all.set(samples, this.#pending.length);
    const events: VadEvent[] = [];
    let offset = 0;
    for (; offset + WINDOW <= all.length; offset += WINDOW) {
      this.#vad.acceptWaveform(all.subarray(offset, offset + WINDOW));
      this.#position += WINDOW;
      const detected = this.#vad.isDetected();
      if (detected && !this.#inSpeech) {
        this.#inSpeech = true;
        events.push({ type: 'speech-start', atMs: (this.#position * 1000) / RATE });
      }
      while (!this.#vad.isEmpty()) {
        const segment = this.#vad.front(false);
        this.#vad.pop();
        this.#inSpeech = false;
        events.push({
          type: 'speech-end',
          startMs: (segment.start * 1000) / RATE,
          atMs: ((segment.start + segment.samples.length) * 1000) / RATE,
        });
      }
    }
    this.#pending = all.slice(offset);
    return events;
  }

  reset(): void {
    this.#vad.reset();
    this.#pending = new Float32Array(0);
    this.#inSpeech = false;
  }
}

/** Creates the detector; the model must have been verified first (a bad file aborts the process). */
export async function createSileroVad(options: SileroOptions): Promise<VoiceActivityDetector> {
  // sherpa's Vad does not fail on a missing file, it just never hears speech: a file verified when the daemon
  // started may be gone by the time a crashed worker restarts.
  if (!existsSync(options.model)) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelMissing,
      `the Silero VAD model ${options.model} is missing`,
    );
  }
  const sherpa = await loadSherpa();
  const vad = new sherpa.Vad(
    {
      sileroVad: {
        model: options.model,
        threshold: options.threshold ?? 0.5,
        minSpeechDuration: (options.minSpeechMs ?? 100) / 1000,
        minSilenceDuration: options.minSilenceMs / 1000,
        windowSize: WINDOW,
      },
      sampleRate: RATE,
      numThreads: 1,
      debug: false,
    },
    60,
  );
  return new SileroVad(vad);
}
