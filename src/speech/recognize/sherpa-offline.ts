/**
 * sherpa-onnx offline recognition of one VAD-segmented utterance: SenseVoice on a device (language and emotion
 * tags), or the tiny generated CTC "tdnn" model in tests (speech-models.md §3.3), through the same real code path.
 */

import { int16ToFloat } from '../../audio/resample.js';
import type { Recognition, Recognizer } from '../engines.js';
import { loadSherpa } from '../sherpa/load.js';
import type { OfflineRecognizer } from '../sherpa/types.js';

/** Which offline model and its verified files. */
export type SherpaOfflineModel =
  | { type: 'sense-voice'; model: string; tokens: string }
  | { type: 'tdnn'; model: string; tokens: string; featureDim: number; sampleRate: number };

/** `<|en|>` → `en`, `<|ANGRY|>` → `ANGRY`; empty stays undefined. */
function tag(value: string | undefined): string | undefined {
  const stripped = value?.replace(/^<\|/, '').replace(/\|>$/, '');
  return stripped === '' ? undefined : stripped;
}

class SherpaOfflineRecognizer implements Recognizer {
  readonly name: string;
  readonly #recognizer: OfflineRecognizer;
  #chunks: Int16Array[] = [];

  constructor(name: string, recognizer: OfflineRecognizer) {
    this.name = name;
    this.#recognizer = recognizer;
  }

  begin(): void {
    this.#chunks = [];
  }

  accept(samples: Int16Array): void {
    this.#chunks.push(samples.slice());
  }

  async finish(): Promise<Recognition> {
    const total = this.#chunks.reduce((n, c) => n + c.length, 0);
    const all = new Int16Array(total);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [];
    const stream = this.#recognizer.createStream();
    stream.acceptWaveform({ samples: int16ToFloat(all), sampleRate: 16000 });
    this.#recognizer.decode(stream);
    const result = this.#recognizer.getResult(stream);
    const lang = tag(result.lang);
    const emotion = tag(result.emotion);
    return { text: result.text.trim(), ...(lang ? { lang } : {}), ...(emotion ? { emotion } : {}) };
  }

  async close(): Promise<void> {}
}

/** Creates the recognizer; files must be verified first (a corrupt model aborts the process). */
export async function createSherpaOffline(spec: SherpaOfflineModel): Promise<Recognizer> {
  const sherpa = await loadSherpa();
  const modelConfig =
    spec.type === 'sense-voice'
      ? {
          senseVoice: { model: spec.model, language: 'auto', useInverseTextNormalization: 1 },
          tokens: spec.tokens,
        }
      : { tdnn: { model: spec.model }, tokens: spec.tokens };
  const featConfig =
    spec.type === 'tdnn'
      ? { sampleRate: spec.sampleRate, featureDim: spec.featureDim }
      : { sampleRate: 16000, featureDim: 80 };
  const recognizer = new sherpa.OfflineRecognizer({
    featConfig,
    modelConfig: { ...modelConfig, numThreads: 1, provider: 'cpu', debug: 0 },
  });
  return new SherpaOfflineRecognizer(`sherpa-${spec.type}`, recognizer);
}
