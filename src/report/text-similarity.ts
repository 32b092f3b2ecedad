/**
 * How alike two short questions are, in English or Mandarin: content words (English stems, jieba tokens) and
 * character n-grams (trigrams for English, bigrams for Chinese), plus a small bilingual lexicon of shop topics so
 * that "do you sell coffee" and "你们有咖啡吗" can meet.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { Lang } from '../config/shop-schema.js';
import { stem } from './english-stem.js';
import { conceptsOf } from './topic-lexicon.js';

/** A question reduced to what similarity compares. */
export interface TextFeatures {
  lang: Lang;
  /** Content words: English stems or Chinese tokens, without question glue. */
  tokens: Set<string>;
  /** Character n-gram counts of the content words. */
  grams: Map<string, number>;
  /** Shop-topic concepts the words name (language independent). */
  concepts: Set<string>;
}

// Words every question has ("can I", "do you", "吗"): they say it is a question, not what about.
const EN_STOP = new Set(
  `a an the do does did you your yours i im me my we us our can could would will is are was be there here
  any some have has got get buy sell selling sold offer serve to of for in on at it its this that these those
  please hi hello hey um uh like just what how where when which who if or and with yeah so ok okay one ones
  also else still ever actually really kind sort thing things something anything place shop bakery guys`
    .split(/\s+/)
    .filter(Boolean),
);
const ZH_STOP = new Set(
  `你们 你 您 我 我们 他 她 吗 呢 吧 啊 呀 嘛 的 了 过 着 有 有没有 没有 没 可以 可不可以 能 能不能 会 请问 请 一下 是 是不是
  在 这里 那里 这儿 那儿 店里 店 想 要 想要 买 卖 什么 怎么 怎么样 哪里 哪儿 一个 个 些 一些 杯 份 块 张 点 吗？ 就 都 也 还 还有 好 嗯 喂 那个 这个 给 做 和 或者 不
  贵店 面包店 你家`
    .split(/\s+/)
    .filter(Boolean),
);

let jieba: Jieba | undefined;
function segment(text: string): string[] {
  jieba ??= Jieba.withDict(dict);
  return jieba.cut(text, false);
}

/** True when the text is mostly Chinese characters. */
export function looksChinese(text: string): boolean {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latin = text.match(/[a-z]/gi)?.length ?? 0;
  return han > 0 && han >= latin / 4;
}

function ngrams(text: string, n: number): Map<string, number> {
  const grams = new Map<string, number>();
  const chars = [...text];
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join('');
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/** Reduces a question to its features; the language comes from the record, else from the characters. */
export function textFeatures(text: string, lang?: Lang): TextFeatures {
  const language: Lang = lang ?? (looksChinese(text) ? 'zh' : 'en');
  if (language === 'zh') {
    const words = segment(text.toLowerCase()).filter(
      (w) => /[\p{L}\p{N}]/u.test(w) && !ZH_STOP.has(w.trim()) && w.trim() !== '',
    );
    return {
      lang: language,
      tokens: new Set(words),
      grams: ngrams(words.join(''), words.join('').length === 1 ? 1 : 2),
      concepts: conceptsOf(words, 'zh'),
    };
  }
  const words = text
    .toLowerCase()
    .replace(/n't\b/g, ' not')
    .replace(/'(s|re|ve|ll|d|m)\b/g, ' ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '' && !EN_STOP.has(w))
    .map(stem);
  return {
    lang: language,
    tokens: new Set(words),
    grams: ngrams(` ${words.join(' ')} `, 3),
    concepts: conceptsOf(words, 'en'),
  };
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [gram, count] of a) {
    na += count * count;
    dot += count * (b.get(gram) ?? 0);
  }
  for (const count of b.values()) nb += count * count;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

// Shared topic concepts are good evidence but coarser than shared words, so they count a little less.
const CONCEPT_WEIGHT = 0.8;

/** Similarity 0 (unrelated) … 1 (same words) of two questions. */
export function similarity(a: TextFeatures, b: TextFeatures): number {
  const lexical = a.lang === b.lang ? 0.5 * jaccard(a.tokens, b.tokens) + 0.5 * cosine(a.grams, b.grams) : 0;
  return Math.max(lexical, CONCEPT_WEIGHT * jaccard(a.concepts, b.concepts));
}
