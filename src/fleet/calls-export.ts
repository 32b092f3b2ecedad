/**
 * The fleet's `calls.export` command: the box's call records redacted exactly as sync redacts them (caller number
 * hashed unless the fleet allows it; phone, card, ID numbers and e-mail addresses in free text masked; no
 * recording path), oldest first, bounded in count and bytes so one answer stays a modest MQTT message. A longer
 * range comes page by page: ask again with `since` set to the `next` of the previous answer.
 */
import { ErrorCode, LinekeeperError } from '../errors.js';
import { type CallerPolicy, redactRecord } from '../privacy/redact.js';
import { parseQueryDate, type RecordQuery, type RecordStore } from '../store/record-store.js';

/** How much one answer may hold. */
export interface ExportLimits {
  /** Records when the command names no `limit`. */
  defaultRecords: number;
  /** The largest `limit` accepted. */
  maxRecords: number;
  /** Bytes of record JSON in one answer (at least one record is always sent, so paging moves on). */
  maxBytes: number;
}

/** 100 records by default, at most 500, at most 256 KiB of records per answer. */
export const EXPORT_LIMITS: ExportLimits = { defaultRecords: 100, maxRecords: 500, maxBytes: 256 * 1024 };

/** One exported record. */
export type ExportedCall = ReturnType<typeof redactRecord>;

/** The answer to `calls.export`. */
export interface CallsExport {
  records: ExportedCall[];
  /** True when more records matched than this answer holds. */
  truncated: boolean;
  /** `since` for the next page (the start time of the first record left out), or null when none was. */
  next: string | null;
}

const ARGS = ['since', 'until', 'limit'];

function parseArgs(
  args: Record<string, unknown>,
  limits: ExportLimits,
): { query: RecordQuery; limit: number } {
  const unknown = Object.keys(args).filter((key) => !ARGS.includes(key));
  if (unknown.length > 0) {
    throw new LinekeeperError(
      ErrorCode.Config_Invalid,
      `calls.export takes ${ARGS.join(', ')}; not ${unknown.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const query: RecordQuery = {};
  const since = parseQueryDate(args.since === undefined ? undefined : String(args.since), 'since');
  const until = parseQueryDate(args.until === undefined ? undefined : String(args.until), 'until');
  if (since) query.since = since;
  if (until) query.until = until;
  const limit = args.limit === undefined ? limits.defaultRecords : Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxRecords) {
    throw new LinekeeperError(
      ErrorCode.Config_Invalid,
      `limit must be a whole number from 1 to ${limits.maxRecords}, got ${JSON.stringify(args.limit)}`,
    );
  }
  return { query, limit };
}

/** Redacted records for `args` (`since`, `until`: dates or date-times; `limit`: how many). */
export async function exportCalls(
  source: { store: Pick<RecordStore, 'records'>; policy: CallerPolicy },
  args: Record<string, unknown>,
  limits: ExportLimits = EXPORT_LIMITS,
): Promise<CallsExport> {
  const { query, limit } = parseArgs(args, limits);
  const records: ExportedCall[] = [];
  let bytes = 0;
  for await (const { record } of source.store.records(query)) {
    const redacted = redactRecord(record, source.policy);
    const size = Buffer.byteLength(JSON.stringify(redacted));
    if (records.length >= limit || (records.length > 0 && bytes + size > limits.maxBytes))
      return { records, truncated: true, next: record.startedAt };
    records.push(redacted);
    bytes += size;
  }
  return { records, truncated: false, next: null };
}
