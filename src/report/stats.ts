/** The numbers behind the report's charts, computed from call records in the shop's own timezone. */
import { DateTime } from 'luxon';
import type { ShopProfile } from '../config/shop-schema.js';
import type { CallRecord, EscalationReason, Outcome } from '../records/call-record.js';
import { openingStatus } from '../shop/hours.js';

/** One labelled value of a chart. */
export interface Datum {
  label: string;
  value: number;
}

/** Every figure the report page draws. */
export interface ReportStats {
  /** Start and end of the period. */
  from: Date;
  to: Date;
  timezone: string;
  total: number;
  /** Calls per local hour of day, 24 entries labelled `00` … `23`. */
  byHour: Datum[];
  /** Calls per local day of the period, labelled `YYYY-MM-DD`. */
  byDay: Datum[];
  /** Calls per outcome, in the fixed order resolved, message, booking, escalated, abandoned. */
  outcomes: Datum[];
  /** Calls per intent (each intent counted once per call), most frequent first, small talk left out. */
  topIntents: Datum[];
  /** Calls per FAQ topic of the profile (zero for topics nobody asked), most frequent first. */
  faqTopics: Datum[];
  /** Calls while the shop was closed, by local hour, with their share of all calls. */
  afterHours: { total: number; share: number; byHour: Datum[] };
  /** Mean peak frustration (0 calm … 1 very upset) of the calls of each local day that had calls. */
  mood: Datum[];
  /** Escalated calls per reason, in the fixed order of `ESCALATION_REASONS`. */
  escalationReasons: Datum[];
  /** Turn latency (caller's end of speech to first reply audio): histogram and quantiles, ms. */
  latency: { bins: Datum[]; p50: number | null; p90: number | null; turns: number };
}

/** Outcomes in the order the report shows them. */
export const OUTCOMES: readonly Outcome[] = ['resolved', 'message', 'booking', 'escalated', 'abandoned'];
/** Escalation reasons in the order the report shows them. */
export const ESCALATION_REASONS: readonly EscalationReason[] = [
  'requested',
  'emotion',
  'not_understood',
  'keyword',
  'complaint',
];
// Conversation glue, not something a caller calls about: it would crowd out the real topics.
const SMALL_TALK = new Set(['affirm', 'deny', 'thanks', 'goodbye', 'repeat', 'none']);
/** Upper bounds (ms, exclusive) of the latency histogram bins; the last bin is open. */
export const LATENCY_BOUNDS = [500, 1000, 1500, 2000, 3000];

/** The peak frustration of a call: the recorded peak, else the highest per-turn value, else 0. */
export function peakFrustration(record: CallRecord): number {
  if (record.emotion) return record.emotion.peak;
  return Math.max(0, ...record.turns.map((t) => t.frustration ?? 0));
}

/** The frustration curve of a call, one value per turn. */
export function moodCurve(record: CallRecord): number[] {
  if (record.emotion && record.emotion.perTurn.length > 0) return record.emotion.perTurn;
  return record.turns.map((t) => t.frustration ?? 0);
}

