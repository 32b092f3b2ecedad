import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { ErrorCode, isLinekeeperError } from '../../src/errors.js';
import type { CallRecord, TurnRecord } from '../../src/records/call-record.js';
import { collectRecords, exportFileSource, readExportFile } from '../../src/report/record-source.js';
import { computeStats, parseSince, quantile } from '../../src/report/stats.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const { profile } = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);

function turn(intent: string, extra: Partial<TurnRecord> = {}): TurnRecord {
  return { at: '2026-11-23T02:00:00Z', transcript: 'x', intent, confidence: 0.9, reply: 'ok', ...extra };
}

function call(
  id: string,
  startedAt: string,
  outcome: CallRecord['outcome'],
  turns: TurnRecord[],
): CallRecord {
  return { id, startedAt, callerNumber: '+8613912345678', outcome, turns };
}

// Monday 23 Nov 2026 in Shanghai (UTC+8): 10:00 open, 21:30 closed; Sunday 22 Nov 13:30 is the lunch break.
const records: CallRecord[] = [
  call('a', '2026-11-23T02:00:00Z', 'resolved', [
    turn('hours', { latency: { total: 800 } }),
    turn('faq:delivery', { latency: { total: 1200 } }),
    turn('thanks', { latency: { total: 400 } }),
  ]),
  call('b', '2026-11-23T13:30:00Z', 'message', [turn('leave_message', { frustration: 0.2 })]),
  {
    ...call('c', '2026-11-22T05:30:00Z', 'escalated', [
      turn('complaint', { frustration: 0.5, latency: { total: 3500 } }),
      turn('complaint', { frustration: 0.9 }),
    ]),
    escalation: { reason: 'complaint', brief: 'refund', priority: 'high', action: 'callback' },
    emotion: { perTurn: [0.5, 0.9], peak: 0.9 },
  },
  call('d', '2026-11-23T02:30:00Z', 'resolved', [turn('faq:delivery'), turn('faq:delivery')]),
];

t.test('figures per hour, day, outcome, intent, FAQ, after hours, mood, reason and latency', async (t) => {
  const stats = computeStats(records, profile, {
    from: new Date('2026-11-21T16:00:00Z'),
    to: new Date('2026-11-23T15:00:00Z'),
  });
  const value = (data: { label: string; value: number }[], label: string) =>
    data.find((d) => d.label === label)?.value;
  t.equal(stats.total, 4);
  t.equal(stats.byHour.length, 24);
  t.same([value(stats.byHour, '10'), value(stats.byHour, '21'), value(stats.byHour, '13')], [2, 1, 1]);
  t.same(stats.byDay, [
    { label: '2026-11-22', value: 1 },
    { label: '2026-11-23', value: 3 },
  ]);
  t.same(
    stats.outcomes.map((d) => d.label),
    ['resolved', 'message', 'booking', 'escalated', 'abandoned'],
  );
  t.same(
    stats.outcomes.map((d) => d.value),
    [2, 1, 0, 1, 0],
  );
  t.same(stats.topIntents[0], { label: 'faq:delivery', value: 2 }, 'an intent counts once per call');
  t.notOk(
    stats.topIntents.some((d) => d.label === 'thanks'),
    'small talk is not a topic',
  );
  t.equal(stats.faqTopics.length, profile.faq.length, 'every FAQ topic shows, asked or not');
  t.same(stats.faqTopics[0], { label: 'delivery', value: 2 });
  t.equal(stats.afterHours.total, 2, '21:30 Monday and 13:30 Sunday (lunch break)');
  t.equal(stats.afterHours.share, 0.5);
  t.same([value(stats.afterHours.byHour, '21'), value(stats.afterHours.byHour, '13')], [1, 1]);
  t.same(stats.mood, [
    { label: '2026-11-22', value: 0.9 },
    { label: '2026-11-23', value: 0.07 },
  ]);
  t.equal(value(stats.escalationReasons, 'complaint'), 1);
  t.equal(stats.latency.turns, 4);
  t.same([stats.latency.p50, stats.latency.p90], [800, 3500]);
  t.same(
    stats.latency.bins.map((d) => d.value),
    [1, 1, 1, 0, 0, 1],
  );
});

t.test('an empty period has zero figures, not errors', async (t) => {
  const stats = computeStats([], profile, {
    from: new Date('2026-11-23T00:00:00Z'),
    to: new Date('2026-11-23T01:00:00Z'),
  });
  t.equal(stats.total, 0);
  t.equal(stats.afterHours.share, 0);
  t.same(stats.mood, []);
  t.equal(stats.latency.p50, null);
});

t.test('--since spans and dates', async (t) => {
  const now = new Date('2026-11-23T10:00:00Z');
  t.equal(parseSince('7d', now)?.toISOString(), '2026-11-16T10:00:00.000Z');
  t.equal(parseSince('24h', now)?.toISOString(), '2026-11-22T10:00:00.000Z');
  t.equal(parseSince('2w', now)?.toISOString(), '2026-11-09T10:00:00.000Z');
  t.equal(parseSince('2026-11-01', now)?.toISOString(), '2026-11-01T00:00:00.000Z');
  t.equal(parseSince('last week', now), null);
  t.equal(parseSince('2026-13-45', now), null);
  t.equal(quantile([], 0.5), null);
});

t.test('export files: JSON lines or a JSON array, filtered by time; bad lines are named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-report-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const jsonl = join(dir, 'calls.jsonl');
  await writeFile(jsonl, `${records.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
  const recent = await collectRecords(exportFileSource(jsonl), new Date('2026-11-23T00:00:00Z'));
  t.same(
    recent.map((r) => r.id),
    ['a', 'd', 'b'],
    'since the date, oldest first',
  );
  const array = join(dir, 'calls.json');
  await writeFile(array, JSON.stringify(records));
  t.equal((await readExportFile(array)).length, 4);

  const broken = join(dir, 'broken.jsonl');
  await writeFile(broken, `${JSON.stringify(records[0])}\n{"id":"x","startedAt":"yesterday"\n`);
  const failure = async (file: string) => {
    try {
      await readExportFile(file);
    } catch (e) {
      if (isLinekeeperError(e)) return e;
      throw e;
    }
    throw new Error('expected an error');
  };
  const notJson = await failure(broken);
  t.equal(notJson.code, ErrorCode.Store_Corrupt);
  t.match(notJson.message, /broken\.jsonl:2: not JSON/);
  await writeFile(broken, `${JSON.stringify({ ...records[0], outcome: 'great' })}\n`);
  t.match(
    (await failure(broken)).message,
    /broken\.jsonl:1: "outcome" must be one of resolved, .*got "great"/,
  );
  await writeFile(broken, `${JSON.stringify({ ...records[0], startedAt: 'yesterday' })}\n`);
  t.match((await failure(broken)).message, /"startedAt" must be an ISO 8601 time/);
  await writeFile(broken, '{"not":"an array"');
  t.match((await failure(broken)).message, /not JSON/);
  await writeFile(broken, '[1]');
  t.match((await failure(broken)).message, /broken\.jsonl \[0\]: expected a call record object/);
  const missing = await failure(join(dir, 'nope.jsonl'));
  t.equal(missing.code, ErrorCode.Store_Io);
  t.match(missing.message, /cannot read the call records .*nope\.jsonl/);
});
