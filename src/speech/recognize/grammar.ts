/**
 * What each pocketsphinx decoder searches, built from the shop profile. Open turns use a trigram language model
 * estimated from what callers are expected to say (caller-speech.ts): on 8 kHz telephone audio the stock open
 * model collapses (speech-models.md §3.2), and a grammar of whole phrases forces anything else onto the nearest
 * phrase ("great thank you bye" came out as "great thanks"), while a model of the shop's own word sequences
 * keeps them apart. Yes/no answers and digits keep small JSGF grammars, which suit their closed sets. One
 * decoder holds them all as named searches, with one dictionary of every word they can produce.
 */
import type { ShopProfile } from '../../config/shop-schema.js';
import type { Expectation } from '../engines.js';
import { callerSentences, normalisePhrase } from './caller-speech.js';
import { buildArpa } from './language-model.js';
import { dictionaryText, type PronouncingDictionary, pronounce } from './pronouncing-dictionary.js';

/** One search of the decoder: a JSGF grammar or an ARPA language model, with the words it can produce. */
export type Search = ({ jsgf: string } | { arpa: string }) & { words: readonly string[] };

/** What the decoder searches: one search per expectation and the dictionary of all their words. */
export interface DecoderModels {
  searches: Record<Expectation, Search>;
  dict: string;
}

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
): { jsgf: string; words: readonly string[] } {
  const usable = [
    ...new Set(
      phrases.map(normalisePhrase).filter((p) => p !== '' && p.split(' ').every((w) => dictionary.has(w))),
    ),
  ];
  if (usable.length === 0) throw new TypeError('no phrase of the grammar is pronounceable');
  const body = usable.join(' | ');
  return {
    jsgf: `#JSGF V1.0;\ngrammar linekeeper;\npublic <utterance> = ${loop ? `( ${body} )+` : body};\n`,
    words: [...new Set(usable.flatMap((p) => p.split(' ')))],
  };
}

/** A trigram model of the shop's callers over the words the dictionary can pronounce. */
export function buildLanguageModel(
  profile: ShopProfile,
  dictionary: PronouncingDictionary,
  extraPhrases: readonly string[] = [],
): { arpa: string; words: readonly string[] } {
  const sentences = callerSentences(profile, extraPhrases);
  const known = (word: string) => pronounce(dictionary, word) !== undefined;
  const words = [...new Set(sentences.flatMap((s) => s.words).filter(known))];
  return { arpa: buildArpa(sentences, { order: 3, known }), words };
}

/** The searches with the dictionary of exactly their words (a reduced dictionary loads in a fraction of the time). */
export function withDictionary(
  searches: Record<Expectation, Search>,
  dictionary: PronouncingDictionary,
): DecoderModels {
  return {
    searches,
    dict: dictionaryText(
      dictionary,
      Object.values(searches).flatMap((s) => s.words),
    ),
  };
}

/** The decoder's searches for every expectation, from the shop profile. */
export function decoderModelsFor(
  profile: ShopProfile,
  dictionary: PronouncingDictionary,
  extraPhrases: readonly string[] = [],
): DecoderModels {
  return withDictionary(
    {
      open: buildLanguageModel(profile, dictionary, extraPhrases),
      yesno: buildJsgf(YES_NO, dictionary),
      digits: buildJsgf(DIGITS, dictionary, true),
    },
    dictionary,
  );
}
