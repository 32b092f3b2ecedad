/**
 * Messages between the daemon and the speech worker over the fork IPC channel with `serialization: 'advanced'`,
 * so audio travels as binary Int16Array (structured clone), not JSON.
 */
import type { Lang } from '../../config/shop-schema.js';
import type { VoiceFeatures } from '../../dialog/channel.js';
import type { Expectation, Recognition, VadEvent } from '../engines.js';
import type { PorcupineSpec } from '../keyword-spotting/porcupine.js';
import type { SherpaKwsModel } from '../keyword-spotting/sherpa-kws.js';
import type { DecoderModels } from '../recognize/grammar.js';
import type { SherpaOfflineModel } from '../recognize/sherpa-offline.js';
import type { SherpaStreamingModel } from '../recognize/sherpa-streaming.js';
import type { FliteVoice } from '../synth/flite.js';
import type { SherpaVoice } from '../synth/sherpa-tts.js';

/** Which recognizer the worker runs, with everything it needs (model paths already verified by the daemon). */
export type RecognizerPlan =
  | { type: 'pocketsphinx'; decoders: DecoderModels }
  | { type: 'sherpa-offline'; model: SherpaOfflineModel }
  | { type: 'sherpa-streaming'; model: SherpaStreamingModel }
  | { type: 'none' };

/** Which keyword spotter listens while the line talks (none: the recognizer hears keywords after a barge-in). */
export type KeywordSpotterPlan =
  | { type: 'sherpa-kws'; model: SherpaKwsModel }
  | { type: 'porcupine'; spec: PorcupineSpec }
  | { type: 'none' };

/** Everything the worker needs to start its engines. */
export interface WorkerConfig {
  /** Verified Silero VAD file; null = no VAD (then no speech input, keypad only). */
  vadModel: string | null;
  /** Silence that ends a caller turn, ms. */
  endpointSilenceMs: number;
  recognizer: RecognizerPlan;
  /** Absent: no spotter. */
  keywordSpotter?: KeywordSpotterPlan;
  englishVoice: FliteVoice;
  /** Verified sherpa voices and the languages each speaks; flite and espeak-ng speak the rest. Absent: none. */
  sherpaVoices?: SherpaVoice[];
  /** Test-only: load this unverified .onnx at start to exercise the native-crash path; honoured only when the
   *  worker's environment has LINEKEEPER_SPEECH_WORKER_TEST=1. */
  testLoadUnverifiedOnnx?: { model: string; tokens: string };
}

/** Daemon → worker. */
export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  /** One frame of caller audio at 8 kHz. */
  | { type: 'audio'; samples: Int16Array }
  /** `voiceMs`: the caller is already talking, their voice began this long ago (ms of caller audio); the turn
   *  starts there rather than at the VAD segment's start, which may lie in the line's echo of our words. */
  | { type: 'listen'; id: number; expect: Expectation; voiceMs?: number }
  | { type: 'cancel-listen'; id: number }
  | { type: 'synthesize'; id: number; text: string; lang: Lang }
  /** Spot keywords in caller audio (while the line talks) or stop. */
  | { type: 'spot'; on: boolean }
  /** A new call: forget VAD state. */
  | { type: 'reset' }
  | { type: 'usage'; id: number }
  /** Answered once every message before it (all the audio sent so far) has been handled. */
  | { type: 'sync'; id: number };

/** What the worker heard in one turn. */
export interface Heard {
  recognition: Recognition;
  recognizer: string;
  voice: VoiceFeatures;
  /** Caller-stream times (ms since worker start) of the utterance. */
  speechStartMs: number;
  speechEndMs: number;
  /** From the end of speech to the VAD deciding the turn is over (caller-stream time). */
  endpointingMs: number;
  /** Wall time the recognizer took after the endpoint. */
  recognitionMs: number;
}

/** Worker → daemon. */
export type FromWorker =
  | {
      type: 'ready';
      /** `voices`: the voice id that speaks each language. */
      engines: { vad: boolean; recognizer: string; keywordSpotter: string; voices: Record<Lang, string> };
    }
  /** The worker is loading this sherpa voice (null: done); if it dies meanwhile, it restarts without it. */
  | { type: 'loading-voice'; name: string | null }
  | { type: 'vad'; event: VadEvent }
  /** A keyword phrase was spotted; `atMs` in caller-stream time. */
  | { type: 'keyword'; phrase: string; atMs: number }
  | { type: 'heard'; id: number; heard: Heard }
  | { type: 'synthesized'; id: number; samples: Int16Array; renderMs: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'usage'; id: number; rssMb: number; cpuUserMs: number; cpuSystemMs: number }
  /** Every message before the `sync` of this id has been handled (its VAD events were sent before this). */
  | { type: 'synced'; id: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
