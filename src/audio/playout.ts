/**
 * Outgoing line audio paced at real time: one 20 ms frame per tick, scheduled against the start time (not the
 * previous tick) so timer jitter never accumulates. When nothing is queued the line gets silence, so the
 * modem's audio stream never starves; `play()` resolves when its samples went out or playback was stopped.
 */
import type { Clock, TimerHandle } from '../time/clock.js';
import { FRAME_MS, FRAME_SAMPLES, type PcmFrame } from './frame.js';

interface Clip {
  samples: Int16Array;
  offset: number;
  resolve(result: 'played' | 'stopped'): void;
}

/** Lateness of one sent frame, for the benchmark and health checks. */
export interface FrameTiming {
  /** When the frame was due (clock ms). */
  due: number;
  /** How late it went out (ms, ≥ 0). */
  lateMs: number;
}

/** Paces frames to a sink at 50 frames a second. */
export class Playout {
  #queue: Clip[] = [];
  #timer: TimerHandle | undefined;
  #start = 0;
  #sent = 0;
  #running = false;

  constructor(
    private readonly clock: Clock,
    private readonly sink: (frame: PcmFrame) => void,
    private readonly onTiming?: (timing: FrameTiming) => void,
  ) {}

  /** Starts the 20 ms tick (silence until something is played). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#start = this.clock.now();
    this.#sent = 0;
    this.#tick();
  }

  /** Stops the tick and resolves pending clips as stopped. */
  stop(): void {
    this.#running = false;
    this.#timer?.clear();
    this.#timer = undefined;
    this.stopPlayback();
  }

  /** Queues samples; resolves when they have gone out or playback was stopped. */
  play(samples: Int16Array): Promise<'played' | 'stopped'> {
    if (!this.#running) return Promise.resolve('stopped');
    return new Promise((resolve) => this.#queue.push({ samples, offset: 0, resolve }));
  }

  /** Drops everything queued (barge-in). */
  stopPlayback(): void {
    for (const clip of this.#queue.splice(0)) clip.resolve('stopped');
  }

  /** True while clips are queued. */
  get playing(): boolean {
    return this.#queue.length > 0;
  }

  #tick(): void {
    if (!this.#running) return;
    const now = this.clock.now();
    // Send every frame that is due (catch up after a stall rather than drift), at most 5 at once.
    let burst = 0;
    while (this.#start + this.#sent * FRAME_MS <= now && burst < 5) {
      const due = this.#start + this.#sent * FRAME_MS;
      this.sink(this.#nextFrame());
      this.onTiming?.({ due, lateMs: Math.max(0, now - due) });
      this.#sent++;
      burst++;
    }
    if (this.#start + this.#sent * FRAME_MS <= now) {
      // Too far behind (the process was stalled): restart the schedule from now instead of flooding the line.
      this.#start = now;
      this.#sent = 0;
    }
    const nextDue = this.#start + this.#sent * FRAME_MS;
    this.#timer = this.clock.setTimeout(() => this.#tick(), nextDue - this.clock.now());
  }

  #nextFrame(): PcmFrame {
    const frame = new Int16Array(FRAME_SAMPLES);
    let filled = 0;
    while (filled < FRAME_SAMPLES && this.#queue.length > 0) {
      const clip = this.#queue[0] as Clip;
      const take = Math.min(FRAME_SAMPLES - filled, clip.samples.length - clip.offset);
      frame.set(clip.samples.subarray(clip.offset, clip.offset + take), filled);
      filled += take;
      clip.offset += take;
      if (clip.offset >= clip.samples.length) {
        this.#queue.shift();
        clip.resolve('played');
      }
    }
    // An underrun leaves the rest of the frame as silence (zeros).
    return frame;
  }
}
