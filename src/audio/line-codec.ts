/**
 * Sample formats on the wire between the box and a modem, and their conversion to and from 16-bit samples.
 * GSM modules stream signed 16-bit little-endian; analog voice modems take what `AT+VSM` selected.
 */
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from './g711.js';

/** A wire format of line audio (all 8 kHz mono). */
export type LineAudioFormat = 'pcm16le' | 'ulaw' | 'alaw' | 'linear8';

/** Bytes per sample of a format. */
export function bytesPerSample(format: LineAudioFormat): number {
  return format === 'pcm16le' ? 2 : 1;
}

/** Encodes 16-bit samples to the wire format. */
export function encodeSamples(format: LineAudioFormat, samples: Int16Array): Uint8Array {
  if (format === 'pcm16le') {
    const out = new Uint8Array(samples.length * 2);
    const view = new DataView(out.buffer);
    for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] as number, true);
    return out;
  }
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    // linear8 is unsigned 8-bit (0x80 = silence), as USR's `AT+VSM=128`.
    out[i] = format === 'ulaw' ? linearToUlaw(s) : format === 'alaw' ? linearToAlaw(s) : (s >> 8) + 128;
  }
  return out;
}

/** Decodes a wire stream to 16-bit samples; keeps an odd trailing byte of 16-bit audio for the next chunk. */
export class LineAudioDecoder {
  #carry: number | undefined;

  constructor(readonly format: LineAudioFormat) {}

  /** Decodes one chunk. */
  decode(bytes: Uint8Array): Int16Array {
    if (this.format !== 'pcm16le') {
      const out = new Int16Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as number;
        out[i] =
          this.format === 'ulaw'
            ? ulawToLinear(b)
            : this.format === 'alaw'
              ? alawToLinear(b)
              : (b - 128) << 8;
      }
      return out;
    }
    let data = bytes;
    if (this.#carry !== undefined) {
      data = new Uint8Array(bytes.length + 1);
      data[0] = this.#carry;
      data.set(bytes, 1);
      this.#carry = undefined;
    }
    const whole = data.length - (data.length % 2);
    if (whole < data.length) this.#carry = data[whole];
    const out = new Int16Array(whole / 2);
    const view = new DataView(data.buffer, data.byteOffset, whole);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
}
