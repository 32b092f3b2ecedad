/** G.711 µ-law and A-law (ITU-T G.711), the 8-bit telephone codecs of analog voice modems. */

const BIAS = 0x84;
const CLIP = 32635;

/** Encodes one 16-bit sample to µ-law. */
export function linearToUlaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return magnitude;
}

/** Decodes one µ-law byte to a 16-bit sample. */
export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** Encodes one 16-bit sample to A-law. */
export function linearToAlaw(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  const magnitude = Math.min(sample >= 0 ? sample : -sample - 1, 32767) >> 3;
  let exponent = 0;
  let value: number;
  if (magnitude < 32) {
    value = magnitude >> 1;
  } else {
    exponent = 1;
    for (let m = magnitude >> 5; m > 1; m >>= 1) exponent++;
    value = (magnitude >> exponent) & 0x0f;
  }
  return ((sign | (exponent << 4) | value) ^ 0x55) & 0xff;
}

/** Decodes one A-law byte to a 16-bit sample. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (!(a & 0x80)) magnitude = -magnitude;
  return magnitude;
}
