/**
 * Intent accuracy on shared/eval/nlu-bakery.jsonl for our classifier and for plain NLP.js trained on the same
 * examples, the per-utterance latency of understanding (intent, slots, sentiment) and the time to train on the
 * example profile.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadShopProfile } from '../src/config/load.js';
import type { Lang } from '../src/config/shop-schema.js';
import { IntentClassifier } from '../src/nlu/classifier.js';
import { understand } from '../src/nlu/understand.js';
import { type Benchmark, elapsedMs, quantile } from './harness.js';
import { trainNlpJs } from './nlpjs-baseline.js';

const PROFILE = fileURLToPath(new URL('../../examples/shop-bakery.yaml', import.meta.url));
const EVAL = fileURLToPath(new URL('../../../shared/eval/nlu-bakery.jsonl', import.meta.url));

async function accuracy(
  lines: { lang: Lang; text: string; intent: string }[],
  lang: Lang,
  classify: (text: string, lang: Lang) => string | Promise<string>,
): Promise<number> {
  const mine = lines.filter((l) => l.lang === lang);
  let correct = 0;
  for (const l of mine) if ((await classify(l.text, l.lang)) === l.intent) correct++;
  return correct / mine.length;
}

/** NLU accuracy, latency and training time. */
export const benchmark: Benchmark = {
  figures: [
    'nlu_accuracy_en',
    'nlu_accuracy_zh',
    'nlpjs_accuracy_en',
    'nlpjs_accuracy_zh',
    'nlu_latency_p50_ms',
    'nlu_latency_p95_ms',
    'nlpjs_latency_p50_ms',
    'nlu_train_ms',
    'nlpjs_train_ms',
  ],
  async run() {
    const shop = await loadShopProfile(PROFILE);
    const lines = (await readFile(EVAL, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { lang: Lang; text: string; intent: string });
    // Warm-up: the jieba dictionary and the JIT, which a running box has already paid for.
    IntentClassifier.train(shop.profile);
    const trainTimes: number[] = [];
    let classifier = IntentClassifier.train(shop.profile);
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      classifier = IntentClassifier.train(shop.profile);
      trainTimes.push(elapsedMs(start));
    }
    const latencies: number[] = [];
    const now = new Date('2026-11-23T10:00:00+08:00');
    for (let round = 0; round < 5; round++)
      for (const l of lines) {
        const start = performance.now();
        understand(classifier, shop, l.text, now);
        latencies.push(elapsedMs(start));
      }
    const nlpStart = performance.now();
    const nlpjs = await trainNlpJs(shop.profile);
    const nlpjsTrain = elapsedMs(nlpStart);
    const nlpLatencies: number[] = [];
    for (const l of lines) {
      const start = performance.now();
      await nlpjs(l.text, l.lang);
      nlpLatencies.push(elapsedMs(start));
    }
    const ours = (text: string) => classifier.classify(text).intent;
    return {
      nlu_accuracy_en: await accuracy(lines, 'en', ours),
      nlu_accuracy_zh: await accuracy(lines, 'zh', ours),
      nlpjs_accuracy_en: await accuracy(lines, 'en', nlpjs),
      nlpjs_accuracy_zh: await accuracy(lines, 'zh', nlpjs),
      nlu_latency_p50_ms: quantile(latencies, 0.5),
      nlu_latency_p95_ms: quantile(latencies, 0.95),
      nlpjs_latency_p50_ms: quantile(nlpLatencies, 0.5),
      nlu_train_ms: quantile(trainTimes, 0.5),
      nlpjs_train_ms: nlpjsTrain,
    };
  },
};
