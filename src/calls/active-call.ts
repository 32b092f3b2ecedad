/**
 * What call handling offers everything above it (speech, conversation, records) while a call is connected.
 * The modem drivers implement it; tests and the simulator may implement it over the virtual modem.
 */
import type { PcmFrame } from '../audio/frame.js';

/** Why a call ended. */
export type CallEndReason = 'caller-hangup' | 'line-hangup' | 'transferred' | 'modem-lost' | 'error';

/** How a transfer to a number went. */
export type TransferResult =
  | { status: 'connected' }
  | { status: 'no-answer' }
  | { status: 'busy' }
  /** The owner answered but turned the call down (or let the question go unanswered): the caller is back. */
  | { status: 'declined' }
  | { status: 'unsupported'; reason: string }
  | { status: 'failed'; reason: string };

/**
 * What the box does once the owner has heard the brief: join the calls, or take the caller back because the
 * owner turned the call down (`decline`) or never pressed the key they were asked for (`silent`: voicemail, or
 * on analog lines nobody picked up).
 */
export type OwnerDecision = 'connect' | 'decline' | 'silent';

/** The owner's side of a warm transfer, while the caller waits on hold and hears none of it. */
export interface OwnerLeg {
  /**
   * True when the line signals the owner's answer (GSM: the call turns active), so the brief starts as they pick
   * up. False on analog lines, which give no answer signal: the brief plays into the ringing and only a key
   * press shows someone is there.
   */
  readonly answerSignalled: boolean;
  /** Plays 8 kHz samples to the owner; 'stopped' when the owner's leg ended first. */
  play(samples: Int16Array): Promise<'played' | 'stopped'>;
  /** The owner's next key press, or undefined after `timeoutMs` or when their leg ended. */
  nextKey(timeoutMs: number): Promise<string | undefined>;
  /** True once the owner's leg is over (they hung up, or the line gave up on it). */
  readonly gone: boolean;
}

/** How to hand a call to a number. */
export interface TransferOptions {
  /** How long the owner's phone may ring before the caller is taken back, ms. */
  ringTimeoutMs?: number;
  /**
   * Briefs the owner once their leg is up (caller on hold) and says whether to join the calls. Without it the
   * calls are joined as soon as the owner answers.
   */
  brief?: (owner: OwnerLeg) => Promise<OwnerDecision>;
}

/** A connected call the box answered. */
export interface ActiveCall {
  /** Call id (ULID), also the call record id. */
  readonly id: string;
  /** Caller ID in E.164 where known; null when withheld or unavailable. */
  readonly callerNumber: string | null;
  /** When the box answered. */
  readonly answeredAt: Date;
  /** Caller audio, one 20 ms frame at a time; returns an unsubscribe function. */
  onAudio(listener: (frame: PcmFrame) => void): () => void;
  /** Keypad digits as the caller presses them (0-9, *, #, A-D). */
  onDtmf(listener: (digit: string) => void): () => void;
  /** Fires once when the call ends, whoever ended it. */
  onEnded(listener: (reason: CallEndReason) => void): () => void;
  /** Plays 8 kHz samples to the caller, paced at real time; resolves when played out or stopped. */
  play(samples: Int16Array): Promise<'played' | 'stopped'>;
  /** Stops playback at once (barge-in); pending `play` calls resolve with 'stopped'. */
  stopPlayback(): void;
  /** Connects the caller to another number (the owner's mobile), briefing the owner first when asked to. */
  transfer(number: string, options?: TransferOptions): Promise<TransferResult>;
  /** Ends the call from the box's side. */
  hangup(): Promise<void>;
}
