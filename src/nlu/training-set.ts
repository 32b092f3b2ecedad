/** The examples a shop's intent model learns from: the built-in intents plus the profile's FAQ. */
import { createHash } from 'node:crypto';
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import { BUILTIN_EXAMPLES, BUILTIN_INTENTS } from './data/builtin-intents.js';
import { CONCEPTS } from './data/concepts.js';
import { EN_FUNCTION_WORDS, ZH_FUNCTION_WORDS } from './data/function-words.js';

/** One labelled utterance with how much it counts relative to a plain example. */
export interface LabelledUtterance {
  text: string;
  intent: string;
  /** 1 for an example; less for weaker evidence such as an FAQ's answer text. */
  strength: number;
  /** Where it comes from: our built-in examples, an FAQ example of the profile, or an FAQ's answer. */
  source: 'builtin' | 'faq' | 'answer';
}

/** How much an FAQ's answer counts as an example of the question (it shares the topic words, not the form). */
const ANSWER_STRENGTH = 0.35;

/** The intent name of an FAQ entry. */
export function faqIntent(id: string): string {
  return `faq:${id}`;
}

/** Every labelled utterance for one language of a profile. */
export function trainingSet(profile: ShopProfile, lang: Lang): LabelledUtterance[] {
  const out: LabelledUtterance[] = [];
  for (const intent of BUILTIN_INTENTS)
    for (const text of BUILTIN_EXAMPLES[intent][lang])
      out.push({ text, intent, strength: 1, source: 'builtin' });
  for (const faq of profile.faq) {
    const examples = faq.examples[lang] ?? [];
    for (const text of examples) out.push({ text, intent: faqIntent(faq.id), strength: 1, source: 'faq' });
    const answer = faq.answer[lang];
    if (examples.length > 0 && answer !== undefined)
      out.push({ text: answer, intent: faqIntent(faq.id), strength: ANSWER_STRENGTH, source: 'answer' });
  }
  return out;
}

/** Bumped whenever features or training change, so stored models from older code are not reused. */
export const TRAINING_VERSION = 4;

/** A fingerprint of the shipped training data and algorithm (part of the stored model's key). */
export function trainingFingerprint(): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: TRAINING_VERSION,
        BUILTIN_EXAMPLES,
        CONCEPTS,
        EN_FUNCTION_WORDS,
        ZH_FUNCTION_WORDS,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}
