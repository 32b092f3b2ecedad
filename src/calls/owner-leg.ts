/**
 * The owner's leg of a warm transfer as the call layer offers it: the brief goes out through the call's own paced
 * playout (the modem routes it to the owner while the caller is on hold), and the owner's keys arrive as line
 * DTMF, which the call manager hands here instead of to the caller.
 */
import type { Playout } from '../audio/playout.js';
import type { Clock } from '../time/clock.js';
import type { OwnerLeg } from './active-call.js';

/** The OwnerLeg of one transfer; `ended` aborts when the owner's leg is over. */
export class LineOwnerLeg implements OwnerLeg {
  readonly #keys: string[] = [];
  #onKey: (() => void) | undefined;

  constructor(
    readonly answerSignalled: boolean,
    private readonly playout: Playout,
    private readonly clock: Clock,
    private readonly ended: AbortSignal,
  ) {
    ended.addEventListener(
      'abort',
      () => {
        playout.stopPlayback();
        this.#onKey?.();
      },
      { once: true },
    );
  }

  get gone(): boolean {
    return this.ended.aborted;
  }

  play(samples: Int16Array): Promise<'played' | 'stopped'> {
    if (this.gone) return Promise.resolve('stopped');
    return this.playout.play(samples);
  }

  nextKey(timeoutMs: number): Promise<string | undefined> {
    if (this.#keys.length > 0 || this.gone) return Promise.resolve(this.#keys.shift());
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => settle(), timeoutMs);
      const settle = () => {
        timer.clear();
        this.#onKey = undefined;
        resolve(this.#keys.shift());
      };
      this.#onKey = settle;
    });
  }

  /** A key the owner pressed; it also cuts the brief short, so they need not hear it out to answer. */
  deliverKey(digit: string): void {
    this.#keys.push(digit);
    this.playout.stopPlayback();
    this.#onKey?.();
  }
}
