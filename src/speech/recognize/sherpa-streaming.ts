/**
 * sherpa-onnx streaming transducer recognition (the bilingual zh-en zipformer on a device, a generated toy model in
 * tests): audio is decoded while the caller talks, so the text is ready when the turn ends, and sherpa's own
 * endpoint rule can end the turn before the VAD does. Hotwords from the shop profile are boosted with
 * modified_beam_search; sherpa spells them itself, which for English pieces needs the model's sentencepiece
 * vocabulary as `piece score` lines: written from bpe.model into a private temporary directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int16ToFloat } from '../../audio/resample.js';
import type { Recognition, Recognizer } from '../engines.js';
import { loadSherpa } from '../sherpa/load.js';
import { bpeVocabText, parseSentencePieceModel } from '../sherpa/tokens.js';
import type { OnlineRecognizer, OnlineStream } from '../sherpa/types.js';

const RATE = 16000;
/** Silence appended at the end of a turn so the last partial chunk is decoded. */
const TAIL_PADDING_S = 0.5;
/** Feature frames per encoder output frame (the zipformer subsamples by 4, 10 ms frames). */
const MS_PER_OUTPUT_FRAME = 40;

/** The verified files of a streaming transducer and how to run it. */
export interface SherpaStreamingModel {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  /** sentencepiece model, needed for English hotwords. */
  bpeModel?: string;
  /** How sherpa splits hotwords for this model. */
  modelingUnit: 'cjkchar' | 'bpe' | 'cjkchar+bpe';
  /** Phrases to boost, already checked to be spellable with the model (see sherpa/tokens.ts). */
  hotwords: string[];
  /** Silence after the last decoded token that ends the utterance (sherpa endpoint rule 2), ms. */
  endpointSilenceMs: number;
}

/** Transcripts as the rest of the line writes them: lower-case English, single spaces. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

class SherpaStreamingRecognizer implements Recognizer {
  readonly name = 'sherpa-streaming';
  readonly #recognizer: OnlineRecognizer;
  readonly #scratch: string | undefined;
  #stream: OnlineStream | undefined;
  #endpointMs: number | undefined;

  constructor(recognizer: OnlineRecognizer, scratch: string | undefined) {
    this.#recognizer = recognizer;
    this.#scratch = scratch;
  }

  begin(): void {
    this.#stream = this.#recognizer.createStream();
    this.#endpointMs = undefined;
  }

  #feed(stream: OnlineStream, samples: Float32Array): void {
    stream.acceptWaveform({ samples, sampleRate: RATE });
    while (this.#recognizer.isReady(stream)) this.#recognizer.decode(stream);
  }

  accept(samples: Int16Array): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#feed(stream, int16ToFloat(samples));
    if (this.#endpointMs === undefined && this.#recognizer.isEndpoint(stream)) {
      this.#endpointMs = (this.#recognizer.getResult(stream).num_trailing_blanks ?? 0) * MS_PER_OUTPUT_FRAME;
    }
  }

  endpoint(): number | undefined {
    return this.#endpointMs;
  }

  async finish(): Promise<Recognition> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined) return { text: '' };
    this.#feed(stream, new Float32Array(Math.round(RATE * TAIL_PADDING_S)));
    stream.inputFinished();
    while (this.#recognizer.isReady(stream)) this.#recognizer.decode(stream);
    return { text: normalise(this.#recognizer.getResult(stream).text) };
  }

  async close(): Promise<void> {
    this.#stream = undefined;
    if (this.#scratch !== undefined) await rm(this.#scratch, { recursive: true, force: true });
  }
}

/** Creates the recognizer; the files must be verified first (a corrupt model aborts the process). */
export async function createSherpaStreaming(spec: SherpaStreamingModel): Promise<Recognizer> {
  const sherpa = await loadSherpa();
  // Without the sentencepiece vocabulary sherpa cannot spell English hotwords: only characters are given then.
  const needsVocab =
    spec.modelingUnit !== 'cjkchar' && spec.bpeModel !== undefined && spec.hotwords.length > 0;
  const scratch = needsVocab ? await mkdtemp(join(tmpdir(), 'linekeeper-sherpa-')) : undefined;
  let bpeVocab: string | undefined;
  if (scratch !== undefined && spec.bpeModel !== undefined) {
    bpeVocab = join(scratch, 'bpe.vocab');
    await writeFile(bpeVocab, bpeVocabText(parseSentencePieceModel(await readFile(spec.bpeModel))));
  }
  const hotwords = spec.hotwords.length > 0 ? `${spec.hotwords.join('\n')}\n` : '';
  const recognizer = new sherpa.OnlineRecognizer({
    featConfig: { sampleRate: RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: spec.encoder, decoder: spec.decoder, joiner: spec.joiner },
      tokens: spec.tokens,
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
      modelingUnit: bpeVocab === undefined ? 'cjkchar' : spec.modelingUnit,
      ...(bpeVocab === undefined ? {} : { bpeVocab }),
    },
    // Hotwords only work with modified_beam_search; greedy search ignores them.
    decodingMethod: 'modified_beam_search',
    maxActivePaths: 4,
    ...(hotwords === '' ? {} : { hotwordsBuf: hotwords, hotwordsBufSize: Buffer.byteLength(hotwords) }),
    hotwordsScore: 1.5,
    enableEndpoint: 1,
    // Rule 1: nothing decoded and this much silence; rule 2: silence after speech; rule 3: longest utterance.
    rule1MinTrailingSilence: 2.4,
    rule2MinTrailingSilence: spec.endpointSilenceMs / 1000,
    rule3MinUtteranceLength: 20,
  });
  return new SherpaStreamingRecognizer(recognizer, scratch);
}
