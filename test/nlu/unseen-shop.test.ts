import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { IntentClassifier, MIN_CONFIDENCE } from '../../src/nlu/classifier.js';
import { evaluate } from '../helpers/nlu-eval.js';
import { FIXTURES } from '../helpers/paths.js';

// A shop the classifier was never developed against: a bicycle repair shop with its own FAQ, and held-out
// utterances (none of them the profile's own examples) written for this test.
t.test('a bicycle repair shop: paraphrases of its FAQ and the built-in intents', async (t) => {
  const shop = await loadShopProfile(`${FIXTURES}shop/bicycle-repair.yaml`);
  const classifier = IntentClassifier.train(shop.profile);
  t.ok(classifier.intents('en').includes('faq:puncture'));
  const results = await evaluate(
    `${FIXTURES}nlu/bicycle-heldout.jsonl`,
    (text) => classifier.classify(text).intent,
  );
  for (const [lang, r] of Object.entries(results)) {
    t.ok(r.correct / r.total >= 0.85, `${lang} accuracy ${r.correct}/${r.total}\n${r.errors.join('\n')}`);
    t.ok(r.inScopeAsNone / r.inScope <= 0.1, `${lang} in-scope as none ${r.inScopeAsNone}/${r.inScope}`);
  }
});

t.test('out-of-scope questions are none with a confidence, not the nearest FAQ', async (t) => {
  const shop = await loadShopProfile(`${FIXTURES}shop/bicycle-repair.yaml`);
  const classifier = IntentClassifier.train(shop.profile);
  for (const text of [
    'who will win the election',
    '明天会下雨吗',
    'xylophone quartz vortex',
    // Worded like the shop's own questions ("do you …", "can I …", "你们…吗"), about something it never mentions.
    'do you have wifi',
    'can I bring my dog',
    '你们有无线网吗',
  ]) {
    const r = classifier.classify(text);
    t.equal(r.intent, 'none', `${text}: ${JSON.stringify(r.ranking)}`);
    t.ok(r.confidence > 0 && r.confidence <= 1, `${text}: confidence ${r.confidence}`);
  }
  const sure = classifier.classify('what time do you close on saturday');
  t.equal(sure.intent, 'hours');
  t.ok(sure.confidence >= MIN_CONFIDENCE);
  t.equal(sure.lang, 'en');
  t.equal(classifier.classify('你们几点关门').lang, 'zh');
});
