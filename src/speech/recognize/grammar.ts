/**
 * JSGF grammars for pocketsphinx, built from the shop profile: on 8 kHz telephone audio its open language model
 * collapses and only a grammar survives (speech-models.md §3.2), so every phrase a caller is likely to say (FAQ
 * examples, escalation keywords, built-in intent phrases) becomes an alternative. Phrases with words the
 * pronouncing dictionary lacks are dropped (pocketsphinx refuses the whole grammar otherwise).
 */
import { readFile } from 'node:fs/promises';
import type { ShopProfile } from '../../config/shop-schema.js';
import type { Expectation } from '../engines.js';

/** Where Debian's pocketsphinx-en-us puts its pronouncing dictionary. */
export const POCKETSPHINX_DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

/** What callers say to any shop, whatever its profile (the conversation's built-in intents). */
export const BUILT_IN_PHRASES: readonly string[] = [
  'what are your opening hours',
  'when are you open',
  'are you open today',
  'are you open tomorrow',
  'what time do you close',
  'where are you',
  'what is your address',
  'how do i get there',
  'i want to book',
  'i would like to make a booking',
  'i would like to order a cake',
  'where is my order',
  'is my order ready',
  'i want to speak to a person',
  'can i talk to someone',
  'let me speak to the owner',
  'agent',
  'person',
  'operator',
  'human',
  'thank you',
  'goodbye',
  'that is all',
  'yes',
  'no',
  'repeat that please',
];

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

/** Lowercases, spells out what the dictionary cannot read and strips punctuation. */
export function normalisePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’']/g, "'")
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads the words of a CMU-style pronouncing dictionary (`word(2)` variants fold into `word`). */
export async function readDictionaryWords(file = POCKETSPHINX_DICT): Promise<Set<string>> {
  const words = new Set<string>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const word = line.split(' ', 1)[0]?.replace(/\(\d+\)$/, '');
    if (word) words.add(word);
  }
  return words;
}

/** The English phrases a shop's callers are expected to say. */
export function shopPhrases(profile: ShopProfile): string[] {
  return [
    ...profile.faq.flatMap((f) => f.examples.en ?? []),
    ...(profile.escalation.keywords.en ?? []),
    ...BUILT_IN_PHRASES,
  ];
}

/** A JSGF grammar with one public rule whose alternatives are the phrases the dictionary can pronounce. */
export function buildJsgf(phrases: readonly string[], dictionary: ReadonlySet<string>, loop = false): string {
  const usable = [
    ...new Set(
      phrases.map(normalisePhrase).filter((p) => p !== '' && p.split(' ').every((w) => dictionary.has(w))),
    ),
  ];
  if (usable.length === 0) throw new TypeError('no phrase of the grammar is pronounceable');
  const body = usable.join(' | ');
  return `#JSGF V1.0;\ngrammar linekeeper;\npublic <utterance> = ${loop ? `( ${body} )+` : body};\n`;
}

/** The grammar text for each expectation. */
export function grammarsFor(
  phrases: readonly string[],
  dictionary: ReadonlySet<string>,
): Record<Expectation, string> {
  return {
    open: buildJsgf(phrases, dictionary),
    yesno: buildJsgf(YES_NO, dictionary),
    digits: buildJsgf(DIGITS, dictionary, true),
  };
}
