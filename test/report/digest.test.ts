import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parse } from 'yaml';
import { loadShopProfile, validateShopProfile } from '../../src/config/load.js';
import { buildReport } from '../../src/report/build-report.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import { ownerText, TEXT_LIMIT, type WeeklyDigest } from '../../src/report/digest.js';
import { arraySource } from '../../src/report/record-source.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const end = new Date('2026-11-23T10:00:00Z');
const week = new Date('2026-11-16T10:00:00Z');
const report = await buildReport(arraySource(generateDemoCalls(shop.profile, { end })), shop.profile, {
  from: week,
  to: end,
  deviceId: 'shop-0042',
});

t.test(
  'the profile section is optional and defaults to no text; the canonical profile is unchanged',
  async (t) => {
    t.same(shop.profile.reports, { weekly_text: false });
    const text = await readFile(`${SHARED_EXAMPLES}shop-bakery.yaml`, 'utf8');
    const withText = parse(`${text}\nreports:\n  weekly_text: true\n`);
    const checked = await validateShopProfile(withText, SHARED_EXAMPLES);
    t.same(checked.issues, []);
    t.same(checked.profile.reports, { weekly_text: true });
    const wrong = await validateShopProfile(
      parse(`${text}\nreports:\n  weekly_txt: true\n`),
      SHARED_EXAMPLES,
    );
    t.match(wrong.issues, [{ path: 'reports.weekly_txt', message: /not a known field/ }]);
  },
);

t.test('the digest counts the week', async (t) => {
  const d = report.digest;
  t.equal(d.schema, 1);
  t.equal(d.calls.total, report.records.length);
  t.equal(
    Object.values(d.calls.outcomes).reduce((a, b) => a + b, 0),
    d.calls.total,
  );
  t.equal(d.escalations.total, d.calls.outcomes.escalated);
  t.ok(d.topIntents.length > 0 && d.topIntents.length <= 5);
  t.ok(d.unanswered.length > 0 && d.unanswered.length <= 5);
  t.equal(d.unanswered[0]?.count, report.content.unanswered[0]?.count);
  t.ok(JSON.stringify(d).length < 2000, 'compact');
});

t.test('owner texts fit one message in each language', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const text = ownerText(report.digest, shop.profile, lang);
    t.comment(`${lang} (${[...text].length} chars): ${text}`);
    t.ok([...text].length <= TEXT_LIMIT[lang], `${lang} within ${TEXT_LIMIT[lang]}`);
    t.match(text, String(report.digest.calls.total));
  }
  t.match(ownerText(report.digest, shop.profile, 'en'), /^[\x20-\x7e]*$/, 'English stays GSM-7 (ASCII)');
  const huge: WeeklyDigest = {
    ...report.digest,
    calls: { ...report.digest.calls, total: 123456789, afterHours: 987654321 },
    unanswered: [{ question: 'x'.repeat(500), count: 99999, faqId: 'x' }],
  };
  for (const lang of ['en', 'zh'] as const)
    t.ok(
      [...ownerText(huge, shop.profile, lang)].length <= TEXT_LIMIT[lang],
      `${lang} long figures still fit`,
    );
});
