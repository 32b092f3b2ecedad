/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, no external asset; a
 * Content-Security-Policy forbids any request, so the page opens offline and never phones home. The page is in
 * English; callers' words appear as they were spoken, marked with their language.
 */
import { DateTime } from 'luxon';
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import type { TurnRecord } from '../records/call-record.js';
import type { CoachingCard } from './coaching.js';
import { intentName } from './digest.js';
import type { Datum, ReportStats } from './stats.js';
import { escapeHtml, horizontalBars, lineChart, sparkline, verticalBars } from './svg-charts.js';
import { looksChinese } from './text-similarity.js';
import type { UnansweredGroup } from './unanswered.js';

/** Everything the page shows. */
export interface ReportContent {
  profile: ShopProfile;
  stats: ReportStats;
  unanswered: UnansweredGroup[];
  coaching: CoachingCard[];
  generatedAt: Date;
  /** Shown in the header when the records are generated (`--demo`). */
  demo?: boolean;
}

/** The `data-chart` ids of the page's charts and the figures each one draws. */
export const CHART_DATA: Record<string, (stats: ReportStats) => Datum[]> = {
  'calls-by-hour': (s) => s.byHour,
  'calls-by-day': (s) => s.byDay,
  outcomes: (s) => s.outcomes,
  'top-intents': (s) => s.topIntents,
  'faq-topics': (s) => s.faqTopics,
  'after-hours': (s) => s.afterHours.byHour,
  mood: (s) => s.mood,
  'escalation-reasons': (s) => s.escalationReasons,
  latency: (s) => s.latency.bins,
};

const HTML_LANG: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };

/** Callers' (or the line's) words as spoken, marked with their language; guessed from the script when unknown. */
function spoken(text: string, lang: Lang | undefined): string {
  const language = lang ?? (looksChinese(text) ? 'zh' : 'en');
  return `<span lang="${HTML_LANG[language]}">${escapeHtml(text)}</span>`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;
}

/** One chart: the figures `CHART_DATA` names for `id`, drawn by `draw`. */
function figure(
  stats: ReportStats,
  id: keyof typeof CHART_DATA,
  title: string,
  note: string,
  draw: (data: Datum[]) => string,
): string {
  const data = CHART_DATA[id]?.(stats) ?? [];
  return `<figure class="chart" data-chart="${id}"><figcaption><h3>${escapeHtml(title)}</h3><p>${escapeHtml(note)}</p></figcaption>${draw(data)}</figure>`;
}

