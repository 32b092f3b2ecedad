/**
 * The open-turn grammar the line used before its language model: one JSGF rule whose alternatives are whole
 * phrases (the profile's FAQ examples and escalation keywords plus these built-in phrases), so anything else a
 * caller says is forced onto the nearest phrase. Kept as the baseline the ASR bench compares the model to.
 */
import type { ShopProfile } from '../src/config/shop-schema.js';
import { buildJsgf, type Search } from '../src/speech/recognize/grammar.js';
import type { PronouncingDictionary } from '../src/speech/recognize/pronouncing-dictionary.js';

const BUILT_IN_PHRASES = [
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

/** The whole-phrase grammar of a profile's open turns. */
export function phraseGrammar(profile: ShopProfile, dictionary: PronouncingDictionary): Search {
  const phrases = [
    ...profile.faq.flatMap((f) => f.examples.en ?? []),
    ...(profile.escalation.keywords.en ?? []),
    ...BUILT_IN_PHRASES,
  ];
  return buildJsgf(phrases, dictionary);
}
