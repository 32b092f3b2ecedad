import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isLinekeeperError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { nodeDurableIo, writeError } from '../../src/store/durable-io.js';
import { openDocument } from '../../src/store/json-document.js';
import { RecordStore, type StoreAlarm } from '../../src/store/record-store.js';
import { FillableDisk, makeRecord, tempDir, testCipher } from '../helpers/store.js';

t.test('records are sealed, sharded by month and survive a reopen', async (t) => {
  const dataDir = await tempDir(t);
  const cipher = testCipher();
  const store = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 10 });
  const october = makeRecord({ startedAt: '2026-10-03T09:00:00.000Z' });
  const november = makeRecord({ startedAt: '2026-11-20T09:00:00.000Z' });
  t.equal(await store.put(october), 1);
  t.equal(await store.put(november), 2);
  await store.put({ ...november, outcome: 'booking' });
  t.same((await readdir(join(dataDir, 'records'))).sort(), ['2026-10.jsonl', '2026-11.jsonl']);
  const raw = await readFile(join(dataDir, 'records', '2026-11.jsonl'), 'utf8');
  t.notMatch(raw, /birthday|07700/, 'transcripts and numbers are not on disk in clear');
  await store.close();

  const again = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 10 });
  t.equal(again.size, 2);
  t.equal(again.lastN, 3);
  t.equal((await again.get(november.id))?.outcome, 'booking', 'the last write wins');
  t.same(
    (await again.list()).map((s) => s.record.id),
    [october.id, november.id],
  );
  t.same(
    (await again.list({ since: new Date('2026-11-01T00:00:00Z') })).map((s) => s.record.id),
    [november.id],
  );
  t.same(
    (await again.list({ afterN: 1 })).map((s) => s.n),
    [3],
  );
  await t.rejects(RecordStore.open({ dataDir, cipher: testCipher(), log: silentLogger, minFreeMb: 10 }), {
    message: /records key does not match/,
  });
  t.equal((await readdir(join(dataDir, 'records'))).length, 2, 'a wrong key quarantines nothing');
});

t.test(
  'a torn or corrupt segment at boot is quarantined, the rest loads, the problem is reported',
  async (t) => {
    const dataDir = await tempDir(t);
    const cipher = testCipher();
    const store = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 10 });
    const good = [0, 1, 2].map((i) => makeRecord({ startedAt: `2026-11-0${i + 1}T10:00:00.000Z` }));
    for (const r of good) await store.put(r);
    const other = makeRecord({ startedAt: '2026-10-01T10:00:00.000Z' });
    await store.put(other);
    await store.close();
    const segment = join(dataDir, 'records', '2026-11.jsonl');
    // A NUL-filled block in the middle (power cut) and a torn last line.
    const lines = (await readFile(segment, 'utf8')).split('\n');
    await writeFile(segment, `${lines[0]}\n${'\u0000'.repeat(64)}\n${lines[1]}\n${lines[2]}\n`);
    await appendFile(segment, '{"n":9,"id":"01TORN","at":"2026-11-');
    await writeFile(join(dataDir, 'meta.json'), '{"schemaVersion": 1, "lastN": ');

    const alarms: StoreAlarm[] = [];
    const reopened = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 10 });
    reopened.onAlarm((a) => alarms.push(a));
    t.equal(reopened.size, 4, 'every good record loads');
    t.equal(reopened.problems.length, 2, 'meta.json and the segment are reported');
    t.match(reopened.problems.map((p) => p.message).join('\n'), /2 damaged line\(s\)/);
    const quarantined = await readdir(join(dataDir, 'quarantine'));
    t.equal(quarantined.length, 2, `${quarantined.join(', ')}`);
    t.ok((await reopened.get(good[2]?.id ?? ''))?.turns.length, 'records after the damage are readable');
    t.ok(reopened.lastN >= 4, 'the sequence continues after the highest surviving record');
    t.equal(await reopened.put(makeRecord({ startedAt: '2026-11-05T10:00:00.000Z' })), reopened.lastN);
  },
);

t.test('lowdb documents: durable writes, .bak fallback and schema migrations', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'doc.json');
  await writeFile(file, JSON.stringify({ schemaVersion: 1, name: 'old' }));
  const problems: string[] = [];
  const doc = await openDocument<{ name: string; label: string }>({
    file,
    io: nodeDurableIo,
    defaults: { name: '', label: '' },
    version: 3,
    migrations: { 2: (d) => ({ ...d, label: `was ${String(d.name)}` }), 3: (d) => ({ ...d, name: 'new' }) },
    report: (p) => problems.push(p.message),
  });
  t.match(doc.data, { schemaVersion: 3, name: 'new', label: 'was old' });
  doc.data.label = 'second';
  await doc.write();
  t.equal(
    JSON.parse(await readFile(`${file}.bak`, 'utf8')).label,
    'was old',
    'previous version kept as .bak',
  );
  t.equal((await stat(file)).mode & 0o777, 0o600);
  await writeFile(file, '\u0000\u0000\u0000');
  const recovered = await openDocument<{ name: string; label: string }>({
    file,
    io: nodeDurableIo,
    defaults: { name: '', label: '' },
    version: 3,
    report: (p) => problems.push(p.message),
  });
  t.equal(recovered.data.label, 'was old', 'restored from .bak');
  t.match(problems[0], /damaged.*restored the previous version/);
  await writeFile(file, JSON.stringify({ schemaVersion: 9 }));
  await t.rejects(
    openDocument({ file, io: nodeDurableIo, defaults: {}, version: 3, report: () => undefined }),
    { message: /newer than this release/ },
  );
});

