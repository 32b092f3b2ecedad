/**
 * sherpa-onnx KeywordSpotter: a small transducer that decodes only the given keywords, run on caller audio while
 * the line talks. Keywords arrive spelled in the model's tokens (sherpa/tokens.ts); sherpa labels a hit with the
 * text after `@`, which may not contain spaces, so labels map back to the phrases.
 */
import { int16ToFloat } from '../../audio/resample.js';
import type { KeywordSpotter } from '../engines.js';
import { loadSherpa } from '../sherpa/load.js';
import type { OnlineStream, KeywordSpotter as SherpaSpotter } from '../sherpa/types.js';

const RATE = 16000;

/** The verified files of a keyword model and the keywords in its tokens. */
export interface SherpaKwsModel {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  keywords: { phrase: string; tokens: string[] }[];
}

class SherpaKeywordSpotter implements KeywordSpotter {
  readonly name = 'sherpa-kws';
  readonly #spotter: SherpaSpotter;
  readonly #phrases: ReadonlyMap<string, string>;
  #stream: OnlineStream;

  constructor(spotter: SherpaSpotter, phrases: ReadonlyMap<string, string>) {
    this.#spotter = spotter;
    this.#phrases = phrases;
    this.#stream = spotter.createStream();
  }

  accept(samples: Int16Array): string | undefined {
    this.#stream.acceptWaveform({ samples: int16ToFloat(samples), sampleRate: RATE });
    let spotted: string | undefined;
    while (this.#spotter.isReady(this.#stream)) {
      this.#spotter.decode(this.#stream);
      const keyword = this.#spotter.getResult(this.#stream).keyword;
      if (keyword !== '') {
        spotted ??= this.#phrases.get(keyword) ?? keyword;
        // sherpa keeps reporting a hit until the stream is reset.
        this.#spotter.reset(this.#stream);
      }
    }
    return spotted;
  }

  reset(): void {
    this.#stream = this.#spotter.createStream();
  }

  async close(): Promise<void> {}
}

/** The label sherpa reports for a phrase (`@label` ends at the first space). */
function label(phrase: string): string {
  return phrase.trim().replace(/\s+/g, '_');
}

/** Creates the spotter; files must be verified and every token known to the model (checked when spelling). */
export async function createSherpaKws(spec: SherpaKwsModel): Promise<KeywordSpotter> {
  if (spec.keywords.length === 0) throw new TypeError('no keywords to spot');
  const sherpa = await loadSherpa();
  const lines = spec.keywords.map((k) => `${k.tokens.join(' ')} @${label(k.phrase)}\n`).join('');
  const spotter = new sherpa.KeywordSpotter({
    featConfig: { sampleRate: RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: spec.encoder, decoder: spec.decoder, joiner: spec.joiner },
      tokens: spec.tokens,
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    },
    maxActivePaths: 4,
    numTrailingBlanks: 1,
    keywordsScore: 1.0,
    keywordsThreshold: 0.25,
    keywordsBuf: lines,
    keywordsBufSize: Buffer.byteLength(lines),
  });
  return new SherpaKeywordSpotter(spotter, new Map(spec.keywords.map((k) => [label(k.phrase), k.phrase])));
}
