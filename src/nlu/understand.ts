/** What the line makes of one utterance: language, intent, details and sentiment (the `nlu` command's output). */
import type { LoadedShop } from '../config/load.js';
import type { Lang } from '../config/shop-schema.js';
import { type WordSentiment, wordSentiment } from '../emotion/word-frustration.js';
import type { IntentClassifier } from './classifier.js';
import { extractSlots } from './slots/index.js';

/** The understanding of one utterance. */
export interface Understanding {
  text: string;
  lang: Lang;
  intent: string;
  confidence: number;
  slots: Record<string, string>;
  sentiment: WordSentiment;
}

/** Understands one utterance for a shop at a moment. */
export function understand(
  classifier: IntentClassifier,
  shop: Pick<LoadedShop, 'profile' | 'orders'>,
  text: string,
  now: Date,
  hint?: Lang,
): Understanding {
  const result = classifier.classify(text, hint);
  return {
    text,
    lang: result.lang,
    intent: result.intent,
    confidence: result.confidence,
    slots: extractSlots(text, result.lang, {
      now,
      timezone: shop.profile.timezone,
      orderIds: shop.orders.map((o) => o.orderId),
    }),
    sentiment: wordSentiment(text, result.lang),
  };
}
