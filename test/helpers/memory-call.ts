/**
 * An in-memory ActiveCall for speech tests: a 20 ms ticker moves line audio both ways at real time. The caller
 * side sends queued speech (or quiet line noise); the line side plays queued audio, records it, and echoes it
 * back into the caller audio delayed and attenuated, as a real line does.
 */
import { FRAME_MS, FRAME_SAMPLES } from '../../src/audio/frame.js';
import type { ActiveCall, CallEndReason, TransferResult } from '../../src/calls/active-call.js';
import { Listeners } from '../../src/events/listeners.js';

/** Echo of the line. */
export interface EchoOptions {
  delayMs: number;
  /** Attenuation in dB (positive). */
  lossDb: number;
}

interface Playback {
  samples: Int16Array;
  offset: number;
  resolve: (r: 'played' | 'stopped') => void;
}

/** The in-memory call. */
export class MemoryCall implements ActiveCall {
  readonly id = `test-call-${Math.random().toString(36).slice(2, 8)}`;
  readonly callerNumber = '+8613900000000';
  readonly answeredAt = new Date();
  /** Everything the line played, at 8 kHz. */
  readonly recording: number[] = [];
  /** performance.now() when each play() call's first frame left for the caller. */
  readonly firstFrameAt: number[] = [];
  /** performance.now() of stopPlayback calls. */
  readonly stops: number[] = [];
  /** performance.now() when the last queued caller speech frame was sent. */
  speechSentAt = 0;
  /** performance.now() when the first frame of the latest speak() was sent. */
  speechStartedAt = 0;
  #speechStarting = false;
  readonly #audio = new Listeners<Int16Array>();
  readonly #dtmf = new Listeners<string>();
  readonly #ended = new Listeners<CallEndReason>();
  readonly #callerQueue: Int16Array[] = [];
  #callerDone: (() => void) | undefined;
  readonly #playQueue: Playback[] = [];
  readonly #echo: Int16Array[];
  readonly #echoGain: number;
  readonly #ticker: NodeJS.Timeout;

  constructor(echo: EchoOptions = { delayMs: 120, lossDb: 12 }) {
    this.#echo = Array.from(
      { length: Math.round(echo.delayMs / FRAME_MS) },
      () => new Int16Array(FRAME_SAMPLES),
    );
    this.#echoGain = 10 ** (-echo.lossDb / 20);
    const start = performance.now();
    let sent = 0;
    // A real line runs on the modem's clock: when our timer fires late, catch up on the frames that are due.
    this.#ticker = setInterval(() => {
      const due = Math.floor((performance.now() - start) / FRAME_MS);
      for (; sent < due; sent++) this.#tick();
    }, FRAME_MS / 2);
  }

  #tick(): void {
    // Line → caller: one frame of whatever is playing.
    const out = new Int16Array(FRAME_SAMPLES);
    const playing = this.#playQueue[0];
    if (playing !== undefined) {
      if (playing.offset === 0) this.firstFrameAt.push(performance.now());
      out.set(playing.samples.subarray(playing.offset, playing.offset + FRAME_SAMPLES));
      playing.offset += FRAME_SAMPLES;
      if (playing.offset >= playing.samples.length) {
        this.#playQueue.shift();
        playing.resolve('played');
      }
      for (const v of out) this.recording.push(v);
    }
    this.#echo.push(out);
    const echoed = this.#echo.shift() as Int16Array;
    // Caller → line: queued speech (or quiet noise) plus the echo of what the line played.
    const speech = this.#callerQueue.shift();
    if (speech !== undefined && this.#speechStarting) {
      this.#speechStarting = false;
      this.speechStartedAt = performance.now();
    }
    if (speech !== undefined && this.#callerQueue.length === 0) {
      this.speechSentAt = performance.now();
      const done = this.#callerDone;
      this.#callerDone = undefined;
      queueMicrotask(() => done?.());
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = (speech?.[i] ?? 0) + (echoed[i] as number) * this.#echoGain + (Math.random() * 9 - 4);
      frame[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
    this.#audio.emit(frame);
  }

  /** The caller says 8 kHz `samples`; resolves when the last frame has been sent. */
  speak(samples: Int16Array): Promise<void> {
    for (let i = 0; i < samples.length; i += FRAME_SAMPLES) {
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(samples.subarray(i, i + FRAME_SAMPLES));
      this.#callerQueue.push(frame);
    }
    this.#speechStarting = true;
    return new Promise((resolve) => {
      this.#callerDone = resolve;
    });
  }

  /** The caller presses a key. */
  press(digit: string): void {
    this.#dtmf.emit(digit);
  }

  onAudio(listener: (frame: Int16Array) => void): () => void {
    return this.#audio.add(listener);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    return this.#dtmf.add(listener);
  }

  onEnded(listener: (reason: CallEndReason) => void): () => void {
    return this.#ended.add(listener);
  }

  play(samples: Int16Array): Promise<'played' | 'stopped'> {
    return new Promise((resolve) => this.#playQueue.push({ samples, offset: 0, resolve }));
  }

  stopPlayback(): void {
    this.stops.push(performance.now());
    for (const p of this.#playQueue.splice(0)) p.resolve('stopped');
  }

  async transfer(_number: string): Promise<TransferResult> {
    return { status: 'unsupported', reason: 'in-memory test call' };
  }

  async hangup(): Promise<void> {
    this.end('line-hangup');
  }

  /** Ends the call (caller hang-up by default) and stops the ticker. */
  end(reason: CallEndReason = 'caller-hangup'): void {
    clearInterval(this.#ticker);
    this.stopPlayback();
    this.#ended.emit(reason);
    this.#ended.clear();
  }

  /** The recording as 8 kHz samples. */
  recorded(): Int16Array {
    return Int16Array.from(this.recording);
  }
}
