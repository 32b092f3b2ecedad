/** The `ActiveCall` of a call the box answered: caller audio and DTMF in, paced audio out, transfer, hangup. */
import type { PcmFrame } from '../audio/frame.js';
import type { Playout } from '../audio/playout.js';
import { Listeners } from '../events/listeners.js';
import type { ActiveCall, CallEndReason, TransferOptions, TransferResult } from './active-call.js';

/** What a line call needs from the call manager. */
export interface LineCallControl {
  transfer(number: string, options?: TransferOptions): Promise<TransferResult>;
  hangup(): Promise<void>;
}

/** A connected call; the call manager feeds it audio, DTMF and the end. */
export class LineCall implements ActiveCall {
  readonly #audio = new Listeners<PcmFrame>();
  readonly #dtmf = new Listeners<string>();
  readonly #ended = new Listeners<CallEndReason>();
  #endReason: CallEndReason | undefined;

  constructor(
    readonly id: string,
    readonly callerNumber: string | null,
    readonly answeredAt: Date,
    private readonly playout: Playout,
    private readonly control: LineCallControl,
  ) {}

  /** Why it ended, once it has. */
  get endReason(): CallEndReason | undefined {
    return this.#endReason;
  }

  onAudio(listener: (frame: PcmFrame) => void): () => void {
    return this.#audio.add(listener);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    return this.#dtmf.add(listener);
  }

  onEnded(listener: (reason: CallEndReason) => void): () => void {
    if (this.#endReason !== undefined) {
      const reason = this.#endReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    return this.#ended.add(listener);
  }

  play(samples: Int16Array): Promise<'played' | 'stopped'> {
    // Never play into a call that is over (the line may already belong to someone else).
    if (this.#endReason !== undefined) return Promise.resolve('stopped');
    return this.playout.play(samples);
  }

  stopPlayback(): void {
    this.playout.stopPlayback();
  }

  transfer(number: string, options?: TransferOptions): Promise<TransferResult> {
    if (this.#endReason !== undefined)
      return Promise.resolve({ status: 'failed', reason: 'the call has ended' });
    return this.control.transfer(number, options);
  }

  hangup(): Promise<void> {
    if (this.#endReason !== undefined) return Promise.resolve();
    return this.control.hangup();
  }

  /** Delivers one caller frame. */
  deliverAudio(frame: PcmFrame): void {
    this.#audio.emit(frame);
  }

  /** Delivers one key press. */
  deliverDtmf(digit: string): void {
    this.#dtmf.emit(digit);
  }

  /** Ends the call once; stops playback. */
  end(reason: CallEndReason): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.playout.stop();
    this.#ended.emit(reason);
    this.#ended.clear();
  }
}
