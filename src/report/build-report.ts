/** Puts a report together: records of a period → figures, unanswered groups, coaching cards, page and digest. */
import type { ShopProfile } from '../config/shop-schema.js';
import type { CallRecord } from '../records/call-record.js';
import { coachingCards } from './coaching.js';
import { buildDigest, type WeeklyDigest } from './digest.js';
import { type CallRecordSource, collectRecords } from './record-source.js';
import { type ReportContent, renderReportPage } from './report-page.js';
import { computeStats, type ReportStats } from './stats.js';
import { groupUnanswered, type UnansweredGroup, unansweredUtterances } from './unanswered.js';

/** A finished report. */
export interface Report {
  records: CallRecord[];
  content: ReportContent;
  html: string;
  digest: WeeklyDigest;
}

/** The records of a period with their figures and unanswered groups: what the page and the digest share. */
async function analysePeriod(
  source: CallRecordSource,
  profile: ShopProfile,
  period: { from: Date; to: Date },
): Promise<{ records: CallRecord[]; stats: ReportStats; unanswered: UnansweredGroup[] }> {
  const records = (await collectRecords(source, period.from)).filter(
    (r) => Date.parse(r.startedAt) <= period.to.getTime(),
  );
  const stats = computeStats(records, profile, period);
  const unanswered = groupUnanswered(unansweredUtterances(records), profile);
  return { records, stats, unanswered };
}

/** Builds the report of the calls between `from` and `to` from a record source. */
export async function buildReport(
  source: CallRecordSource,
  profile: ShopProfile,
  options: { from: Date; to: Date; deviceId: string; demo?: boolean; generatedAt?: Date },
): Promise<Report> {
  const { records, stats, unanswered } = await analysePeriod(source, profile, options);
  const content: ReportContent = {
    profile,
    stats,
    unanswered,
    coaching: coachingCards(records),
    generatedAt: options.generatedAt ?? new Date(),
    ...(options.demo ? { demo: true } : {}),
  };
  return {
    records,
    content,
    html: renderReportPage(content),
    digest: buildDigest(stats, unanswered, options.deviceId),
  };
}

/** Builds only the digest of the calls between `from` and `to` (no page: what the box publishes weekly). */
export async function buildPeriodDigest(
  source: CallRecordSource,
  profile: ShopProfile,
  options: { from: Date; to: Date; deviceId: string },
): Promise<WeeklyDigest> {
  const { stats, unanswered } = await analysePeriod(source, profile, options);
  return buildDigest(stats, unanswered, options.deviceId);
}
