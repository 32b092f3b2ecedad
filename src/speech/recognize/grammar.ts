/**
 * What each pocketsphinx decoder searches, built from the shop profile. Open turns use a trigram language model
 * estimated from what callers are expected to say (caller-speech.ts): on 8 kHz telephone audio the stock open
 * model collapses (speech-models.md §3.2), and a grammar of whole phrases forces anything else onto the nearest
 * phrase ("great thank you bye" came out as "great thanks"), while a model of the shop's own word sequences
 * keeps them apart. Yes/no answers and digits keep small JSGF grammars, which suit their closed sets.
 */
import { writeFile } from 'node:fs/promises';
import type { ShopProfile } from '../../config/shop-schema.js';
import type { Expectation } from '../engines.js';
import { callerSentences, normalisePhrase } from './caller-speech.js';
import { buildArpa } from './language-model.js';
import { dictionaryText, type PronouncingDictionary, pronounce } from './pronouncing-dictionary.js';

/** What one decoder searches: a JSGF grammar, or an ARPA language model with the dictionary of its words. */
export type DecoderModel = { jsgf: string } | { arpa: string; dict: string };

const YES_NO = [
  'yes',
  'yeah',
  'yes please',
  'no',
  'no thanks',
  'no thank you',
  'correct',
  'that is right',
  'right',
];
const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A JSGF grammar with one public rule whose alternatives are the phrases the dictionary can pronounce. */
export function buildJsgf(
  phrases: readonly string[],
  dictionary: PronouncingDictionary,
  loop = false,
): string {
  const usable = [
    ...new Set(
      phrases.map(normalisePhrase).filter((p) => p !== '' && p.split(' ').every((w) => dictionary.has(w))),
    ),
  ];
  if (usable.length === 0) throw new TypeError('no phrase of the grammar is pronounceable');
  const body = usable.join(' | ');
  return `#JSGF V1.0;\ngrammar linekeeper;\npublic <utterance> = ${loop ? `( ${body} )+` : body};\n`;
}

/** A trigram model of the shop's callers with a dictionary of exactly its words. */
export function buildLanguageModel(
  profile: ShopProfile,
  dictionary: PronouncingDictionary,
  extraPhrases: readonly string[] = [],
): { arpa: string; dict: string } {
  const sentences = callerSentences(profile, extraPhrases);
  const known = (word: string) => pronounce(dictionary, word) !== undefined;
  const words = new Set(sentences.flatMap((s) => s.words).filter(known));
  return { arpa: buildArpa(sentences, { order: 3, known }), dict: dictionaryText(dictionary, words) };
}

/** The decoder model for each expectation. */
export function decoderModelsFor(
  profile: ShopProfile,
  dictionary: PronouncingDictionary,
  extraPhrases: readonly string[] = [],
): Record<Expectation, DecoderModel> {
  return {
    open: buildLanguageModel(profile, dictionary, extraPhrases),
    yesno: { jsgf: buildJsgf(YES_NO, dictionary) },
    digits: { jsgf: buildJsgf(DIGITS, dictionary, true) },
  };
}

/** Writes a decoder model's files next to `prefix` and returns the pocketsphinx arguments that load them. */
export async function writeDecoderModel(model: DecoderModel, prefix: string): Promise<string[]> {
  if ('jsgf' in model) {
    await writeFile(`${prefix}.gram`, model.jsgf);
    return ['-jsgf', `${prefix}.gram`];
  }
  await writeFile(`${prefix}.arpa`, model.arpa);
  await writeFile(`${prefix}.dict`, model.dict);
  return ['-lm', `${prefix}.arpa`, '-dict', `${prefix}.dict`];
}