function tile(value: string, label: string): string {
  return `<div class="tile"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

function charts(content: ReportContent): string {
  const { stats, profile } = content;
  const value = (data: Datum[], label: string) => data.find((d) => d.label === label)?.value ?? 0;
  const days = stats.byDay.length;
  const dayTick = (label: string) => label.slice(5);
  const handled = ['resolved', 'message', 'booking'].reduce((sum, o) => sum + value(stats.outcomes, o), 0);
  const latency =
    stats.latency.p50 === null
      ? 'No turn latencies recorded.'
      : `Median ${stats.latency.p50} ms, 90th percentile ${stats.latency.p90} ms over ${stats.latency.turns} turns.`;
  return [
    figure(stats, 'calls-by-hour', 'Calls by hour of day', `Local time (${stats.timezone}).`, (data) =>
      verticalBars(data, { tickEvery: 3 }),
    ),
    figure(
      stats,
      'calls-by-day',
      'Calls by day',
      `${stats.total} calls over ${days} day${days === 1 ? '' : 's'}.`,
      (data) => verticalBars(data, { tickEvery: Math.max(1, Math.ceil(days / 8)), tickLabel: dayTick }),
    ),
    figure(
      stats,
      'outcomes',
      'How calls ended',
      `The line handled ${percent(handled, stats.total)} itself (answered, message or booking).`,
      (data) => horizontalBars(data),
    ),
    figure(
      stats,
      'top-intents',
      'What callers wanted',
      'Calls per topic; a call asking two things counts for both.',
      (data) =>
        horizontalBars(data, {
          labelOf: (i) =>
            i.startsWith('faq:') ? `FAQ: ${i.slice(4).replace(/_/g, ' ')}` : intentName(i, profile, 'en'),
        }),
    ),
    figure(stats, 'faq-topics', 'FAQ topics', 'Calls that asked each question of the profile.', (data) =>
      horizontalBars(data, { labelOf: (id) => id.replace(/_/g, ' ') }),
    ),
    figure(
      stats,
      'after-hours',
      'After-hours demand',
      `${stats.afterHours.total} calls (${percent(stats.afterHours.total, stats.total)}) came while the shop was closed, by hour.`,
      (data) => verticalBars(data, { tickEvery: 3 }),
    ),
    figure(
      stats,
      'mood',
      'Caller mood over time',
      'Average peak frustration of the day’s calls (0 calm, 1 very upset).',
      (data) =>
        lineChart(data, {
          yMax: 1,
          low: 'calm',
          high: 'upset',
          tickEvery: Math.max(1, Math.ceil(stats.mood.length / 8)),
          tickLabel: dayTick,
        }),
    ),
    figure(
      stats,
      'escalation-reasons',
      'Why calls went to a person',
      `${value(stats.outcomes, 'escalated')} escalated calls.`,
      (data) => horizontalBars(data, { labelOf: (l) => l.replace(/_/g, ' ') }),
    ),
    figure(stats, 'latency', 'Turn latency', latency, (data) => verticalBars(data, { unit: ' turns' })),
  ].join('\n');
}

function examplesList(group: UnansweredGroup): string {
  return Object.entries(group.examples)
    .map(
      ([lang, list]) =>
        `<ul class="examples">${(list ?? [])
          .slice(0, 4)
          .map((text) => `<li>${spoken(text, lang as Lang)}</li>`)
          .join('')}</ul>`,
    )
    .join('');
}

function unansweredSection(groups: readonly UnansweredGroup[]): string {
  if (groups.length === 0) return '<p>The line answered every question in this period.</p>';
  const cards = groups
    .map(
      (g) =>
        `<article class="card unanswered" data-group="${escapeHtml(g.faqId)}" data-count="${g.count}"><h3>${spoken(g.label, undefined)} <small>${g.count}×</small></h3>${examplesList(g)}<details><summary>Suggested FAQ entry</summary><pre>${escapeHtml(g.suggestedYaml)}</pre></details></article>`,
    )
    .join('\n');
  const all = groups.map((g) => g.suggestedYaml).join('');
  return `<p>What callers asked that the line could not answer, grouped by meaning. Each group comes with a FAQ entry in the callers' own words: paste it under <code>faq:</code> in the shop profile and replace every <code>TODO</code> with your answer.</p><div class="cards">${cards}</div><details class="all-yaml"><summary>All suggestions as one block</summary><pre>faq:\n${escapeHtml(all)}</pre></details>`;
}

function transcript(turns: readonly TurnRecord[]): string {
  return `<ol class="transcript">${turns
    .map((turn) => {
      const caller = turn.transcript
        ? spoken(turn.transcript, turn.lang)
        : turn.dtmf
          ? `<i>pressed ${escapeHtml(turn.dtmf)}</i>`
          : '<i>(silence)</i>';
      const intent = turn.intent ? ` <small class="intent">${escapeHtml(turn.intent)}</small>` : '';
      return `<li><p class="caller">Caller: ${caller}${intent}</p><p class="line">Line: ${spoken(turn.reply, turn.lang)}</p></li>`;
    })
    .join('')}</ol>`;
}

function coachingSection(cards: readonly CoachingCard[], zone: string): string {
  if (cards.length === 0) return '<p>No call went to a person in this period.</p>';
  return `<div class="cards">${cards
    .map((card) => {
      const when = DateTime.fromISO(card.startedAt, { zone }).toFormat('ccc d LLL HH:mm');
      const e = card.escalation;
      return `<article class="card coaching" data-call="${escapeHtml(card.callId)}" data-reason="${e.reason}"><h3>${escapeHtml(when)} · ${escapeHtml(e.reason.replace(/_/g, ' '))}${e.priority === 'high' ? ' <span class="high">high priority</span>' : ''}</h3><p class="brief">${spoken(e.brief, undefined)}</p><div class="mood"><span>Mood</span>${sparkline(card.mood)}</div><details><summary>Transcript (${card.turns.length} turns)</summary>${transcript(card.turns)}</details><p class="said"><b>The line said:</b> ${spoken(card.lineSaid, card.turns[card.turns.length - 1]?.lang)} <small>(${e.action === 'transferred' ? 'transferred to the owner' : 'callback request left'})</small></p><h4>What would have helped</h4><ul class="helped">${card.helped
        .map((a) => `<li data-rule="${a.rule}">${escapeHtml(a.text)}</li>`)
        .join('')}</ul></article>`;
    })
    .join('\n')}</div>`;
}

