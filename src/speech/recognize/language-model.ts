/**
 * A statistical n-gram language model in ARPA format, estimated on the box from what callers are expected to say.
 *
 * Smoothing is interpolated Witten-Bell: for a history h seen c(h) times with T(h) different next words,
 *
 *   P(w | h) = (c(h, w) + T(h) · P(w | h′)) / (c(h) + T(h))        (h′ = h without its oldest word)
 *
 * down to a uniform distribution over the vocabulary. In ARPA backoff form the stored probability of a seen
 * n-gram is that interpolated value and the backoff weight of h is exactly T(h) / (c(h) + T(h)), so every
 * history's distribution sums to one without renormalising. Sentences carry weights (a template slot spreads one
 * sentence over many fillers); T(h) then counts a next word as min(1, its weighted count), so a hundred names
 * that share one sentence's weight do not inflate the chance of backing off after "my name is".
 */

/** A training sentence: its words (already normalised) and how much it counts. */
export interface WeightedSentence {
  words: readonly string[];
  weight: number;
}

const BOS = '<s>';
const EOS = '</s>';
/** A key joins the words of an n-gram with a separator that never occurs in a word. */
const SEP = '\u0001';

interface HistoryStats {
  /** Weighted count of the history as a context. */
  total: number;
  /** Σ min(1, c(h, w)) over next words w. */
  types: number;
}

function log10(p: number): string {
  return Math.log10(p).toFixed(6);
}

/**
 * Estimates an interpolated Witten-Bell model of `order` (1..3) and writes it as ARPA text (log10 values). Words
 * that `known` rejects (e.g. ones the pronouncing dictionary lacks) never enter it: n-grams that contain one are
 * left out, the rest of their sentence still counts.
 */
export function buildArpa(
  sentences: readonly WeightedSentence[],
  options: { order?: number; known?: (word: string) => boolean } = {},
): string {
  const order = options.order ?? 3;
  const known = options.known ?? (() => true);
  if (order < 1 || order > 3) throw new RangeError(`language model order ${order}: expected 1, 2 or 3`);
  // counts[n - 1]: n-gram key → weighted count; n-grams end in a predicted word (never <s>).
  const counts: Map<string, number>[] = Array.from({ length: order }, () => new Map());
  for (const { words, weight } of sentences) {
    if (!(weight > 0) || words.length === 0) continue;
    const tokens = [BOS, ...words, EOS];
    for (let i = 1; i < tokens.length; i++)
      for (let n = 1; n <= order && i - n + 1 >= 0; n++) {
        const word = tokens[i - n + 1] as string;
        if (word !== BOS && word !== EOS && !known(word)) break;
        const key = tokens.slice(i - n + 1, i + 1).join(SEP);
        const map = counts[n - 1] as Map<string, number>;
        map.set(key, (map.get(key) ?? 0) + weight);
      }
  }
  const unigrams = counts[0] as Map<string, number>;
  if (unigrams.size === 0) throw new TypeError('a language model needs at least one non-empty sentence');

  // History statistics per order: histories of n-grams of order n are (n − 1)-word keys ('' for unigrams).
  const histories: Map<string, HistoryStats>[] = counts.map((map) => {
    const stats = new Map<string, HistoryStats>();
    for (const [key, c] of map) {
      const cut = key.lastIndexOf(SEP);
      const history = cut < 0 ? '' : key.slice(0, cut);
      const s = stats.get(history) ?? { total: 0, types: 0 };
      s.total += c;
      s.types += Math.min(1, c);
      stats.set(history, s);
    }
    return stats;
  });

  const vocabulary = unigrams.size; // predicted words, </s> included; <s> is never predicted
  const probability: Map<string, number>[] = counts.map(() => new Map());
  const lower = (key: string, n: number): number => {
    // P(w | h′) for the n-gram `key` of order n: the order n − 1 model, or uniform below unigrams.
    if (n === 1) return 1 / vocabulary;
    const suffix = key.slice(key.indexOf(SEP) + 1);
    return interpolated(suffix, n - 1);
  };
  const interpolated = (key: string, n: number): number => {
    const known = (probability[n - 1] as Map<string, number>).get(key);
    if (known !== undefined) return known;
    const cut = key.lastIndexOf(SEP);
    const history = cut < 0 ? '' : key.slice(0, cut);
    const stats = (histories[n - 1] as Map<string, HistoryStats>).get(history);
    if (stats === undefined) return lower(key, n);
    const c = (counts[n - 1] as Map<string, number>).get(key) ?? 0;
    return (c + stats.types * lower(key, n)) / (stats.total + stats.types);
  };
  for (let n = 1; n <= order; n++)
    for (const key of (counts[n - 1] as Map<string, number>).keys())
      (probability[n - 1] as Map<string, number>).set(key, interpolated(key, n));

  const backoff = (key: string, n: number): number | undefined => {
    // The backoff weight of an n-gram that is the history of some (n + 1)-gram.
    if (n >= order) return undefined;
    const stats = (histories[n] as Map<string, HistoryStats>).get(key);
    return stats === undefined ? undefined : stats.types / (stats.total + stats.types);
  };

  const sections: string[][] = [];
  for (let n = 1; n <= order; n++) {
    const lines: string[] = [];
    const keys = [...(counts[n - 1] as Map<string, number>).keys()];
    if (n === 1) keys.unshift(BOS);
    for (const key of keys.sort()) {
      const p = key === BOS ? '-99' : log10((probability[n - 1] as Map<string, number>).get(key) as number);
      const bow = backoff(key, n);
      const words = key.split(SEP).join(' ');
      lines.push(bow === undefined ? `${p} ${words}` : `${p} ${words} ${log10(bow)}`);
    }
    sections.push(lines);
  }
  return [
    '\\data\\',
    ...sections.map((lines, i) => `ngram ${i + 1}=${lines.length}`),
    '',
    ...sections.flatMap((lines, i) => [`\\${i + 1}-grams:`, ...lines, '']),
    '\\end\\',
    '',
  ].join('\n');
}
