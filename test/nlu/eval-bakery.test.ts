import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { IntentClassifier } from '../../src/nlu/classifier.js';
import { evaluate } from '../helpers/nlu-eval.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const EVAL = `${SHARED_EXAMPLES}../eval/nlu-bakery.jsonl`;

t.test(
  'intent accuracy on the bakery evaluation lines: ≥ 90 % per language, ≤ 5 % in-scope as none',
  async (t) => {
    const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
    const classifier = IntentClassifier.train(shop.profile);
    const results = await evaluate(EVAL, (text) => classifier.classify(text).intent);
    for (const lang of ['en', 'zh']) {
      const r = results[lang];
      if (r === undefined) throw new Error(`no ${lang} lines in ${EVAL}`);
      t.ok(r.total >= 20, `${lang}: ${r.total} lines`);
      t.ok(r.correct / r.total >= 0.9, `${lang} accuracy ${r.correct}/${r.total}\n${r.errors.join('\n')}`);
      t.ok(r.inScopeAsNone / r.inScope <= 0.05, `${lang} in-scope as none ${r.inScopeAsNone}/${r.inScope}`);
    }
  },
);