/** The q-quantile (0..1) of sorted numbers by nearest rank, null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? null;
}

function countBy(keys: readonly string[], values: Iterable<string>): Map<string, number> {
  const counts = new Map(keys.map((k) => [k, 0]));
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function toData(counts: Map<string, number>): Datum[] {
  return [...counts].map(([label, value]) => ({ label, value }));
}

function byValueDesc(a: Datum, b: Datum): number {
  return b.value - a.value || a.label.localeCompare(b.label);
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/** Computes the report's figures for the records of a period. */
export function computeStats(
  records: readonly CallRecord[],
  profile: ShopProfile,
  period: { from: Date; to: Date },
  options: { topIntents?: number } = {},
): ReportStats {
  const zone = profile.timezone;
  const local = records.map((r) => DateTime.fromISO(r.startedAt, { zone }));
  const days: string[] = [];
  const lastDay = DateTime.fromJSDate(period.to, { zone }).startOf('day');
  for (let day = DateTime.fromJSDate(period.from, { zone }).startOf('day'); day <= lastDay; ) {
    days.push(day.toISODate() ?? '');
    day = day.plus({ days: 1 });
  }
  const closed = records.map((r) => !openingStatus(profile, new Date(r.startedAt)).open);
  const intentsPerCall = records.map((r) => new Set(r.turns.flatMap((t) => (t.intent ? [t.intent] : []))));
  const faqIds = profile.faq.map((f) => f.id);

  const moodByDay = new Map<string, number[]>();
  records.forEach((record, i) => {
    const day = local[i]?.toISODate() ?? '';
    moodByDay.set(day, [...(moodByDay.get(day) ?? []), peakFrustration(record)]);
  });

  const latencies = records
    .flatMap((r) => r.turns.map((t) => t.latency?.total))
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  const binLabels = [
    ...LATENCY_BOUNDS.map(
      (upper, i) => `${i === 0 ? 0 : (LATENCY_BOUNDS[i - 1] ?? 0) / 1000}–${upper / 1000} s`,
    ),
    `≥ ${(LATENCY_BOUNDS[LATENCY_BOUNDS.length - 1] ?? 0) / 1000} s`,
  ];
  const binOf = (ms: number) => {
    const index = LATENCY_BOUNDS.findIndex((upper) => ms < upper);
    return binLabels[index === -1 ? LATENCY_BOUNDS.length : index] ?? '';
  };

  const afterHoursHours = local.filter((_, i) => closed[i]).map((d) => HOURS[d.hour] ?? '');
  const afterHoursTotal = afterHoursHours.length;
  return {
    from: period.from,
    to: period.to,
    timezone: zone,
    total: records.length,
    byHour: toData(
      countBy(
        HOURS,
        local.map((d) => HOURS[d.hour] ?? ''),
      ),
    ),
    byDay: toData(
      countBy(
        days,
        local.map((d) => d.toISODate() ?? ''),
      ),
    ),
    outcomes: toData(
      countBy(
        OUTCOMES,
        records.map((r) => r.outcome),
      ),
    ),
    topIntents: toData(
      countBy(
        [],
        intentsPerCall.flatMap((set) => [...set].filter((i) => !SMALL_TALK.has(i))),
      ),
    )
      .sort(byValueDesc)
      .slice(0, options.topIntents ?? 10),
    faqTopics: toData(
      countBy(
        faqIds,
        intentsPerCall.flatMap((set) =>
          [...set].filter((i) => i.startsWith('faq:')).map((i) => i.slice('faq:'.length)),
        ),
      ),
    ).sort(byValueDesc),
    afterHours: {
      total: afterHoursTotal,
      share: records.length === 0 ? 0 : afterHoursTotal / records.length,
      byHour: toData(countBy(HOURS, afterHoursHours)),
    },
    mood: days
      .filter((day) => moodByDay.has(day))
      .map((day) => {
        const peaks = moodByDay.get(day) ?? [];
        return { label: day, value: round2(peaks.reduce((a, b) => a + b, 0) / peaks.length) };
      }),
    escalationReasons: toData(
      countBy(
        ESCALATION_REASONS,
        records.flatMap((r) => (r.outcome === 'escalated' && r.escalation ? [r.escalation.reason] : [])),
      ),
    ),
    latency: {
      bins: toData(countBy(binLabels, latencies.map(binOf))),
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      turns: latencies.length,
    },
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The start of a report period from `--since`: a span back from `now` (`7d`, `24h`, `2w`) or an ISO date.
 * Returns null when the text is neither.
 */
export function parseSince(text: string, now: Date): Date | null {
  const span = /^(\d+)\s*([hdw])$/i.exec(text.trim());
  if (span) {
    const hours = { h: 1, d: 24, w: 24 * 7 }[(span[2] ?? 'd').toLowerCase() as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(span[1]) * hours * 3_600_000);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}
