/**
 * The weekly digest: a compact JSON summary of a week of calls for the fleet, and the short text message for the
 * owner. Pure functions; `digest-service.ts` builds, publishes and texts it on the weekly schedule.
 */
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import type { EscalationReason, Outcome } from '../records/call-record.js';
import type { ReportStats } from './stats.js';
import type { UnansweredGroup } from './unanswered.js';

/** Sends a text message to a phone number. */
export type SendText = (number: string, text: string) => Promise<void>;

/** The digest payload (schema 1). */
export interface WeeklyDigest {
  schema: 1;
  deviceId: string;
  from: string;
  to: string;
  calls: { total: number; outcomes: Record<Outcome, number>; afterHours: number };
  topIntents: { intent: string; count: number }[];
  unanswered: { question: string; count: number; faqId: string }[];
  escalations: { total: number; reasons: Record<EscalationReason, number> };
  latencyMs: { p50: number | null; p90: number | null };
}

/** The topic suffix of the weekly digest under the box's prefix: `lk/v1/{deviceId}/digest/weekly`. */
export const DIGEST_TOPIC = 'digest/weekly';

// Summaries leave the box: long digit runs (phone, card and order numbers) are masked.
function redact(text: string): string {
  return text.replace(/\d[\d\s-]{4,}\d/g, '…');
}

const TOP = 5;

/** Builds the digest from a period's figures and unanswered groups. */
export function buildDigest(
  stats: ReportStats,
  groups: readonly UnansweredGroup[],
  deviceId: string,
): WeeklyDigest {
  const record = <K extends string>(data: { label: string; value: number }[]) =>
    Object.fromEntries(data.map((d) => [d.label, d.value])) as Record<K, number>;
  const escalations = record<EscalationReason>(stats.escalationReasons);
  return {
    schema: 1,
    deviceId,
    from: stats.from.toISOString(),
    to: stats.to.toISOString(),
    calls: {
      total: stats.total,
      outcomes: record<Outcome>(stats.outcomes),
      afterHours: stats.afterHours.total,
    },
    topIntents: stats.topIntents.slice(0, TOP).map((d) => ({ intent: d.label, count: d.value })),
    unanswered: groups
      .slice(0, TOP)
      .map((g) => ({ question: redact(g.label), count: g.count, faqId: g.faqId })),
    escalations: { total: Object.values(escalations).reduce((a, b) => a + b, 0), reasons: escalations },
    latencyMs: { p50: stats.latency.p50, p90: stats.latency.p90 },
  };
}

/** Longest owner text per language: one SMS segment (GSM-7 for English, UCS-2 for Chinese). */
export const TEXT_LIMIT: Record<Lang, number> = { en: 160, zh: 70 };

const INTENT_NAMES: Record<string, Record<Lang, string>> = {
  hours: { en: 'hours', zh: '营业时间' },
  location: { en: 'location', zh: '地址' },
  booking: { en: 'bookings', zh: '预订' },
  order_status: { en: 'order status', zh: '订单' },
  leave_message: { en: 'messages', zh: '留言' },
  human: { en: 'a person', zh: '找人' },
  complaint: { en: 'complaints', zh: '投诉' },
};

/** A readable name of an intent in a language: built-in names, else the FAQ's first example, else its id. */
export function intentName(intent: string, profile: Pick<ShopProfile, 'faq'>, lang: Lang): string {
  const builtIn = INTENT_NAMES[intent]?.[lang];
  if (builtIn) return builtIn;
  const id = intent.replace(/^faq:/, '');
  return profile.faq.find((f) => f.id === id)?.examples[lang]?.[0] ?? id.replace(/_/g, ' ');
}

function length(text: string): number {
  return [...text].length;
}

function clip(text: string, max: number, ellipsis = '…'): string {
  return length(text) <= max
    ? text
    : `${[...text].slice(0, Math.max(0, max - length(ellipsis))).join('')}${ellipsis}`;
}

/**
 * The owner's text in a language, at most `TEXT_LIMIT[lang]` characters: the most detailed variant that fits.
 * English keeps to plain ASCII so the message stays one 160-character GSM segment.
 */
export function ownerText(digest: WeeklyDigest, profile: Pick<ShopProfile, 'faq'>, lang: Lang): string {
  const { total, afterHours } = digest.calls;
  const escalated = digest.escalations.total;
  const top = digest.topIntents[0];
  const missed = digest.unanswered[0];
  const variants: string[] = [];
  if (lang === 'zh') {
    const head = `本周${total}通电话，${afterHours}通在非营业时间，${escalated}通转给您。`;
    const topPart = top ? `问得最多：${clip(intentName(top.intent, profile, 'zh'), 10)}。` : '';
    const missedPart = missed ? `没答上：“${clip(missed.question, 12)}”${missed.count}次。` : '';
    variants.push(head + topPart + missedPart, head + missedPart, head + topPart, head);
  } else {
    const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);
    const head = `This week: ${total} calls, ${afterHours} after hours, ${escalated} passed to you.`;
    const topName = top ? intentName(top.intent, profile, 'en') : '';
    const topPart = top && ascii(topName) ? ` Most asked: ${clip(topName, 30, '...')}.` : '';
    // An English text can only quote a question asked in English (or it would no longer fit GSM-7).
    const quotable = digest.unanswered.find((u) => ascii(u.question));
    const missedPart = quotable
      ? ` Not answered: "${clip(quotable.question, 40, '...')}" (${quotable.count}x).`
      : missed
        ? ' Some questions went unanswered.'
        : '';
    variants.push(
      `${head}${topPart}${missedPart} Run linekeeper report.`,
      head + topPart + missedPart,
      head + missedPart,
      head,
    );
  }
  return (
    variants.find((v) => length(v) <= TEXT_LIMIT[lang]) ??
    clip(variants[variants.length - 1] ?? '', TEXT_LIMIT[lang], lang === 'en' ? '...' : '…')
  );
}
