/**
 * Opens the report in headless Chromium (Debian's, never a downloaded one): every chart has drawn marks that match
 * the data, the page fits a phone, and it makes no request to any other host.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import { CHART_DATA } from '../../src/report/report-page.js';
import { computeStats, parseSince, type ReportStats } from '../../src/report/stats.js';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const { profile } = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const dir = await mkdtemp(join(tmpdir(), 'lk-report-page-'));

async function openBrowser(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(
    join(dir, `profile-${Math.random().toString(36).slice(2)}`),
    {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 390, height: 844 },
    },
  );
  return context;
}
const browser = await openBrowser();
t.teardown(async () => {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a file in a new page, recording the URL of every request the page makes. */
async function open(file: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests };
}

interface Mark {
  label: string;
  value: number;
  tag: string;
  width: number;
  height: number;
  cy: number;
}

async function marksOf(page: Page, selector: string): Promise<Mark[]> {
  return page.$$eval(`${selector} .mark`, (elements) =>
    elements.map((e) => {
      const box = e.getBoundingClientRect();
      return {
        label: e.getAttribute('data-label') ?? '',
        value: Number(e.getAttribute('data-value')),
        tag: e.tagName.toLowerCase(),
        width: box.width,
        height: box.height,
        cy: Number(e.getAttribute('cy') ?? Number.NaN),
      };
    }),
  );
}

/** Checks that a chart's marks carry the data and are drawn to scale. */
async function checkCharts(
  t: Pick<typeof import('tap').default, 'ok' | 'same'>,
  page: Page,
  stats: ReportStats,
): Promise<void> {
  for (const [id, dataOf] of Object.entries(CHART_DATA)) {
    const data = dataOf(stats);
    const marks = await marksOf(page, `figure[data-chart="${id}"]`);
    t.same(
      marks.map((m) => [m.label, m.value]),
      data.map((d) => [d.label, d.value]),
      `${id}: one mark per datum with its label and value`,
    );
    const horizontal = ['outcomes', 'top-intents', 'faq-topics', 'escalation-reasons'].includes(id);
    if (marks[0]?.tag === 'circle') {
      // Points on a line: the height (cy) is a linear function of the value, higher values higher up.
      const low = marks.reduce((a, b) => (b.value < a.value ? b : a), marks[0]);
      const high = marks.reduce((a, b) => (b.value > a.value ? b : a), marks[0]);
      if (high.value > low.value) t.ok(high.cy < low.cy, `${id}: higher values are drawn higher`);
      for (const m of marks) {
        const expected =
          high.value === low.value
            ? low.cy
            : low.cy + ((m.value - low.value) / (high.value - low.value)) * (high.cy - low.cy);
        t.ok(Math.abs(m.cy - expected) < 0.6, `${id} ${m.label}: ${m.value} drawn to scale`);
      }
      continue;
    }
    const size = (m: Mark) => (horizontal ? m.width : m.height);
    const max = Math.max(...marks.map((m) => m.value));
    const biggest = marks.find((m) => m.value === max);
    for (const m of marks) {
      if (m.value === 0) t.ok(size(m) < 0.5, `${id} ${m.label}: zero draws nothing`);
      else if (biggest && max > 0)
        t.ok(
          Math.abs(size(m) / size(biggest) - m.value / max) < 0.02,
          `${id} ${m.label}: ${m.value} drawn to scale`,
        );
    }
    if (max > 0) t.ok(biggest && size(biggest) > 10, `${id}: the largest mark is visible`);
  }
}

