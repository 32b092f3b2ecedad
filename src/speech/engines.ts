/**
 * The engine seams of the speech worker: one interface each for voice activity, recognition and synthesis.
 * Engines run inside the worker process (see worker/), never in the daemon, so a native crash costs a restart,
 * not the call.
 */
import type { Lang } from '../config/shop-schema.js';
import type { Pcm } from './wav.js';

/** What a recognizer returns for one utterance. */
export interface Recognition {
  text: string;
  /** Language, when the engine says (SenseVoice). */
  lang?: string;
  /** Emotion tag, when the engine gives one (SenseVoice: HAPPY, SAD, ANGRY, NEUTRAL…). */
  emotion?: string;
  confidence?: number;
}

/** Which grammar a turn expects. */
export type Expectation = 'open' | 'yesno' | 'digits';

/** A speech recognizer fed 16 kHz audio of one utterance at a time. */
export interface Recognizer {
  /** Engine name for logs and the call record. */
  readonly name: string;
  /** Starts an utterance with the grammar for what the turn expects. */
  begin(expect: Expectation): void;
  /** Feeds 16 kHz mono samples of the current utterance. */
  accept(samples: Int16Array): void;
  /**
   * Streaming engines with their own endpointing: after accept(), the trailing silence in ms at which the engine
   * decided the utterance is over, or undefined while it is not (the VAD ends the turn otherwise).
   */
  endpoint?(): number | undefined;
  /**
   * Ends the utterance at the call (the next begin() may follow before the result comes) and returns what was
   * said (empty text when nothing).
   */
  finish(): Promise<Recognition>;
  /** Releases child processes and native objects. */
  close(): Promise<void>;
}

/** A keyword spotter, fed 16 kHz audio while the line is talking. */
export interface KeywordSpotter {
  /** Engine name for logs. */
  readonly name: string;
  /** Feeds 16 kHz mono samples; returns the phrase spotted in them, if any. */
  accept(samples: Int16Array): string | undefined;
  /** Forgets partial matches (the line starts talking again). */
  reset(): void;
  /** Releases native objects. */
  close(): Promise<void>;
}

/** A speech synthesizer. */
export interface Synthesizer {
  /** Engine and voice, part of the prompt-cache key. */
  voiceId(lang: Lang): string;
  /** Languages it speaks. */
  readonly languages: readonly Lang[];
  /** Renders one sentence. */
  synthesize(text: string, lang: Lang): Promise<Pcm>;
}

/** A voice-activity event on the caller stream, times in ms of caller audio since the worker started. */
export type VadEvent =
  | { type: 'speech-start'; atMs: number }
  | { type: 'speech-end'; atMs: number; startMs: number };

/** A voice-activity detector fed 16 kHz audio continuously. */
export interface VoiceActivityDetector {
  /** Feeds 16 kHz mono floats and returns the events they complete. */
  accept(samples: Float32Array): VadEvent[];
  /** Forgets the current state (a new call). */
  reset(): void;
}
