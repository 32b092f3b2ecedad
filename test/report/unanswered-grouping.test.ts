import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parse } from 'yaml';
import type { Lang } from '../../src/config/shop-schema.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { agglomerate, groupUnanswered, unansweredUtterances } from '../../src/report/unanswered.js';
import { FIXTURES } from '../helpers/paths.js';

interface Labelled {
  text: string;
  lang: Lang;
  group: string;
}

const labelled: Labelled[] = (await readFile(`${FIXTURES}report/unanswered-labelled.jsonl`, 'utf8'))
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Labelled);

/** Pairwise precision and recall of a grouping against labels, over the pairs `include` keeps. */
function pairwise(groupOf: number[], include: (i: number, j: number) => boolean) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labelled.length; i++)
    for (let j = i + 1; j < labelled.length; j++) {
      if (!include(i, j)) continue;
      const same = labelled[i]?.group === labelled[j]?.group;
      const together = groupOf[i] === groupOf[j];
      if (same && together) tp++;
      else if (together) fp++;
      else if (same) fn++;
    }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

t.test('the labelled set has at least 60 utterances in both languages', async (t) => {
  t.ok(labelled.length >= 60, `${labelled.length} utterances`);
  t.ok(labelled.some((u) => u.lang === 'en'));
  t.ok(labelled.some((u) => u.lang === 'zh'));
});

t.test('grouping puts paraphrases together: pairwise precision and recall on the labelled set', async (t) => {
  const groups = groupUnanswered(labelled, { faq: [], languages: ['zh', 'en'] });
  const groupOf: number[] = [];
  groups.forEach((g, index) => {
    for (const m of g.members) groupOf[m] = index;
  });
  t.equal(groupOf.filter((g) => g !== undefined).length, labelled.length, 'every utterance is in one group');
  const all = pairwise(groupOf, () => true);
  const sameLanguage = pairwise(groupOf, (i, j) => labelled[i]?.lang === labelled[j]?.lang);
  const crossLanguage = pairwise(groupOf, (i, j) => labelled[i]?.lang !== labelled[j]?.lang);
  const f = (n: number) => n.toFixed(3);
  t.comment(
    `${labelled.length} utterances, ${new Set(labelled.map((u) => u.group)).size} labelled groups, ${groups.length} found`,
  );
  t.comment(`all pairs:            precision ${f(all.precision)} recall ${f(all.recall)}`);
  t.comment(`same-language pairs:  precision ${f(sameLanguage.precision)} recall ${f(sameLanguage.recall)}`);
  t.comment(
    `cross-language pairs: precision ${f(crossLanguage.precision)} recall ${f(crossLanguage.recall)}`,
  );
  t.ok(all.precision >= 0.9, `precision ${f(all.precision)} >= 0.9`);
  t.ok(all.recall >= 0.7, `recall ${f(all.recall)} >= 0.7`);
  t.ok(sameLanguage.recall >= 0.8, `same-language recall ${f(sameLanguage.recall)} >= 0.8`);
  t.ok(crossLanguage.recall >= 0.5, `cross-language recall ${f(crossLanguage.recall)} >= 0.5`);
});

t.test('agglomerate merges by average linkage and stops at the threshold', async (t) => {
  // Two tight pairs (0,1) and (2,3), weakly linked: at 0.5 two clusters, at 0.1 one.
  const sim = [
    [1, 0.9, 0.2, 0.2],
    [0.9, 1, 0.2, 0.2],
    [0.2, 0.2, 1, 0.8],
    [0.2, 0.2, 0.8, 1],
  ];
  const at = (i: number, j: number) => sim[i]?.[j] ?? 0;
  t.same(
    agglomerate(4, at, 0.5)
      .map((c) => c.sort())
      .sort(),
    [
      [0, 1],
      [2, 3],
    ],
  );
  t.equal(agglomerate(4, at, 0.1).length, 1);
  t.same(agglomerate(0, at, 0.5), []);
});

t.test('unanswered utterances are `none` or low-confidence questions, not answers to the line', async (t) => {
  const turn = (transcript: string, intent?: string, confidence?: number) => ({
    at: '2026-11-23T02:00:00Z',
    transcript,
    ...(intent ? { intent } : {}),
    ...(confidence === undefined ? {} : { confidence }),
    reply: 'ok',
  });
  const record: CallRecord = {
    id: '01',
    startedAt: '2026-11-23T02:00:00Z',
    callerNumber: null,
    outcome: 'resolved',
    turns: [
      turn('do you sell coffee', 'none', 0.2),
      turn('你们有咖啡吗', 'faq:delivery', 0.3),
      turn('do you deliver', 'faq:delivery', 0.9),
      turn('no', 'deny', 0.3),
      turn('Zhang Min'),
    ],
  };
  t.same(
    unansweredUtterances([record]).map((u) => [u.text, u.lang]),
    [
      ['do you sell coffee', 'en'],
      ['你们有咖啡吗', 'zh'],
    ],
  );
});

t.test('suggested FAQ entries are YAML in the callers words with loud TODO answers', async (t) => {
  const groups = groupUnanswered(labelled, {
    faq: [{ id: 'coffee', examples: {}, answer: {} }],
    languages: ['zh', 'en'],
  });
  const coffee = groups.find((g) => g.examples.en?.includes('do you sell coffee'));
  if (!coffee) throw new Error('no coffee group');
  t.equal(coffee.faqId, 'coffee_2', 'the id does not collide with an existing FAQ');
  const [entry] = parse(coffee.suggestedYaml) as [
    { id: string; examples: Record<Lang, string[]>; answer: Record<Lang, string> },
  ];
  t.equal(entry.id, 'coffee_2');
  t.ok(entry.examples.en.includes('can I get a coffee there'));
  t.ok(entry.examples.zh.includes('你们有咖啡吗'));
  t.match(entry.answer, { en: /^TODO/, zh: /^TODO/ });
  t.match(coffee.suggestedYaml, /# TODO: write the answer/);
});
