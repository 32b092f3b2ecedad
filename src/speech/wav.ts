/** Minimal RIFF/WAVE reading and writing for 16-bit mono PCM (flite and espeak-ng output, test recordings). */

/** Decoded 16-bit PCM. */
export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

/** Reads a 16-bit PCM WAV (first channel when stereo); throws naming what is wrong with the bytes. */
export function parseWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let sampleRate = 0;
  let channels = 1;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    // espeak-ng --stdout writes 0x7fffffff sizes; clamp to what is there.
    const size = Math.min(view.getUint32(offset + 4, true), bytes.length - offset - 8);
    if (id === 'fmt ') {
      channels = view.getUint16(offset + 10, true);
      sampleRate = view.getUint32(offset + 12, true);
      bits = view.getUint16(offset + 22, true);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`WAV has ${bits}-bit samples, expected 16`);
      const frames = Math.floor(size / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(offset + 8 + i * 2 * channels, true);
      return { sampleRate, samples };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

/** Writes 16-bit mono PCM as a WAV file. */
export function encodeWav(pcm: Pcm): Buffer {
  const data = pcm.samples.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(pcm.sampleRate, 24);
  out.writeUInt32LE(pcm.sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, data).copy(out, 44);
  return out;
}
