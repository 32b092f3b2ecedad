/**
 * Caller audio arrives in chunks of any size and at uneven times (USB bulk transfers, serial buffering,
 * DLE un-shielding). The jitter buffer reassembles exact 20 ms frames and bounds how far behind it may fall:
 * past `maxFrames` of backlog the oldest audio is dropped, so the listener never drifts further from live.
 */
import { FRAME_SAMPLES, type PcmFrame } from './frame.js';

/** Reassembles 20 ms frames from arbitrary chunks. */
export class JitterBuffer {
  #pending = new Int16Array(FRAME_SAMPLES * 4);
  #length = 0;
  /** Samples dropped because the backlog exceeded the bound. */
  dropped = 0;

  constructor(
    private readonly onFrame: (frame: PcmFrame) => void,
    private readonly maxFrames = 25,
  ) {}

  /** Adds samples; emits every complete frame. */
  push(samples: Int16Array): void {
    if (this.#length + samples.length > this.#pending.length) {
      const grown = new Int16Array(Math.max(this.#pending.length * 2, this.#length + samples.length));
      grown.set(this.#pending.subarray(0, this.#length));
      this.#pending = grown;
    }
    this.#pending.set(samples, this.#length);
    this.#length += samples.length;
    const limit = this.maxFrames * FRAME_SAMPLES;
    if (this.#length > limit) {
      const excess = this.#length - limit;
      this.#pending.copyWithin(0, excess, this.#length);
      this.#length -= excess;
      this.dropped += excess;
    }
    let offset = 0;
    while (this.#length - offset >= FRAME_SAMPLES) {
      this.onFrame(this.#pending.slice(offset, offset + FRAME_SAMPLES));
      offset += FRAME_SAMPLES;
    }
    if (offset > 0) {
      this.#pending.copyWithin(0, offset, this.#length);
      this.#length -= offset;
    }
  }

  /** Forgets partial audio (call ended). */
  reset(): void {
    this.#length = 0;
  }
}
