import t from 'tap';
import { parse } from 'yaml';
import { loadShopProfile, validateShopProfile } from '../../src/config/load.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import { checkRecord } from '../../src/report/record-source.js';
import { computeStats } from '../../src/report/stats.js';
import { groupUnanswered, unansweredUtterances } from '../../src/report/unanswered.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const end = new Date('2026-11-23T10:00:00Z');
const month = generateDemoCalls(shop.profile, { end });
const stats = computeStats(month, shop.profile, { from: new Date('2026-10-24T10:00:00Z'), to: end });

t.test('the demo month is deterministic and every record is well-formed', async (t) => {
  t.same(generateDemoCalls(shop.profile, { end }), month);
  t.not(JSON.stringify(generateDemoCalls(shop.profile, { end, seed: 7 })), JSON.stringify(month));
  t.ok(month.length > 400 && month.length < 900, `${month.length} calls in 30 days`);
  for (const [i, record] of month.entries()) checkRecord(record, `record ${i}`);
  t.ok(
    month.every((r) => Date.parse(r.startedAt) <= end.getTime()),
    'no call after the end',
  );
  t.equal(new Set(month.map((r) => r.id)).size, month.length, 'ids are unique');
});

t.test('demand follows the day and the week in the shop timezone', async (t) => {
  const at = (h: number) => stats.byHour[h]?.value ?? 0;
  t.ok(at(10) > 5 * at(3), `10:00 (${at(10)}) is far busier than 03:00 (${at(3)})`);
  t.ok(at(16) > at(13), 'the afternoon peak beats lunch');
  t.ok(
    stats.afterHours.share > 0.05 && stats.afterHours.share < 0.4,
    `after hours ${stats.afterHours.share}`,
  );
  const weekday = (iso: string) => new Date(`${iso}T12:00:00+08:00`).getUTCDay();
  const mean = (days: number[]) => {
    const values = stats.byDay.filter((d) => days.includes(weekday(d.label))).map((d) => d.value);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  t.ok(mean([6]) > mean([1, 2]), 'Saturdays are busier than Mondays and Tuesdays');
});

t.test('a realistic mix: every outcome and reason, both languages, FAQs, moods and latencies', async (t) => {
  for (const d of stats.outcomes) t.ok(d.value > 0, `outcome ${d.label}: ${d.value}`);
  for (const d of stats.escalationReasons) t.ok(d.value > 0, `reason ${d.label}: ${d.value}`);
  for (const d of stats.faqTopics) t.ok(d.value > 0, `FAQ ${d.label}: ${d.value}`);
  t.ok(month.some((r) => r.lang === 'en') && month.some((r) => r.lang === 'zh'));
  t.ok(
    month.filter((r) => r.outcome === 'escalated').every((r) => (r.escalation?.brief.length ?? 0) > 5),
    'every escalation has a brief',
  );
  t.ok(
    month.some((r) => (r.emotion?.peak ?? 0) >= 0.7),
    'some callers get upset',
  );
  t.ok(
    stats.latency.p50 !== null && stats.latency.p50 > 400 && stats.latency.p50 < 2000,
    `p50 ${stats.latency.p50}`,
  );
});

t.test(
  'unanswered questions in both languages group into FAQ suggestions that paste into the profile',
  async (t) => {
    const utterances = unansweredUtterances(month);
    t.ok(utterances.some((u) => u.lang === 'en') && utterances.some((u) => u.lang === 'zh'));
    const groups = groupUnanswered(utterances, shop.profile);
    const coffee = groups.find((g) => g.faqId === 'coffee');
    t.ok(coffee?.examples.en?.length && coffee.examples.zh?.length, 'coffee is asked in both languages');
    // Pasting every suggestion under faq: gives a profile that validates (TODO answers and all).
    const faq = groups.flatMap((g) => parse(g.suggestedYaml) as unknown[]);
    const pasted = { ...structuredClone(shop.profile), faq: [...shop.profile.faq, ...faq] };
    const checked = await validateShopProfile(pasted, SHARED_EXAMPLES);
    t.same(checked.issues, []);
  },
);
