/** Puts a report together: records of a period → figures, unanswered groups, coaching cards, page and digest. */
import type { ShopProfile } from '../config/shop-schema.js';
import type { CallRecord } from '../records/call-record.js';
import { coachingCards } from './coaching.js';
import { buildDigest, type WeeklyDigest } from './digest.js';
import { type CallRecordSource, collectRecords } from './record-source.js';
import { type ReportContent, renderReportPage } from './report-page.js';
import { computeStats } from './stats.js';
import { groupUnanswered, unansweredUtterances } from './unanswered.js';

/** A finished report. */
export interface Report {
  records: CallRecord[];
  content: ReportContent;
  html: string;
  digest: WeeklyDigest;
}

/** Builds the report of the calls between `from` and `to` from a record source. */
export async function buildReport(
  source: CallRecordSource,
  profile: ShopProfile,
  options: { from: Date; to: Date; deviceId: string; demo?: boolean; generatedAt?: Date },
): Promise<Report> {
  const records = (await collectRecords(source, options.from)).filter(
    (r) => Date.parse(r.startedAt) <= options.to.getTime(),
  );
  const stats = computeStats(records, profile, { from: options.from, to: options.to });
  const unanswered = groupUnanswered(unansweredUtterances(records), profile);
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