const STYLE = `
:root{--ink:#1d2733;--muted:#5b6877;--bar:#2f6fb3;--accent:#c2572b;--bg:#f6f7f9;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--ink);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:12px 16px}
header h1{margin:8px 0 2px;font-size:1.5rem}
header p{margin:0;color:var(--muted)}
h2{margin:28px 0 8px;font-size:1.25rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin-top:12px}
.tile{background:var(--card);border-radius:10px;padding:10px 12px;box-shadow:0 1px 2px #0001}
.tile b{display:block;font-size:1.5rem}.tile span{color:var(--muted);font-size:.85rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:14px}
figure.chart{margin:0;background:var(--card);border-radius:10px;padding:10px 12px;box-shadow:0 1px 2px #0001}
figcaption h3{margin:0;font-size:1rem}figcaption p{margin:2px 0 6px;color:var(--muted);font-size:.85rem}
svg{width:100%;height:auto;display:block}
svg .mark{fill:var(--bar)}svg circle.mark{fill:var(--accent)}
svg .grid{stroke:#d5dae0;stroke-width:1}svg .line{fill:none;stroke:var(--accent);stroke-width:2}
svg text{font-size:13px;fill:var(--muted)}svg text.label{fill:var(--ink)}svg text.value{fill:var(--ink);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,340px),1fr));gap:12px}
.card{background:var(--card);border-radius:10px;padding:10px 14px;box-shadow:0 1px 2px #0001;overflow-wrap:anywhere}
.card h3{margin:4px 0;font-size:1rem}.card h4{margin:10px 0 4px;font-size:.95rem}
.examples{margin:4px 0;padding-left:18px}
pre{background:#f0f2f5;padding:8px;border-radius:6px;overflow-x:auto;font-size:.8rem}
.transcript{padding-left:18px}.transcript p{margin:2px 0}.transcript .line{color:var(--muted)}
.intent{color:var(--muted);font-family:monospace}
.mood{display:flex;align-items:center;gap:8px}.mood span{color:var(--muted);font-size:.85rem}.spark{width:160px}
.high{color:#fff;background:var(--accent);border-radius:4px;padding:0 5px;font-size:.75rem}
.helped li{margin:3px 0}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:20px}
`;

/** Renders the whole report page. */
export function renderReportPage(content: ReportContent): string {
  const { profile, stats } = content;
  const zone = profile.timezone;
  const name = profile.name.en ?? profile.name.zh ?? 'Shop';
  const localDate = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('d LLL yyyy');
  const escalated = stats.outcomes.find((d) => d.label === 'escalated')?.value ?? 0;
  const unansweredCount = content.unanswered.reduce((sum, g) => sum + g.count, 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(`${name}: calls ${localDate(stats.from)} – ${localDate(stats.to)}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(name)}${profile.name.zh && profile.name.en ? ` <span lang="zh-CN">${escapeHtml(profile.name.zh)}</span>` : ''}</h1>
<p>Calls from ${escapeHtml(localDate(stats.from))} to ${escapeHtml(localDate(stats.to))} (${escapeHtml(zone)})${content.demo ? ' · demo data, generated' : ''}</p>
<div class="tiles">
${tile(String(stats.total), 'calls')}
${tile(String(stats.afterHours.total), 'while closed')}
${tile(String(escalated), 'passed to a person')}
${tile(String(unansweredCount), 'unanswered questions')}
${tile(stats.latency.p90 === null ? '–' : `${(stats.latency.p90 / 1000).toFixed(1)} s`, 'reply time, 90th pct')}
</div>
</header>
<main>
<h2>Calls</h2>
<div class="charts">
${charts(content)}
</div>
<h2 id="unanswered">Unanswered questions</h2>
${unansweredSection(content.unanswered)}
<h2 id="coaching">Coaching: calls that went to a person</h2>
${coachingSection(content.coaching, zone)}
</main>
<footer>Made by linekeeper report on ${escapeHtml(DateTime.fromJSDate(content.generatedAt, { zone }).toFormat('d LLL yyyy HH:mm'))}. This page works offline and loads nothing from the internet.</footer>
</body>
</html>
`;
}
