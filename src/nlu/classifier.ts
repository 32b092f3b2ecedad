/**
 * The intent classifier, trained on the box from the shop profile.
 *
 *   profile ─ training-set ─ featurize ─ softmax regression (per language) ─ temperature (cross-validated)
 *   utterance ─ detect language ─ featurize ─ scores ─ calibrated probabilities ─ intent | none
 *
 * Out-of-scope questions come out as `none` in two ways: the model has a `none` class trained on off-topic
 * utterances, and a best calibrated probability under `MIN_CONFIDENCE` also yields `none`, with confidence
 * 1 − p; an utterance with no known feature at all is `none` with confidence 1.
 */
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import { detectLang, featurize } from './features.js';
import {
  DEFAULT_TRAIN,
  dequantize,
  logits,
  type QuantizedWeights,
  quantize,
  type SoftmaxWeights,
  type SparseExample,
  softmax,
  train,
} from './softmax.js';
import { trainingSet } from './training-set.js';

/** How much an FAQ example with its topic masked counts as an example of `none`. */
const MASKED_STRENGTH = 0.25;

/** Below this calibrated probability the best intent is not trusted and the answer is `none`. */
export const MIN_CONFIDENCE = 0.3;
const FOLDS = 3;
const TEMPERATURES = [0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3];

/** What the classifier made of an utterance. */
export interface IntentResult {
  intent: string;
  /** Calibrated probability that `intent` is right, 0..1. */
  confidence: number;
  lang: Lang;
  /** The best three intents with their probabilities (for logs and explanations). */
  ranking: { intent: string; p: number }[];
}

/** One language's trained model in its stored form. */
export interface StoredLanguageModel {
  labels: string[];
  features: string[];
  temperature: number;
  weights: QuantizedWeights;
}

interface LanguageModel {
  labels: string[];
  index: Map<string, number>;
  temperature: number;
  weights: SoftmaxWeights;
}

function nll(model: SoftmaxWeights, held: SparseExample[], temperature: number): number {
  let total = 0;
  for (const e of held)
    total -= Math.log(Math.max(1e-9, softmax(logits(model, e), temperature)[e.label] as number));
  return total;
}

/** Trains one language's model from a profile. */
export function trainLanguage(profile: ShopProfile, lang: Lang): StoredLanguageModel {
  const plain = trainingSet(profile, lang).map((u) => ({ ...u, features: featurize(u.text, lang) }));
  // The FAQ examples again with only their function words ("do you have …"), as examples of `none`: the frame
  // of a question is no evidence for an FAQ, its topic is. A question about a topic the profile never mentions
  // ("do you have wifi") then has only its frame to go on and comes out as `none`.
  const masked = plain
    .filter((u) => u.source === 'faq')
    .map((u) => ({
      intent: 'none',
      strength: MASKED_STRENGTH,
      whole: u.features.words.length,
      features: featurize(u.text, lang, { topicMasked: true }),
    }))
    .filter((u) => u.features.words.length > 0 && u.features.words.length < u.whole);
  const set = [...plain, ...masked];
  const labels = [...new Set(set.map((u) => u.intent))];
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const perClass = new Map<string, number>();
  for (const u of set) perClass.set(u.intent, (perClass.get(u.intent) ?? 0) + u.strength);
  const average = set.length / labels.length;
  const featurized = set.map((u) => ({
    ...u.features,
    label: labelIndex.get(u.intent) as number,
    // Balanced: each intent weighs the same in total, whether the profile gave it 3 examples or we gave 30.
    weight: (u.strength * average) / (perClass.get(u.intent) as number),
  }));
  const features = [...new Set(featurized.flatMap((u) => u.features))];
  const index = new Map(features.map((f, i) => [f, i]));
  const examples: SparseExample[] = featurized.map((u) => ({
    features: u.features.map((f) => index.get(f) as number),
    label: u.label,
    weight: u.weight,
  }));

  // Temperature from held-out folds: the probabilities the line acts on should mean what they say.
  const held: { model: SoftmaxWeights; examples: SparseExample[] }[] = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    const trainPart = examples.filter((_, i) => i % FOLDS !== fold);
    const testPart = examples.filter((_, i) => i % FOLDS === fold);
    held.push({
      model: train(trainPart, labels.length, features.length, { ...DEFAULT_TRAIN, epochs: 12 }),
      examples: testPart,
    });
  }
  let temperature = 1;
  let best = Number.POSITIVE_INFINITY;
  for (const t of TEMPERATURES) {
    const loss = held.reduce((s, h) => s + nll(h.model, h.examples, t), 0);
    if (loss < best) [best, temperature] = [loss, t];
  }
  const model = train(examples, labels.length, features.length);
  return { labels, features, temperature, weights: quantize(model) };
}

function restore(stored: StoredLanguageModel): LanguageModel {
  return {
    labels: stored.labels,
    index: new Map(stored.features.map((f, i) => [f, i])),
    temperature: stored.temperature,
    weights: dequantize(stored.weights),
  };
}

/** A trained classifier for every language of a profile. */
export class IntentClassifier {
  readonly #models: Map<Lang, LanguageModel>;
  /** The stored form (what `ModelStore` writes). */
  readonly stored: Partial<Record<Lang, StoredLanguageModel>>;

  constructor(stored: Partial<Record<Lang, StoredLanguageModel>>) {
    this.stored = stored;
    this.#models = new Map(
      (Object.entries(stored) as [Lang, StoredLanguageModel][]).map(([lang, m]) => [lang, restore(m)]),
    );
    if (this.#models.size === 0) throw new Error('an intent classifier needs at least one language model');
  }

  /** Trains on a profile's languages. */
  static train(profile: ShopProfile): IntentClassifier {
    const stored: Partial<Record<Lang, StoredLanguageModel>> = {};
    for (const lang of profile.languages) stored[lang] = trainLanguage(profile, lang);
    return new IntentClassifier(stored);
  }

  /** The languages it understands. */
  get languages(): Lang[] {
    return [...this.#models.keys()];
  }

  /** Every intent a language model can return. */
  intents(lang: Lang): string[] {
    return this.#models.get(lang)?.labels ?? [];
  }

  /** Classifies one utterance; the language comes from the text unless the model lacks it. */
  classify(text: string, hint?: Lang): IntentResult {
    const detected = text.trim() === '' ? (hint ?? detectLang(text)) : detectLang(text);
    const lang = this.#models.has(detected) ? detected : ((hint ?? this.languages[0]) as Lang);
    const model = (this.#models.get(lang) ?? this.#models.values().next().value) as LanguageModel;
    const known = featurize(text, lang)
      .features.map((f) => model.index.get(f))
      .filter((i): i is number => i !== undefined);
    const p = softmax(logits(model.weights, { features: known }), model.temperature);
    const ranking = model.labels
      .map((intent, i) => ({ intent, p: p[i] as number }))
      .sort((a, b) => b.p - a.p)
      .slice(0, 3);
    const top = ranking[0] as { intent: string; p: number };
    if (known.length === 0 || top.p < MIN_CONFIDENCE)
      return { intent: 'none', confidence: round(known.length === 0 ? 1 : 1 - top.p), lang, ranking };
    return { intent: top.intent, confidence: round(top.p), lang, ranking };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
