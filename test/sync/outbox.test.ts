import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/log/logger.js';
import { Outbox, type OutboxQuota } from '../../src/sync/outbox.js';
import { FillableDisk, tempDir } from '../helpers/store.js';

const roomy: OutboxQuota = {
  maxBytes: 10_000_000,
  telemetryMaxAgeMs: 3_600_000,
  summaryMaxAgeMs: 86_400_000,
};

t.test(
  'events survive a reopen; acks prune; escalations come first; sequence numbers continue',
  async (t) => {
    const dir = await tempDir(t);
    const outbox = await Outbox.open({ dir, log: silentLogger, quota: roomy });
    const [s1] = await outbox.add([
      { kind: 'summary', topic: 'calls/summary', payload: { n: 1 }, recordN: 1 },
    ]);
    await outbox.add([{ kind: 'telemetry', topic: 'telemetry', payload: { cpu: 40 } }]);
    const [e1, s2] = await outbox.add([
      { kind: 'escalation', topic: 'calls/escalation', payload: { n: 2 }, recordN: 2 },
      { kind: 'summary', topic: 'calls/summary', payload: { n: 2 }, recordN: 2 },
    ]);
    t.same(
      outbox.pending().map((e) => e.kind),
      ['escalation', 'summary', 'summary', 'telemetry'],
    );
    t.same(await outbox.ack([s1?.eventId ?? '', 'unknown-id']), [s1?.eventId]);
    const reopened = await Outbox.open({ dir, log: silentLogger, quota: roomy });
    t.same(
      reopened.pending().map((e) => e.eventId),
      [e1?.eventId, s2?.eventId, reopened.pending()[2]?.eventId],
    );
    t.equal(reopened.depth, 3);
    t.equal(reopened.recordN, 2);
    const [next] = await reopened.add([{ kind: 'summary', topic: 'calls/summary', payload: {} }]);
    t.equal(next?.seq, 5);
  },
);

t.test('quotas drop telemetry before summaries and never escalations', async (t) => {
  const dir = await tempDir(t);
  let now = Date.parse('2026-11-24T00:00:00Z');
  const dropped: string[] = [];
  const outbox = await Outbox.open({
    dir,
    log: silentLogger,
    quota: { maxBytes: 3_000, telemetryMaxAgeMs: 3_600_000, summaryMaxAgeMs: 7 * 86_400_000 },
    now: () => now,
  });
  outbox.onDrop((events) => dropped.push(...events.map((e) => e.kind)));
  const pad = 'x'.repeat(400);
  for (let i = 0; i < 3; i++) await outbox.add([{ kind: 'telemetry', topic: 'telemetry', payload: { pad } }]);
  for (let i = 0; i < 3; i++)
    await outbox.add([{ kind: 'summary', topic: 'calls/summary', payload: { pad } }]);
  t.same(dropped, ['telemetry'], 'over the byte quota: the oldest telemetry goes first');
  for (let i = 0; i < 6; i++)
    await outbox.add([{ kind: 'escalation', topic: 'calls/escalation', payload: { pad } }]);
  t.equal(outbox.pending().filter((e) => e.kind === 'escalation').length, 6, 'escalations are never dropped');
  t.equal(outbox.pending().filter((e) => e.kind === 'telemetry').length, 0);
  t.ok(dropped.filter((k) => k === 'summary').length > 0, 'then summaries');
  now += 8 * 86_400_000;
  await outbox.enforceQuota();
  t.same([...new Set(outbox.pending().map((e) => e.kind))], ['escalation'], 'old summaries age out');
  t.equal(outbox.oldestAgeS(now), 8 * 86_400);
  const reopened = await Outbox.open({ dir, log: silentLogger, quota: roomy });
  t.equal(reopened.depth, 6, 'drops are durable');
});

t.test('compaction keeps pending events and removes old segments', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir, log: silentLogger, quota: roomy, segmentBytes: 4_000 });
  const keep: string[] = [];
  for (let i = 0; i < 60; i++) {
    const [event] = await outbox.add([{ kind: 'summary', topic: 'calls/summary', payload: { i } }]);
    if (i % 10 === 0) keep.push(event?.eventId ?? '');
    else await outbox.ack([event?.eventId ?? '']);
  }
  const segments = await readdir(dir);
  t.ok(segments.length <= 2, `segments: ${segments.join(', ')}`);
  const reopened = await Outbox.open({ dir, log: silentLogger, quota: roomy });
  t.same(
    reopened.pending().map((e) => e.eventId),
    keep,
  );
  t.equal(reopened.nextSeq, 61);
});

t.test('a torn last line is salvaged and reported; a full disk adds nothing', async (t) => {
  const dir = await tempDir(t, 'lk-outbox-');
  const outboxDir = join(dir, 'outbox');
  const disk = new FillableDisk();
  const outbox = await Outbox.open({ dir: outboxDir, log: silentLogger, quota: roomy, io: disk });
  await outbox.add([{ kind: 'summary', topic: 'calls/summary', payload: {}, recordN: 1 }]);
  disk.full = true;
  await t.rejects(outbox.add([{ kind: 'summary', topic: 'calls/summary', payload: {}, recordN: 2 }]), {
    message: /disk full while writing outbox segment/,
  });
  t.equal(outbox.depth, 1);
  t.equal(outbox.recordN, 1, 'the record will be queued again from the store');
  const file = join(outboxDir, '000000.jsonl');
  await appendFile(file, '{"op":"add","events":[{"eventId":"01TO');
  const reopened = await Outbox.open({ dir: outboxDir, log: silentLogger, quota: roomy });
  t.equal(reopened.depth, 1);
  t.match(reopened.problems[0]?.message, /damaged line\(s\) 2 dropped/);
  t.notMatch(await readFile(file, 'utf8'), /01TO/);
  t.equal((await readdir(join(dir, 'quarantine'))).length, 1);
});
