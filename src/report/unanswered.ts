/**
 * What callers asked that the line could not answer: utterances recognised as `none` or with low confidence,
 * grouped by similarity (average-linkage agglomerative clustering), each group with a suggested FAQ entry in the
 * callers' own words, ready to paste under `faq:` in the shop profile.
 */
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import type { CallRecord } from '../records/call-record.js';
import { similarity, type TextFeatures, textFeatures } from './text-similarity.js';
import { TOPIC_LEXICON } from './topic-lexicon.js';

/** Below this intent confidence a recognised question counts as unanswered. */
export const LOW_CONFIDENCE = 0.5;
/** Groups merge while their average pairwise similarity is at least this. */
export const GROUP_THRESHOLD = 0.25;
// Clustering is cubic in the worst case; a week of a small shop is far below this, a runaway export is not.
const MAX_UTTERANCES = 1500;
// Answers to the line's own questions are not questions the line failed to answer.
const NOT_QUESTIONS = new Set(['affirm', 'deny', 'thanks', 'goodbye', 'repeat']);

/** One thing a caller said that the line did not understand. */
export interface Utterance {
  text: string;
  lang: Lang;
  callId?: string;
  at?: string;
}

/** A group of unanswered utterances that ask the same thing. */
export interface UnansweredGroup {
  /** The most typical utterance of the group. */
  label: string;
  count: number;
  /** Distinct utterances per language, most frequent first, as the callers said them. */
  examples: Partial<Record<Lang, string[]>>;
  /** Suggested FAQ id (lowercase, digits, underscores), unique in the profile. */
  faqId: string;
  /** A FAQ entry as YAML, indented to paste under the profile's `faq:`. */
  suggestedYaml: string;
  /** Indexes of the member utterances in the input. */
  members: number[];
}

/** The utterances of the records that came out as `none` or below `LOW_CONFIDENCE`. */
export function unansweredUtterances(records: readonly CallRecord[]): Utterance[] {
  return records.flatMap((record) =>
    record.turns.flatMap((turn) => {
      const text = turn.transcript?.trim();
      if (!text || (turn.intent && NOT_QUESTIONS.has(turn.intent))) return [];
      const unanswered =
        turn.intent === 'none' || (typeof turn.confidence === 'number' && turn.confidence < LOW_CONFIDENCE);
      if (!unanswered) return [];
      const lang = turn.lang ?? textFeatures(text).lang;
      return [{ text, lang, callId: record.id, at: turn.at }];
    }),
  );
}

/**
 * Average-linkage agglomerative clustering of items under a pairwise similarity: repeatedly merges the two most
 * similar clusters while their similarity is at least `threshold`. Returns clusters as lists of item indexes.
 */
