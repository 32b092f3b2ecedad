/**
 * Sample-rate conversion by a rational factor with a polyphase windowed-sinc FIR low-pass, so line audio can go
 * up to the models' 16 kHz and synthesis (16 / 22.05 kHz) can come down to the 8 kHz line without aliasing.
 *
 *   x[n] ──(zero-stuff ×L)──> low-pass h (cut-off below both Nyquist rates) ──(keep every M-th)──> y[n]
 *
 * Only the L phases of h that hit non-zero samples are evaluated, and the filter keeps its history between
 * calls, so a stream can be converted 20 ms frame by 20 ms frame with the same result as all at once.
 */
import { clampInt16 } from './frame.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Zeroth-order modified Bessel function of the first kind (for the Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Options of a resampler. */
export interface ResamplerOptions {
  /** Filter taps per polyphase branch (per input sample); default: enough for the transition band at 80 dB. */
  tapsPerPhase?: number;
  /** Pass-band edge as a fraction of the lower Nyquist rate; default 0.85 (3.4 kHz at the 8 kHz line). */
  passband?: number;
  /** Kaiser window beta; default 8 (about 80 dB stop-band attenuation). */
  kaiserBeta?: number;
}

/** A streaming rational-factor resampler for mono audio. */
export class Resampler {
  /** Input rate in Hz. */
  readonly fromRate: number;
  /** Output rate in Hz. */
  readonly toRate: number;
  readonly #up: number;
  readonly #down: number;
  readonly #taps: number;
  /** Coefficients by phase: phase p, tap k = h[p + k·L]·L. */
  readonly #phases: Float32Array[];
  /** The last `taps - 1` input samples (oldest first) followed by room for new input. */
  #history: Float32Array;
  /** Delay of the filter in upsampled samples. */
  readonly #centre: number;
  /** Position of the next output sample on the upsampled time axis, relative to the first history sample. */
  #t: number;

  constructor(fromRate: number, toRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
      throw new TypeError(`sample rates must be positive integers, got ${fromRate} → ${toRate}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.#up = toRate / g;
    this.#down = fromRate / g;
    const passband = options.passband ?? 0.85;
    const beta = options.kaiserBeta ?? 8;
    // Kaiser's estimate: length ≈ (A - 8) / (2.285 · Δω); for A = 80 dB that is ≈ 5 input samples per
    // transition-band width, so the taps per branch scale with the input rate over the transition width.
    const transitionHz = (Math.min(fromRate, toRate) / 2) * (1 - passband);
    this.#taps = options.tapsPerPhase ?? Math.ceil((5 * fromRate) / transitionHz);
    const length = this.#taps * this.#up;
    // Cut-off relative to the upsampled rate: half the lower of the two rates, times the pass-band fraction,
    // plus half the transition band so the -6 dB point sits between pass-band edge and Nyquist.
    const cutoff = ((Math.min(fromRate, toRate) / 2) * (1 + passband)) / 2 / (fromRate * this.#up);
    // An odd-length symmetric filter (the last slot of an even length stays zero) has a whole-sample delay,
    // so an upsampled stream lines up exactly with its input.
    this.#centre = Math.floor((length - 1) / 2);
    const span = 2 * this.#centre;
    const i0Beta = besselI0(beta);
    const h = new Float64Array(length);
    for (let i = 0; i <= span; i++) {
      const n = i - this.#centre;
      const sinc = n === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * n) / (Math.PI * n);
      const r = (2 * i) / span - 1;
      h[i] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta);
    }
    this.#phases = [];
    for (let p = 0; p < this.#up; p++) {
      const phase = new Float32Array(this.#taps);
      for (let k = 0; k < this.#taps; k++) phase[k] = (h[p + k * this.#up] ?? 0) * this.#up;
      this.#phases.push(phase);
    }
    this.#history = new Float32Array(this.#taps - 1);
    this.#t = (this.#taps - 1) * this.#up;
  }

  /** Samples of delay the filter adds, in output samples. */
  get delaySamples(): number {
    return Math.round(this.#centre / this.#down);
  }

  /** Converts the next block of input (floats in -1..1 or any scale) and returns the output it completes. */
  process(input: Float32Array): Float32Array {
    const buffer = new Float32Array(this.#history.length + input.length);
    buffer.set(this.#history);
    buffer.set(input, this.#history.length);
    const out: number[] = [];
    const available = buffer.length * this.#up;
    // Output sample at upsampled time t uses input j = floor(t / L) and the taps before it.
    while (this.#t < available) {
      const j = Math.floor(this.#t / this.#up);
      const phase = this.#phases[this.#t - j * this.#up] as Float32Array;
      let acc = 0;
      for (let k = 0; k < this.#taps; k++) acc += (phase[k] as number) * (buffer[j - k] as number);
      out.push(acc);
      this.#t += this.#down;
    }
    const keep = this.#taps - 1;
    this.#history = buffer.slice(buffer.length - keep);
    this.#t -= (buffer.length - keep) * this.#up;
    return Float32Array.from(out);
  }

  /** Pushes out what is still inside the filter (as if silence followed); call once at the end of a stream. */
  flush(): Float32Array {
    return this.process(new Float32Array(this.#taps));
  }
}

/** Converts 16-bit PCM to floats in -1..1. */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] as number) / 32768;
  return out;
}

/** Converts floats in -1..1 to 16-bit PCM, saturating instead of wrapping. */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] as number) * 32768);
    out[i] = clampInt16(v);
  }
  return out;
}

/** Resamples a whole clip of 16-bit PCM at once, compensating the filter delay so output aligns with input. */
export function resampleClip(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples.slice();
  const resampler = new Resampler(fromRate, toRate);
  const body = resampler.process(int16ToFloat(samples));
  const tail = resampler.flush();
  const all = new Float32Array(body.length + tail.length);
  all.set(body);
  all.set(tail, body.length);
  const wanted = Math.round((samples.length * toRate) / fromRate);
  const delay = resampler.delaySamples;
  return floatToInt16(all.subarray(delay, delay + wanted));
}
