/** Plain NLP.js trained on exactly the examples our classifier learns from: the baseline the bench compares to. */
import { createRequire } from 'node:module';
import type { Lang, ShopProfile } from '../src/config/shop-schema.js';
import { trainingSet } from '../src/nlu/training-set.js';

const require = createRequire(import.meta.url);

interface NlpJs {
  addDocument(locale: string, utterance: string, intent: string): void;
  train(): Promise<void>;
  process(locale: string, utterance: string): Promise<{ intent: string; score: number }>;
}

/** A trained NLP.js pipeline for a profile's languages. */
export async function trainNlpJs(
  profile: ShopProfile,
): Promise<(text: string, lang: Lang) => Promise<string>> {
  const { containerBootstrap } = require('@nlpjs/core') as {
    containerBootstrap: () => Promise<{ use(x: unknown): void }>;
  };
  const { Nlp } = require('@nlpjs/nlp') as { Nlp: new (settings: Record<string, unknown>) => NlpJs };
  const { LangEn } = require('@nlpjs/lang-en-min') as { LangEn: unknown };
  const { LangZh } = require('@nlpjs/lang-zh') as { LangZh: unknown };
  // lang-zh announces "Compiling dictionary" with console.log; keep the bench's output (and --json) clean.
  const log = console.log;
  console.log = () => {};
  let nlp: NlpJs;
  try {
    const container = await containerBootstrap();
    container.use(LangEn);
    container.use(LangZh);
    nlp = new Nlp({
      languages: profile.languages,
      autoSave: false,
      autoLoad: false,
      nlu: { log: false },
      container,
    });
    for (const lang of profile.languages)
      for (const u of trainingSet(profile, lang)) nlp.addDocument(lang, u.text, u.intent);
    await nlp.train();
  } finally {
    console.log = log;
  }
  return async (text, lang) => {
    const { intent } = await nlp.process(lang, text);
    return intent === 'None' ? 'none' : intent;
  };
}
