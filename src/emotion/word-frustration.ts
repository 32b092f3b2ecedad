/**
 * Frustration from the words of one turn. English uses VADER (a rule-based valence lexicon) plus phrases that
 * signal frustration with a service rather than negativity in general ("still waiting", "nobody answers").
 * Mandarin uses our own lexicon over jieba tokens with negation and intensifiers, plus phrases, since no usable
 * Chinese sentiment model is available offline.
 */
import { createRequire } from 'node:module';
import type { Lang } from '../config/shop-schema.js';
import { englishWords, normaliseChinese, segmenter } from '../nlu/features.js';

const require = createRequire(import.meta.url);
let vader: typeof import('vader-sentiment') | undefined;

/** VADER, loaded on first use (its lexicon is read at load). */
function analyser(): typeof import('vader-sentiment') {
  vader ??= require('vader-sentiment') as typeof import('vader-sentiment');
  return vader;
}

/** The sentiment of one utterance. */
export interface WordSentiment {
  /** Valence −1 (very negative) .. 1 (very positive). */
  valence: number;
  /** Frustration 0 (calm) .. 1 (furious) from the words alone. */
  frustration: number;
  /** The cues found (words and phrases), for briefs and explanations. */
  cues: string[];
}

/** English phrases that signal frustration with the service, with weights 0..1. */
const EN_PHRASES: [RegExp, number][] = [
  [/\b(still|been) waiting\b|\bwaiting (for )?(ages|hours|so long)\b/, 0.4],
  [/\bnobody (answers|picks up|helps|called)\b|\bno one (answers|helps|called)\b/, 0.4],
  [/\b(how many times|every time|again and again|third time|second time)\b/, 0.35],
  [/\b(ridiculous|unacceptable|outrageous|pathetic|useless|joke)\b/, 0.45],
  [/\b(worst|terrible|awful|horrible|disgusting)\b/, 0.4],
  [/\b(angry|furious|fed up|sick of|annoyed|frustrated|upset|livid|mad)\b/, 0.5],
  [/\b(you (people|guys) are|what is wrong with you|are you kidding)\b/, 0.35],
  [/\b(hurry up|right now|immediately)\b/, 0.2],
];

/** Mandarin phrases that signal frustration, with weights 0..1. */
const ZH_PHRASES: [string, number][] = [
  ['等了半天', 0.4],
  ['等了很久', 0.4],
  ['一直没人', 0.4],
  ['没人接', 0.35],
  ['没人管', 0.4],
  ['怎么回事', 0.3],
  ['搞什么', 0.45],
  ['到底', 0.2],
  ['说了多少遍', 0.45],
  ['多少次', 0.3],
  ['又是', 0.2],
  ['还没', 0.15],
  ['气死', 0.6],
  ['受不了', 0.5],
  ['太过分', 0.5],
  ['什么破', 0.5],
  ['有病', 0.5],
  ['快点', 0.2],
];

/** Mandarin valence lexicon over jieba tokens: negative < 0 < positive. */
const ZH_LEXICON: Record<string, number> = {
  生气: -0.7,
  愤怒: -0.8,
  火大: -0.7,
  烦: -0.5,
  烦死: -0.8,
  讨厌: -0.6,
  失望: -0.6,
  不满: -0.6,
  不满意: -0.6,
  糟糕: -0.7,
  差: -0.5,
  差劲: -0.7,
  垃圾: -0.8,
  离谱: -0.7,
  过分: -0.6,
  骗子: -0.8,
  坑: -0.5,
  投诉: -0.5,
  退款: -0.3,
  赔偿: -0.4,
  恶心: -0.7,
  难吃: -0.6,
  坏: -0.4,
  错: -0.3,
  慢: -0.3,
  迟: -0.3,
  着急: -0.4,
  急: -0.3,
  郁闷: -0.5,
  无语: -0.6,
  可恶: -0.7,
  不好: -0.5,
  不行: -0.4,
  不靠谱: -0.6,
  谢谢: 0.5,
  感谢: 0.6,
  好: 0.3,
  很好: 0.6,
  不错: 0.5,
  满意: 0.5,
  喜欢: 0.5,
  棒: 0.6,
  太好了: 0.7,
  开心: 0.6,
  方便: 0.3,
  辛苦: 0.3,
};
const ZH_NEGATIONS = new Set(['不', '没', '没有', '别', '不是', '不太']);
const ZH_INTENSIFIERS: Record<string, number> = {
  太: 1.5,
  非常: 1.5,
  很: 1.3,
  真: 1.3,
  特别: 1.5,
  超级: 1.6,
  真的: 1.3,
  极: 1.6,
};

function clamp(x: number, lo = 0, hi = 1): number {
  return Math.min(hi, Math.max(lo, x));
}

function english(text: string): WordSentiment {
  const lower = englishWords(text).join(' ');
  const { compound } = analyser().SentimentIntensityAnalyzer.polarity_scores(text);
  const cues: string[] = [];
  const weights: number[] = [];
  for (const [pattern, weight] of EN_PHRASES) {
    const m = pattern.exec(lower);
    if (m) {
      cues.push(m[0]);
      weights.push(weight);
    }
  }
  return combine(compound, weights, cues);
}

function chinese(text: string): WordSentiment {
  const norm = normaliseChinese(text);
  const tokens = segmenter()
    .cut(norm, false)
    .filter((t) => t.trim() !== '');
  const cues: string[] = [];
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const base = ZH_LEXICON[token];
    if (base === undefined) continue;
    let value = base;
    // Look back two tokens for a negation ("不满意" is in the lexicon; "不 好" flips) or an intensifier.
    for (const prev of [tokens[i - 1], tokens[i - 2]]) {
      if (prev === undefined) continue;
      if (ZH_NEGATIONS.has(prev)) value = -value * 0.8;
      const boost = ZH_INTENSIFIERS[prev];
      if (boost !== undefined) value *= boost;
    }
    cues.push(token);
    sum += value;
  }
  // The same squashing as VADER's compound, so both languages share one scale.
  const valence = sum / Math.sqrt(sum * sum + 1.5);
  const weights: number[] = [];
  for (const [p, weight] of ZH_PHRASES) {
    if (norm.includes(p)) {
      cues.push(p);
      weights.push(weight);
    }
  }
  const exclaim = (text.match(/[!！]/g) ?? []).length;
  if (exclaim > 0) weights.push(Math.min(0.2, exclaim * 0.1));
  return combine(valence, weights, cues);
}

function combine(valence: number, phraseWeights: number[], cues: string[]): WordSentiment {
  // Noisy-OR: each cue independently makes the caller more likely frustrated; no single sum runs past 1.
  const calm = phraseWeights.reduce((c, w) => c * (1 - w), 1 - 0.75 * clamp(-valence));
  const frustration = clamp(1 - calm);
  return {
    valence: Math.round(valence * 1000) / 1000,
    frustration: Math.round(frustration * 1000) / 1000,
    cues,
  };
}

/** Sentiment and frustration of one utterance from its words. */
export function wordSentiment(text: string, lang: Lang): WordSentiment {
  return lang === 'zh' ? chinese(text) : english(text);
}
