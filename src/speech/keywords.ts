/**
 * The phrases of a shop the speech engines listen for: escalation phrases spotted while the line talks, and the
 * hotwords a streaming recognizer boosts. The profile has no product list: its FAQ examples are where product
 * names live ("do you make birthday cakes", "能用微信支付吗"), so they are boosted whole, with the shop's name.
 */
import type { Lang, ShopProfile } from '../config/shop-schema.js';

/** What callers say to any shop when they want a person. */
export const ESCALATION_PHRASES: Readonly<Record<Lang, readonly string[]>> = {
  en: ['agent', 'person'],
  zh: ['人工'],
};

/** A phrase and its language. */
export interface Phrase {
  phrase: string;
  lang: Lang;
}

function unique(phrases: Phrase[]): Phrase[] {
  const seen = new Set<string>();
  return phrases.filter((p) => {
    const key = p.phrase.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The built-in escalation phrases and the shop's own escalation keywords. */
export function escalationPhrases(profile: ShopProfile): Phrase[] {
  const langs: Lang[] = ['en', 'zh'];
  return unique(
    langs.flatMap((lang) =>
      [...ESCALATION_PHRASES[lang], ...(profile.escalation.keywords[lang] ?? [])].map((phrase) => ({
        phrase: phrase.trim(),
        lang,
      })),
    ),
  );
}

/** Phrases a streaming recognizer boosts: the shop's name, its FAQ examples and the escalation phrases. */
export function hotwordPhrases(profile: ShopProfile): string[] {
  const langs: Lang[] = ['en', 'zh'];
  return unique([
    ...langs.flatMap((lang) =>
      profile.name[lang] === undefined ? [] : [{ phrase: profile.name[lang], lang }],
    ),
    ...profile.faq.flatMap((f) =>
      langs.flatMap((lang) => (f.examples[lang] ?? []).map((phrase) => ({ phrase, lang }))),
    ),
    ...escalationPhrases(profile),
  ]).map((p) => p.phrase);
}
