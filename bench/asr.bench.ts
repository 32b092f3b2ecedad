/**
 * Recognition of open caller turns on telephone audio: the English lines of shared/eval/nlu-bakery.jsonl
 * rendered by flite (rms voice) through 8 kHz line audio, recognised by pocketsphinx exactly as the worker runs
 * it (one persistent decoder, line-audio acoustic setup), with the shop's language model and with the
 * whole-phrase grammar it replaced. Word error rate against the words said, and the intent the classifier
 * finds in what was recognised against the line's label (the text itself scores `nlu_accuracy_en`).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { floatToInt16, int16ToFloat, Resampler } from '../src/audio/resample.js';
import { loadShopProfile } from '../src/config/load.js';
import { IntentClassifier } from '../src/nlu/classifier.js';
import { englishWords } from '../src/nlu/features.js';
import type { Expectation } from '../src/speech/engines.js';
import {
  buildLanguageModel,
  decoderModelsFor,
  type Search,
  withDictionary,
} from '../src/speech/recognize/grammar.js';
import { createPocketsphinx } from '../src/speech/recognize/pocketsphinx.js';
import {
  type PronouncingDictionary,
  readPronouncingDictionary,
} from '../src/speech/recognize/pronouncing-dictionary.js';
import { lineSpeech } from '../test/helpers/speech.js';
import type { Benchmark } from './harness.js';
import { phraseGrammar } from './phrase-grammar-baseline.js';

const PROFILE = fileURLToPath(new URL('../../examples/shop-bakery.yaml', import.meta.url));
const EVAL = fileURLToPath(new URL('../../../shared/eval/nlu-bakery.jsonl', import.meta.url));
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The words as spoken: contractions expanded, codes like A1022 letter by letter and digit by digit. */
function spokenWords(text: string): string[] {
  return englishWords(text.replace(/([a-z])(?=\d)|\d/gi, (c) => ` ${/\d/.test(c) ? DIGITS[Number(c)] : c} `));
}

/** Word-level edit distance. */
function editDistance(ref: readonly string[], hyp: readonly string[]): number {
  let row = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const next = [i];
    for (let j = 1; j <= hyp.length; j++)
      next.push(
        Math.min(
          (row[j] as number) + 1,
          (next[j - 1] as number) + 1,
          (row[j - 1] as number) + (ref[i - 1] === hyp[j - 1] ? 0 : 1),
        ),
      );
    row = next;
  }
  return row[hyp.length] as number;
}

/** Recognises every clip with `open` as the decoder's search for open turns; returns the texts. */
async function recogniseAll(
  open: Search,
  others: Record<Expectation, Search>,
  dictionary: PronouncingDictionary,
  clips: Int16Array[],
) {
  const recognizer = await createPocketsphinx(withDictionary({ ...others, open }, dictionary));
  const texts: string[] = [];
  try {
    // A fresh pocketsphinx loads its model before its first hypothesis; the worker is warm before a call, so
    // the first clip is heard once unscored.
    for (const [i, clip] of [clips[0] as Int16Array, ...clips].entries()) {
      const upsampler = new Resampler(8000, 16000);
      recognizer.begin('open');
      // The worker feeds 250 ms from before the VAD's speech start, then the turn.
      recognizer.accept(new Int16Array(4000));
      recognizer.accept(floatToInt16(upsampler.process(int16ToFloat(clip))));
      const { text } = await recognizer.finish();
      if (i > 0) texts.push(text);
    }
  } finally {
    await recognizer.close();
  }
  return texts;
}

/** Word error and intent accuracy of recognised open turns, language model against phrase grammar. */
export const benchmark: Benchmark = {
  figures: [
    'asr_intent_accuracy_en',
    'asr_word_error_en',
    'asr_grammar_intent_accuracy_en',
    'asr_grammar_word_error_en',
  ],
  async run() {
    const { profile } = await loadShopProfile(PROFILE);
    const lines = (await readFile(EVAL, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { lang: string; text: string; intent: string })
      .filter((l) => l.lang === 'en');
    const classifier = IntentClassifier.train(profile);
    const dictionary = await readPronouncingDictionary();
    const { searches } = decoderModelsFor(profile, dictionary);
    const clips: Int16Array[] = [];
    for (const l of lines) clips.push(await lineSpeech(l.text));
    const score = (texts: string[]) => {
      let errors = 0;
      let words = 0;
      let intents = 0;
      texts.forEach((text, i) => {
        const line = lines[i] as (typeof lines)[number];
        const ref = spokenWords(line.text);
        errors += editDistance(ref, spokenWords(text));
        words += ref.length;
        if (classifier.classify(text, 'en').intent === line.intent) intents++;
      });
      return { accuracy: intents / lines.length, wordError: errors / words };
    };
    const model = score(
      await recogniseAll(buildLanguageModel(profile, dictionary), searches, dictionary, clips),
    );
    const grammar = score(
      await recogniseAll(phraseGrammar(profile, dictionary), searches, dictionary, clips),
    );
    return {
      asr_intent_accuracy_en: model.accuracy,
      asr_word_error_en: model.wordError,
      asr_grammar_intent_accuracy_en: grammar.accuracy,
      asr_grammar_word_error_en: grammar.wordError,
    };
  },
};