t.test('retention purges old records and their recordings', async (t) => {
  const dataDir = await tempDir(t);
  const store = await RecordStore.open({ dataDir, cipher: testCipher(), log: silentLogger, minFreeMb: 1 });
  const now = new Date('2026-11-24T12:00:00Z');
  const old = makeRecord({ startedAt: '2026-08-01T10:00:00.000Z' });
  const mid = makeRecord({ startedAt: '2026-08-30T10:00:00.000Z' });
  const recent = makeRecord({ startedAt: '2026-11-20T10:00:00.000Z' });
  for (const r of [old, mid, recent]) await store.put(r);
  const recording = await store.saveRecording(old.id, Buffer.from('RIFF-audio'));
  t.ok(recording);
  t.same(await store.readRecording(recording ?? '', old.id), Buffer.from('RIFF-audio'));
  t.equal(await store.applyRetention(90, now), 1);
  t.equal(await store.get(old.id), undefined);
  t.ok(await store.get(mid.id));
  await t.rejects(stat(recording ?? ''), { code: 'ENOENT' }, 'recording deleted');
  t.equal(await store.applyRetention(30, now), 1);
  t.same(await readdir(join(dataDir, 'records')), ['2026-11.jsonl'], 'an emptied month segment is removed');
});

t.test('a nearly full disk stops recordings but keeps records, with an alarm', async (t) => {
  const dataDir = await tempDir(t);
  let free = 500;
  const store = await RecordStore.open({
    dataDir,
    cipher: testCipher(),
    log: silentLogger,
    minFreeMb: 200,
    freeMb: async () => free,
  });
  const alarms: StoreAlarm[] = [];
  store.onAlarm((a) => alarms.push(a));
  const record = makeRecord();
  await store.put(record);
  t.ok(await store.saveRecording(record.id, Buffer.from('audio')));
  free = 150;
  t.equal(await store.saveRecording(record.id, Buffer.from('audio')), undefined, 'recording not kept');
  t.equal(await store.put(makeRecord()), 2, 'records still kept');
  t.match(alarms, [{ kind: 'disk_low' }]);
  free = 400;
  await store.checkDisk();
  t.match(alarms, [{ kind: 'disk_low' }, { kind: 'disk_ok' }]);
  t.ok(await store.checkDisk().then((low) => !low));
});

t.test('ENOSPC: Store_DiskFull, the record waits in memory and is written when space returns', async (t) => {
  const dataDir = await tempDir(t);
  const disk = new FillableDisk();
  const cipher = testCipher();
  const store = await RecordStore.open({
    dataDir,
    cipher,
    log: silentLogger,
    minFreeMb: 1,
    io: disk,
    retryMs: 60_000,
  });
  const alarms: StoreAlarm[] = [];
  store.onAlarm((a) => alarms.push(a));
  await store.put(makeRecord());
  disk.full = true;
  const stuck = makeRecord();
  const error = await store.put(stuck).catch((e: unknown) => e);
  t.ok(isLinekeeperError(error) && error.codeName === 'Store_DiskFull', String(error));
  t.match(String(error), /disk full while writing call record/);
  t.equal(store.unwritten, 1);
  t.equal((await store.get(stuck.id))?.id, stuck.id, 'readable from memory meanwhile');
  t.equal(store.size, 2);
  t.equal(await store.flushUnwritten(), 1, 'still full');
  disk.full = false;
  t.equal(await store.flushUnwritten(), 0);
  t.match(alarms, [{ kind: 'disk_full' }, { kind: 'disk_recovered' }]);
  await store.close();
  const reopened = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 1 });
  t.equal(reopened.size, 2, 'nothing lost');
  t.ok(await reopened.get(stuck.id));
});

t.test('a real ENOSPC from the kernel (/dev/full) leaves no torn line', async (t) => {
  const dataDir = await tempDir(t);
  const error = await nodeDurableIo.append('/dev/full', 'x\n').catch((e: NodeJS.ErrnoException) => e);
  t.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  t.equal(writeError(error, 'a record').codeName, 'Store_DiskFull');
  t.ok(dataDir);
});
