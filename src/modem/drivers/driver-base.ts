/**
 * What the GSM and V.253 drivers share: their common dependencies, the listeners of line events and caller
 * audio, the decoder of the modem's wire format feeding the jitter buffer that paces caller audio into 20 ms
 * frames, the profile's init steps, and a yes/no probe of a command.
 */
import type { PcmFrame } from '../../audio/frame.js';
import { JitterBuffer } from '../../audio/jitter-buffer.js';
import { LineAudioDecoder, type LineAudioFormat } from '../../audio/line-codec.js';
import { describeError } from '../../errors.js';
import { Listeners } from '../../events/listeners.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../time/clock.js';
import type { AtEngine } from '../at-engine.js';
import type { LineEvent } from '../driver.js';
import type { ModemProfile } from '../profile.js';
import type { UrcRouter } from '../urc-router.js';

/** Dependencies every driver has. */
export interface DriverOptions {
  profile: ModemProfile;
  engine: AtEngine;
  urcs: UrcRouter;
  clock: Clock;
  log: Logger;
}

/** The base of both drivers; `O` is the driver's own options. */
export abstract class DriverBase<O extends DriverOptions> {
  /** The driver's dependencies. */
  protected readonly o: O;
  /** Decodes caller audio from the modem's wire format (a driver may start a fresh one per call). */
  protected decoder: LineAudioDecoder;
  /** Turns decoded caller audio into paced 20 ms frames for the audio listeners. */
  protected readonly jitter: JitterBuffer;
  readonly #events = new Listeners<LineEvent>();
  readonly #audio = new Listeners<PcmFrame>();

  constructor(options: O, format: LineAudioFormat) {
    this.o = options;
    this.decoder = new LineAudioDecoder(format);
    this.jitter = new JitterBuffer((frame) => {
      this.#audio.emit(frame);
    });
  }

  /** Calls `listener` with every line event; returns the function that removes it. */
  onEvent(listener: (event: LineEvent) => void): () => void {
    return this.#events.add(listener);
  }

  /** Calls `listener` with every 20 ms frame of caller audio; returns the function that removes it. */
  onAudio(listener: (frame: PcmFrame) => void): () => void {
    return this.#audio.add(listener);
  }

  /** Tells the event listeners. */
  protected emit(event: LineEvent): void {
    this.#events.emit(event);
  }

  /** Caller audio bytes as they came from the modem: decoded and queued for the audio listeners. */
  protected pushAudio(bytes: Uint8Array): void {
    this.jitter.push(this.decoder.decode(bytes));
  }

  /** Sends the profile's init commands; a failed optional one is logged and skipped, a required one throws. */
  protected async sendInitSteps(): Promise<void> {
    const { engine, profile, log } = this.o;
    for (const step of profile.init) {
      try {
        await engine.send({ text: step.command, priority: 'control' });
      } catch (e) {
        if (step.required) throw e;
        log.warn(`init step ${step.command} failed, continuing: ${describeError(e)}`);
      }
    }
  }

  /** Whether the modem answers `text` with OK (capability probes). */
  protected succeeds(text: string): Promise<boolean> {
    return this.o.engine.send({ text }).then(
      () => true,
      () => false,
    );
  }
}
