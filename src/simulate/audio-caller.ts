/**
 * The caller of a call file in audio mode: rings the virtual modem, waits for the line to finish speaking, and
 * speaks each turn into the line (flite speech through 8 kHz line audio, or the turn's own recording), presses
 * keys, stays silent or hangs up, as the file says.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { VirtualModem } from '../../device/emulator/virtual-modem.js';
import { FRAME_SAMPLES, LINE_SAMPLE_RATE } from '../audio/frame.js';
import { resampleClip } from '../audio/resample.js';
import { fliteSynthesize } from '../speech/synth/flite.js';
import { parseWav } from '../speech/wav.js';
import type { CallFile } from './call-file.js';

/** Mean absolute sample value above which a 20 ms block of line audio counts as the line speaking. */
const SPEAKING_LEVEL = 500;
/** Quiet after speech that means the line has finished its reply and is listening. */
const DONE_QUIET_MS = 1500;
/** Give up waiting for the line after this long. */
const LINE_TIMEOUT_MS = 60_000;

function blockLoud(samples: Int16Array, start: number): boolean {
  let sum = 0;
  for (let i = start; i < start + FRAME_SAMPLES; i++) sum += Math.abs(samples[i] as number);
  return sum / FRAME_SAMPLES > SPEAKING_LEVEL;
}

/** How long the line has been quiet at the end of `samples`, and whether it spoke at all, in ms. */
export function speechShape(samples: Int16Array): { spokeMs: number; quietTailMs: number } {
  let spokeMs = 0;
  let quietTailMs = 0;
  for (let start = 0; start + FRAME_SAMPLES <= samples.length; start += FRAME_SAMPLES) {
    if (blockLoud(samples, start)) {
      spokeMs += 20;
      quietTailMs = 0;
    } else quietTailMs += 20;
  }
  return { spokeMs, quietTailMs };
}

/** Plays a call file's caller side against a virtual modem. */
export class AudioCaller {
  #heardUpTo = 0;

  constructor(
    private readonly modem: VirtualModem,
    private readonly call: CallFile,
    /** Hears the words of each `say` turn as the caller starts speaking them. */
    private readonly onSpoken?: (text: string) => void,
  ) {}

  /** Polls the line's audio since the last reply (every 20 ms) until `check` holds; false after the timeout. */
  async #waitFor(check: (reply: Int16Array) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (check(this.modem.recordedSamples(this.#heardUpTo))) return true;
      if (this.modem.callState === 'idle') return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Waits until the line has said something and then stayed quiet (its turn is over). */
  async #lineFinished(): Promise<boolean> {
    const done = await this.#waitFor((reply) => {
      const shape = speechShape(reply);
      return shape.spokeMs > 300 && shape.quietTailMs >= DONE_QUIET_MS;
    }, LINE_TIMEOUT_MS);
    this.#heardUpTo += this.modem.recordedSamples(this.#heardUpTo).length;
    return done;
  }

  async #speech(text: string, audio: string | undefined): Promise<Int16Array> {
    if (audio !== undefined) {
      const pcm = parseWav(await readFile(resolve(dirname(this.call.file), audio)));
      return resampleClip(pcm.samples, pcm.sampleRate, LINE_SAMPLE_RATE);
    }
    const voice = await fliteSynthesize(text, 'rms');
    return resampleClip(voice.samples, voice.sampleRate, LINE_SAMPLE_RATE);
  }

  /** Rings, plays every turn, and hangs up when the file says so; resolves when the caller is done. */
  async play(): Promise<void> {
    this.modem.ring({ number: this.call.caller });
    for (const step of this.call.turns) {
      if ('hangup' in step) {
        this.modem.hangUp();
        return;
      }
      if ('say' in step && step.bargeIn) {
        // Start talking half a second into the line's reply instead of waiting for it to finish.
        await this.#waitFor((reply) => speechShape(reply).spokeMs >= 500, LINE_TIMEOUT_MS);
      } else if (!(await this.#lineFinished())) return;
      if ('say' in step) {
        const speech = await this.#speech(step.say, step.audio);
        this.onSpoken?.(step.say);
        await this.modem.sendAudio(speech);
      } else if ('dtmf' in step) await this.modem.pressKeys(step.dtmf);
      else await new Promise((r) => setTimeout(r, step.silence * 1000));
    }
  }
}
