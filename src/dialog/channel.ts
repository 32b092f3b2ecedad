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

/** Outcome of handing the caller to a person (`declined`: the owner answered and turned the call down). */
export type HandoffResult = 'connected' | 'no-answer' | 'declined' | 'unsupported' | 'failed';

/** How a handoff went, and whether the owner heard the brief on the call before it was put through. */
export interface HandoffOutcome {
  result: HandoffResult;
  briefSpoken: boolean;
}

/** What the owner hears when they pick up, in the owner's language, and what they are asked. */
export interface OwnerBriefing {
  lang: Lang;
  /** Who is calling, what about, their mood, what the line tried: the brief, worded for listening. */
  brief: string;
  /** Said after the brief when the calls are joined without asking ("Putting them through now."). */
  connecting: string;
  /** Said after the brief when the owner must choose ("Press 1 to take the call, or 2 for a callback."). */
  askAccept: string;
  /** The key that takes the call; any other key declines it. */
  acceptKey: string;
  /** Whether the owner must press `acceptKey` (lines without an answer signal, analog ones, always ask). */
  confirm: boolean;
  /** How long the owner's phone may ring before the caller is taken back, ms. */
  ringTimeoutMs: number;
}

/** The conversation's side of a call. */
export interface CallerChannel {
  /** Speaks a reply; resolves when it was played out or the caller barged in. */
  say(text: string, lang: Lang): Promise<{ interrupted: boolean }>;
  /** Waits for the caller's next input. */
  listen(options: ListenOptions): Promise<CallerInput>;
  /** Calls the owner, speaks the brief to them (the caller on hold), and connects the two. */
  handoff(number: string, briefing: OwnerBriefing): Promise<HandoffOutcome>;
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
