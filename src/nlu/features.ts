/**
 * Turns an utterance into the sparse features the intent model reads.
 *
 *   text ─ normalise ─┬─ en: words → stems (w:), stem bigrams (b:), concepts (c:)
 *                     └─ zh: jieba words (w:), characters (u:), character bigrams (b:), concepts (c:)
 *
 * Character n-grams make Mandarin robust to segmentation differences ("送货到" vs "送货"); concepts carry
 * synonyms across wording and across the two languages.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';
import type { Lang } from '../config/shop-schema.js';
import { CONCEPTS } from './data/concepts.js';
import { EN_FUNCTION_WORDS, ZH_FUNCTION_WORDS } from './data/function-words.js';

const require = createRequire(import.meta.url);
let jieba: Jieba | undefined;

/** The shared jieba segmenter, loaded on first use (its dictionary takes ~0.2 s to load). */
export function segmenter(): Jieba {
  if (jieba === undefined) {
    const { Jieba: JiebaClass } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = JiebaClass.withDict(dict);
  }
  return jieba;
}

const HAN = /\p{Script=Han}/u;

/** The language of a transcript: Mandarin when it contains Han characters, else English. */
export function detectLang(text: string): Lang {
  return HAN.test(text) ? 'zh' : 'en';
}

const CONTRACTIONS: [RegExp, string][] = [
  [/\bwhat's\b/g, 'what is'],
  [/\bwhere's\b/g, 'where is'],
  [/\bwhen's\b/g, 'when is'],
  [/\bit's\b/g, 'it is'],
  [/\bthat's\b/g, 'that is'],
  [/\bi'm\b/g, 'i am'],
  [/\bi'd\b/g, 'i would'],
  [/\bi'll\b/g, 'i will'],
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/n't\b/g, ' not'],
  [/'re\b/g, ' are'],
  [/'ve\b/g, ' have'],
  [/'s\b/g, ''],
];

/** Lower-cased English words with contractions expanded and punctuation removed. */
export function englishWords(text: string): string[] {
  let t = text.toLowerCase().replace(/[’‘`]/g, "'");
  for (const [pattern, replacement] of CONTRACTIONS) t = t.replace(pattern, replacement);
  return t
    .replace(/[^a-z0-9'\s]/g, ' ')
    .replace(/'/g, '')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** A light English stemmer: strips plural and verb endings so "delivers", "delivering" and "delivery" meet. */
export function stem(word: string): string {
  if (/^\d+$/.test(word)) return '#num';
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ches|shes|sses|xes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 5 && w.endsWith('ly')) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith('y')) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Mandarin text without punctuation, full-width letters and digits folded to ASCII. */
export function normaliseChinese(text: string): string {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim()
    .toLowerCase();
}

interface CompiledEntry {
  words: string[];
  prefix: boolean;
}
const compiledEn = CONCEPTS.map((c) => ({
  id: c.id,
  entries: c.en.map<CompiledEntry>((e) => {
    const prefix = e.endsWith('*');
    return { words: englishWords(prefix ? e.slice(0, -1) : e), prefix };
  }),
}));

function matchesAt(words: readonly string[], at: number, entry: CompiledEntry): boolean {
  for (let k = 0; k < entry.words.length; k++) {
    const word = words[at + k];
    const want = entry.words[k] as string;
    if (word === undefined) return false;
    const last = k === entry.words.length - 1;
    if (last && entry.prefix ? !word.startsWith(want) : word !== want) return false;
  }
  return true;
}

/** The concept ids an English word list mentions. */
export function englishConcepts(words: readonly string[]): string[] {
  const found: string[] = [];
  for (const concept of compiledEn) {
    const hit = concept.entries.some((entry) => words.some((_, i) => matchesAt(words, i, entry)));
    if (hit) found.push(concept.id);
  }
  return found;
}

/** The concept ids a normalised Mandarin text mentions. */
export function chineseConcepts(text: string): string[] {
  return CONCEPTS.filter((c) => c.zh.some((entry) => text.includes(entry))).map((c) => c.id);
}

/** The features of one utterance and the words they came from. */
export interface UtteranceFeatures {
  features: string[];
  words: string[];
}

/** How an utterance is featurized beyond its text. */
export interface FeaturizeOptions {
  /** Keep only the function words ("do you have …"): topic words give no word, bigram, concept or character. */
  topicMasked?: boolean;
}

const EN_FUNCTION = new Set(EN_FUNCTION_WORDS.map(stem));
const ZH_FUNCTION = new Set(ZH_FUNCTION_WORDS);

/** Features of an utterance in a language (deduplicated). */
export function featurize(text: string, lang: Lang, options: FeaturizeOptions = {}): UtteranceFeatures {
  const out = new Set<string>();
  // Runs of adjacent kept tokens: a masked topic word breaks bigrams (and characters) apart.
  const runs: string[][] = [[]];
  const keep = (token: string, kept: boolean) => {
    if (kept) runs[runs.length - 1]?.push(token);
    else if (runs[runs.length - 1]?.length !== 0) runs.push([]);
  };
  if (lang === 'en') {
    for (const raw of englishWords(text)) keep(raw, !options.topicMasked || EN_FUNCTION.has(stem(raw)));
    for (const run of runs) {
      const stems = run.map(stem);
      for (const w of stems) out.add(`w:${w}`);
      for (let i = 0; i + 1 < stems.length; i++) out.add(`b:${stems[i]}_${stems[i + 1]}`);
    }
    for (const c of englishConcepts(runs.flatMap((r) => [...r, '']))) out.add(`c:${c}`);
  } else {
    const norm = normaliseChinese(text);
    for (const w of segmenter().cut(norm, false))
      if (w.trim().length > 0) keep(w, !options.topicMasked || ZH_FUNCTION.has(w));
    for (const w of runs.flat()) out.add(`w:${/^\d+$/.test(w) ? '#num' : w}`);
    const texts = options.topicMasked ? runs.map((r) => r.join('')) : [norm.replace(/\s+/g, '')];
    for (const run of texts) {
      const chars = [...run];
      for (const ch of chars) out.add(`u:${ch}`);
      for (let i = 0; i + 1 < chars.length; i++) out.add(`b:${chars[i]}${chars[i + 1]}`);
    }
    for (const c of chineseConcepts(options.topicMasked ? texts.join(' ') : norm)) out.add(`c:${c}`);
  }
  const words = runs.flat().map((w) => (lang === 'en' ? stem(w) : /^\d+$/.test(w) ? '#num' : w));
  return { features: [...out], words };
}
