/**
 * Where reports read call records from. The report only needs "the records since a moment", so the store, an
 * export file or a generated demo month all plug in behind one small interface.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, LinekeeperError } from '../errors.js';
import type { CallRecord } from '../records/call-record.js';
import type { RecordStore } from '../store/record-store.js';

/** A source of call records for reports. */
export interface CallRecordSource {
  /** The records of calls that started at or after `since`, in any order. */
  list(since: Date): AsyncIterable<CallRecord>;
}

/** A source over records already in memory (the demo month, tests). */
export function arraySource(records: readonly CallRecord[]): CallRecordSource {
  return {
    async *list(since: Date) {
      for (const record of records) if (Date.parse(record.startedAt) >= since.getTime()) yield record;
    },
  };
}

/**
 * A source over an export file: JSON lines of CallRecords (what `linekeeper calls export` writes) or one JSON
 * array. A line that is not a call record is an error naming the file and line, never silently skipped, so a
 * report never quietly undercounts.
 */
export function exportFileSource(file: string): CallRecordSource {
  return {
    async *list(since: Date) {
      for (const record of await readExportFile(file)) {
        if (Date.parse(record.startedAt) >= since.getTime()) yield record;
      }
    },
  };
}

/** Reads and checks every record of an export file (JSON lines or a JSON array). */
export async function readExportFile(file: string): Promise<CallRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new LinekeeperError(
      ErrorCode.Store_Io,
      `cannot read the call records ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (text.trimStart().startsWith('[')) {
    const parsed = parseJson(text, `${file}`);
    if (!Array.isArray(parsed)) throw badRecords(`${file}: expected a JSON array of call records`);
    return parsed.map((value, index) => checkRecord(value, `${file} [${index}]`));
  }
  const records: CallRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    records.push(checkRecord(parseJson(line, where), where));
  });
  return records;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw badRecords(`${where}: not JSON (${(cause as Error).message})`);
  }
}

function badRecords(message: string): LinekeeperError {
  return new LinekeeperError(ErrorCode.Store_Corrupt, message);
}

const OUTCOMES = new Set(['resolved', 'message', 'booking', 'escalated', 'abandoned']);

/** Checks the fields reports rely on, naming the first one that is wrong. */
export function checkRecord(value: unknown, where: string): CallRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRecords(`${where}: expected a call record object, got ${JSON.stringify(value)?.slice(0, 40)}`);
  const record = value as Partial<CallRecord>;
  if (typeof record.id !== 'string') throw badRecords(`${where}: "id" must be a string`);
  if (typeof record.startedAt !== 'string' || Number.isNaN(Date.parse(record.startedAt)))
    throw badRecords(
      `${where}: "startedAt" must be an ISO 8601 time, got ${JSON.stringify(record.startedAt)}`,
    );
  if (typeof record.outcome !== 'string' || !OUTCOMES.has(record.outcome))
    throw badRecords(
      `${where}: "outcome" must be one of ${[...OUTCOMES].join(', ')}, got ${JSON.stringify(record.outcome)}`,
    );
  if (!Array.isArray(record.turns)) throw badRecords(`${where}: "turns" must be an array`);
  record.turns.forEach((turn, i) => {
    if (typeof turn !== 'object' || turn === null || typeof turn.reply !== 'string')
      throw badRecords(`${where}: turns[${i}] must be an object with a "reply" string`);
  });
  return record as CallRecord;
}

/** Collects a source's records since a moment, oldest first. */
export async function collectRecords(source: CallRecordSource, since: Date): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  for await (const record of source.list(since)) records.push(record);
  return records.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

/** A source over the box's own record store. */
export function storeSource(store: Pick<RecordStore, 'records'>): CallRecordSource {
  return {
    async *list(since: Date) {
      for await (const { record } of store.records({ since })) yield record;
    },
  };
}
