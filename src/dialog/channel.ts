/**
 * The conversation's view of a caller, turn by turn. In audio mode the speech layer implements it on an
 * ActiveCall (synthesis, recognition, VAD, barge-in); in text mode the simulator injects transcripts.
 */
import type { Lang } from '../config/shop-schema.js';

/** What the voice said about the caller's state in one turn (relative to their own start of call). */
export interface VoiceFeatures {
  /** Mean energy in dBFS. */
  energyDb: number;
  /** Median pitch in Hz, when voiced. */
  pitchHz?: number;
  /** Speaking rate in syllables per second, when measurable. */
  rate?: number;
}

/** One input from the caller. */
export type CallerInput =
  | {
      kind: 'speech';
      /** The transcript as recognised. */
      text: string;
      /** Language of the turn, from the recognizer or the transcript. */
      lang?: Lang;
      /** Recognizer confidence 0..1 where it gives one. */
      confidence?: number;
      /** Recognizer emotion tag (e.g. SenseVoice ANGRY), where it gives one. */
      emotion?: string;
      voice?: VoiceFeatures;
      /** Timings of producing this input, ms. */
      timing?: { endpointingMs?: number; recognitionMs?: number };
      /** True when the caller spoke over the line's reply. */
      bargedIn?: boolean;
      /** A keyword spotter heard this request for a person ("agent", "人工") over the line's reply. */
      spottedKeyword?: string;
    }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'silence' }
  | { kind: 'hangup' }
  | { kind: 'unrecognized'; reason: string };

/** How long and for what to listen. */
export interface ListenOptions {
  /** Give up with `silence` after this long without speech. */
  timeoutMs: number;
  /** What answer is expected: open speech, a yes/no, or digits (recognizers narrow their grammar). */
  expect?: 'open' | 'yesno' | 'digits';
  /** Languages to expect. */
  langs?: readonly Lang[];
}

/** Outcome of handing the caller to a person. */
export type HandoffResult = 'connected' | 'no-answer' | 'unsupported' | 'failed';

/** The conversation's side of a call. */
export interface CallerChannel {
  /** Speaks a reply; resolves when it was played out or the caller barged in. */
  say(text: string, lang: Lang): Promise<{ interrupted: boolean }>;
  /** Waits for the caller's next input. */
  listen(options: ListenOptions): Promise<CallerInput>;
  /** Calls the owner, speaks the brief to them, and connects the two. */
  handoff(number: string, brief: string): Promise<HandoffResult>;
  /** Sends a text message (the owner's brief). */
  sendText(number: string, text: string): Promise<void>;
  /** Ends the call. */
  hangup(): Promise<void>;
  /**
   * Whether speech in a language can be recognised on this channel; absent means every language. When none of
   * the shop's languages can be, the conversation runs the call on the keypad.
   */
  recognizes?(lang: Lang): boolean;
}