t.test('the demo report: charts match the data, phone-sized, no request to any other host', async (t) => {
  const now = '2026-11-23T18:00:00+08:00';
  const out = join(dir, 'demo.html');
  const run = await runCli(['report', '--demo', '--now', now, '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /wrote .*demo\.html: \d+ calls, \d+ unanswered question groups, \d+ review cards/);

  const end = new Date(now);
  const from = parseSince('30d', end) ?? end;
  const records = generateDemoCalls(profile, { end }).filter(
    (r) => Date.parse(r.startedAt) >= from.getTime(),
  );
  const stats = computeStats(records, profile, { from, to: end });

  const { page, requests } = await open(out);

  t.equal(
    await page.locator('figure.chart').count(),
    Object.keys(CHART_DATA).length,
    'every chart is on the page',
  );
  await checkCharts(t, page, stats);

  const escalated = records.filter((r) => r.outcome === 'escalated');
  t.equal(
    await page.locator('article.coaching').count(),
    escalated.length,
    'a review card per escalated call',
  );
  const firstCard = page.locator('article.coaching').first();
  const newest = escalated[escalated.length - 1] as CallRecord;
  t.equal(await firstCard.getAttribute('data-call'), newest.id, 'newest first');
  t.same(
    (await marksOf(page, `article.coaching[data-call="${newest.id}"]`)).map((m) => m.value),
    newest.emotion?.perTurn,
    'the mood curve has a point per turn',
  );
  t.ok((await page.locator('article.unanswered').count()) > 3, 'unanswered question groups');
  t.match(await page.locator('article.unanswered pre').first().textContent(), /answer: {4}# TODO/);
  t.ok(
    (await page.locator('article.unanswered [lang="zh-CN"]').count()) > 0,
    'Chinese callers words are shown as spoken',
  );

  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  t.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
  t.equal(
    await page.locator('meta[name="viewport"]').getAttribute('content'),
    'width=device-width, initial-scale=1',
  );

  const screenshot = join(dir, 'report-phone.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.ok((await stat(screenshot)).size > 50_000, 'screenshot saved');
  t.comment(`screenshot: ${screenshot}`);

  t.ok(requests.length > 0, 'requests were recorded');
  t.same(
    requests.filter((url) => !url.startsWith('file://') && !url.startsWith('data:')),
    [],
    'no request left the file',
  );
});

t.test('a records export: callers words are escaped, not run; still no request', async (t) => {
  const hostile = '<img src="http://example.com/x.png"> do you sell coffee';
  const base = { callerNumber: '+8613912345678', lang: 'en' as const };
  const records: CallRecord[] = [
    {
      ...base,
      id: 'h1',
      startedAt: '2026-11-23T02:00:00Z',
      outcome: 'escalated',
      turns: [
        { at: '2026-11-23T02:00:05Z', transcript: hostile, intent: 'none', confidence: 0.1, reply: 'Sorry?' },
        {
          at: '2026-11-23T02:00:15Z',
          transcript: 'manager',
          intent: 'human',
          confidence: 0.9,
          reply: 'One moment.',
        },
      ],
      escalation: {
        reason: 'keyword',
        brief: '<b>Caller</b> wants coffee',
        priority: 'normal',
        action: 'transferred',
      },
    },
    {
      ...base,
      id: 'h2',
      startedAt: '2026-11-23T03:00:00Z',
      outcome: 'resolved',
      turns: [
        {
          at: '2026-11-23T03:00:05Z',
          transcript: '你们几点关门',
          intent: 'hours',
          lang: 'zh',
          reply: '七点',
        },
      ],
    },
  ];
  const file = join(dir, 'calls.jsonl');
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'));
  const out = join(dir, 'export.html');
  const digest = join(dir, 'digest.json');
  const run = await runCli([
    'report',
    '--records',
    file,
    '--shop',
    `${SHARED_EXAMPLES}shop-bakery.yaml`,
    '--since',
    '2026-11-22',
    '--now',
    '2026-11-23T12:00:00Z',
    '--out',
    out,
    '--digest',
    digest,
  ]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /2 calls, 1 unanswered question groups, 1 review cards/);
  t.match(JSON.parse(await readFile(digest, 'utf8')), { schema: 1, calls: { total: 2 } });

  const { page, requests } = await open(out);
  t.equal(await page.locator('img').count(), 0, 'the transcript did not become an image');
  t.match(await page.locator('article.unanswered h3').textContent(), hostile);
  t.match(await page.locator('article.coaching .brief').textContent(), '<b>Caller</b> wants coffee');
  await checkCharts(
    t,
    page,
    computeStats(records, profile, { from: new Date('2026-11-22'), to: new Date('2026-11-23T12:00:00Z') }),
  );
  t.same(
    requests.filter((url) => !url.startsWith('file://')),
    [],
    'no request left the file',
  );
});

t.test('report without records or with a broken export says what is wrong', async (t) => {
  const broken = join(dir, 'broken.jsonl');
  await writeFile(broken, '{"id": 1}\n');
  const shop = `${SHARED_EXAMPLES}shop-bakery.yaml`;
  const [none, bad, since] = await Promise.all([
    runCli(['report', '--shop', shop, '--out', join(dir, 'x.html')]),
    runCli(['report', '--records', broken, '--shop', shop, '--out', join(dir, 'x.html')]),
    runCli(['report', '--demo', '--since', 'lately']),
  ]);
  t.equal(none.code, 1);
  t.match(none.stderr, /no call records: pass --records FILE/);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /broken\.jsonl:1: "id" must be a string \(E0500\)/);
  t.match(since.stderr, /--since "lately" is not a span/);
});
