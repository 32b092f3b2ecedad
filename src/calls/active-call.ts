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
  | { status: 'unsupported'; reason: string }
  | { status: 'failed'; reason: string };

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
  /** Connects the caller to another number (the owner's mobile). */
  transfer(number: string): Promise<TransferResult>;
  /** Ends the call from the box's side. */
  hangup(): Promise<void>;
}