export function agglomerate(
  count: number,
  pairSimilarity: (i: number, j: number) => number,
  threshold: number,
) {
  const clusters: number[][] = Array.from({ length: count }, (_, i) => [i]);
  const sim: number[][] = Array.from({ length: count }, (_, i) =>
    Array.from({ length: count }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let i = 0; i < count; i++)
    for (let j = i + 1; j < count; j++) {
      const s = pairSimilarity(i, j);
      (sim[i] as number[])[j] = s;
      (sim[j] as number[])[i] = s;
    }
  const alive = new Set(clusters.keys());
  for (;;) {
    let best = -1;
    let a = -1;
    let b = -1;
    for (const i of alive)
      for (const j of alive) {
        const s = sim[i]?.[j] ?? 0;
        if (j > i && s > best) [best, a, b] = [s, i, j];
      }
    if (a < 0 || best < threshold) break;
    const sizeA = clusters[a]?.length ?? 0;
    const sizeB = clusters[b]?.length ?? 0;
    // Lance–Williams update for average linkage: the merged cluster's similarity is the size-weighted mean.
    for (const k of alive) {
      if (k === a || k === b) continue;
      const merged = ((sim[a]?.[k] ?? 0) * sizeA + (sim[b]?.[k] ?? 0) * sizeB) / (sizeA + sizeB);
      (sim[a] as number[])[k] = merged;
      (sim[k] as number[])[a] = merged;
    }
    clusters[a] = [...(clusters[a] ?? []), ...(clusters[b] ?? [])];
    alive.delete(b);
  }
  return [...alive].map((i) => clusters[i] ?? []);
}

/** Groups utterances that ask the same thing; largest groups first. */
export function groupUnanswered(
  utterances: readonly Utterance[],
  profile: Pick<ShopProfile, 'faq' | 'languages'>,
  threshold = GROUP_THRESHOLD,
): UnansweredGroup[] {
  const items = utterances.slice(-MAX_UTTERANCES);
  const features = items.map((u) => textFeatures(u.text, u.lang));
  const clusters = agglomerate(
    items.length,
    (i, j) => similarity(features[i] as TextFeatures, features[j] as TextFeatures),
    threshold,
  );
  const usedIds = new Set(profile.faq.map((f) => f.id));
  return clusters
    .map((members) => {
      const medoid = members.reduce((best, i) => {
        const score = (m: number) =>
          members.reduce(
            (sum, k) => sum + similarity(features[m] as TextFeatures, features[k] as TextFeatures),
            0,
          );
        return score(i) > score(best) ? i : best;
      }, members[0] ?? 0);
      const examples: Partial<Record<Lang, string[]>> = {};
      const frequency = new Map<string, number>();
      for (const i of members) {
        const text = items[i]?.text ?? '';
        frequency.set(text, (frequency.get(text) ?? 0) + 1);
      }
      for (const i of members) {
        const { text, lang } = items[i] as Utterance;
        const list = examples[lang] ?? [];
        if (!list.includes(text)) list.push(text);
        examples[lang] = list;
      }
      for (const list of Object.values(examples))
        list.sort((x, y) => (frequency.get(y) ?? 0) - (frequency.get(x) ?? 0));
      const faqId = uniqueId(suggestId(members.map((i) => features[i] as TextFeatures)), usedIds);
      usedIds.add(faqId);
      const group = { label: items[medoid]?.text ?? '', count: members.length, examples, faqId, members };
      return { ...group, suggestedYaml: suggestFaqYaml(group, profile.languages) };
    })
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

function suggestId(features: readonly TextFeatures[]): string {
  const concepts = new Map<string, number>();
  const words = new Map<string, number>();
  for (const f of features) {
    for (const c of f.concepts) concepts.set(c, (concepts.get(c) ?? 0) + 1);
    if (f.lang === 'en')
      for (const w of f.tokens) if (/^[a-z0-9]+$/.test(w)) words.set(w, (words.get(w) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
  const concept = top(concepts, 1)[0];
  if (concept && concept[0] in TOPIC_LEXICON) return concept[0];
  const named = top(words, 2).map(([w]) => w);
  return named.length > 0 ? named.join('_') : 'question';
}

function uniqueId(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** Placeholder answers the owner must replace: loud, so a pasted entry is not mistaken for a finished one. */
export const TODO_ANSWER: Record<Lang, string> = {
  en: 'TODO: your answer',
  zh: 'TODO: 请填写回答',
};

/** Placeholder examples for a profile language nobody asked the question in. */
export const TODO_EXAMPLE: Record<Lang, string> = {
  en: 'TODO: how callers ask it in English',
  zh: 'TODO: 顾客的中文问法',
};

const MAX_EXAMPLES = 5;

/**
 * A FAQ entry for a group as YAML lines under `faq:`: the callers' words as examples, answers (and examples in a
 * profile language nobody asked in) left as TODO.
 */
export function suggestFaqYaml(
  group: Pick<UnansweredGroup, 'faqId' | 'count' | 'examples'>,
  languages: readonly Lang[],
): string {
  const lines = [
    `  - id: ${group.faqId}    # asked ${group.count} time${group.count === 1 ? '' : 's'}, unanswered`,
  ];
  lines.push('    examples:');
  const langs = [
    ...languages,
    ...(Object.keys(group.examples) as Lang[]).filter((l) => !languages.includes(l)),
  ];
  for (const lang of langs) {
    const list = group.examples[lang] ?? [];
    // The profile needs examples in each of its languages: a language nobody asked in gets a loud placeholder.
    lines.push(`      ${lang}:${list.length === 0 ? '    # TODO: how callers would ask this' : ''}`);
    for (const text of list.length === 0 ? [TODO_EXAMPLE[lang]] : list.slice(0, MAX_EXAMPLES))
      lines.push(`        - ${JSON.stringify(text)}`);
  }
  lines.push('    answer:    # TODO: write the answer the line should give, in each language');
  for (const lang of languages) lines.push(`      ${lang}: ${JSON.stringify(TODO_ANSWER[lang])}`);
  return `${lines.join('\n')}\n`;
}
