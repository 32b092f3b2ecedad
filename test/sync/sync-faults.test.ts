import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isLinekeeperError } from '../../src/errors.js';
import { FillableDisk, makeRecord, testCipher } from '../helpers/store.js';
import { SyncRig } from '../helpers/sync-rig.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

/** The injected fault lasts this long: the scenario's outage, not a wait for a result. */
function outage(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

t.test('faults against one rig', async (t) => {
  const rig = await SyncRig.start(t);
  const ingestA = await rig.startIngest();

  await t.test('broker unreachable for longer than three keepalives, calls continue', async (t) => {
    const proxy = await TcpProxy.start(rig.broker.port);
    t.teardown(() => proxy.close());
    const box = await rig.box('shop-r5', { url: `mqtts://127.0.0.1:${proxy.port}`, keepaliveSeconds: 1 });
    await box.connection.waitConnected(10_000);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = makeRecord();
      ids.push(r.id);
      await box.sync.recordCall(r);
    }
    let lost = false;
    box.connection.onDisconnect(() => {
      lost = true;
    });
    proxy.blackhole();
    await waitFor(() => lost, 'the dead link to be detected', 5_000);
    for (let i = 0; i < 20; i++) {
      const r = makeRecord();
      ids.push(r.id);
      await box.sync.recordCall(r);
    }
    await outage(3_500); // > 3 keepalives of 1 s with the link dead
    proxy.resume();
    await waitFor(() => box.outbox.depth === 0, 'drain after the outage', 60_000);
    const report = await rig.report(box, ids);
    t.comment(`unreachable: sent ${report.calls}, stored ${report.stored}, duplicates ${report.duplicates}`);
    t.match(report, { calls: 30, stored: 30, missing: 0 });
  });

  await t.test('ingest down while calls continue, a second ingest shares the load', async (t) => {
    const box = await rig.box('shop-ingest-down', { ackTimeoutMs: 500 });
    await box.connection.waitConnected(10_000);
    await rig.stopIngest(ingestA);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = makeRecord();
      ids.push(r.id);
      await box.sync.recordCall(r);
    }
    t.equal(box.outbox.depth, 40, 'nothing pruned without the cloud’s ack');
    const b = await rig.startIngest();
    const c = await rig.startIngest();
    await waitFor(() => box.outbox.depth === 0, 'drain once ingest is back', 60_000);
    for (let i = 0; i < 60; i++) {
      const r = makeRecord();
      ids.push(r.id);
      await box.sync.recordCall(r);
    }
    await waitFor(() => box.outbox.depth === 0, 'drain with two ingests', 60_000);
    const report = await rig.report(box, ids);
    t.comment(`ingest down: sent ${report.calls}, stored ${report.stored}, duplicates ${report.duplicates}`);
    t.match(report, { calls: 100, stored: 100, missing: 0 });
    t.ok(b.stats.stored > 0 && c.stats.stored > 0, `split: ${b.stats.stored} + ${c.stats.stored}`);
  });

  await t.test('a corrupt record file and a torn outbox at boot: reported, the rest syncs', async (t) => {
    const cipher = testCipher();
    await rig.stopIngest(rig.ingests.at(-1) ?? ingestA);
    await rig.stopIngest(rig.ingests.at(-2) ?? ingestA);
    const first = await rig.box('shop-corrupt', { cipher });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = makeRecord({ startedAt: `2026-11-1${i}T10:00:00.000Z` });
      ids.push(r.id);
      await first.sync.recordCall(r);
    }
    await first.stop();
    const segment = join(first.dataDir, 'records', '2026-11.jsonl');
    const lines = (await readFile(segment, 'utf8')).trimEnd().split('\n');
    const damagedId = (JSON.parse(lines[4] ?? '{}') as { id: string }).id;
    lines[4] = '\u0000'.repeat(80);
    await writeFile(segment, `${lines.join('\n')}\n{"n":11,"id":"01TORN`);
    const outboxFile = join(first.dataDir, 'outbox', '000000.jsonl');
    await writeFile(outboxFile, `${await readFile(outboxFile, 'utf8')}{"op":"ack","ids":["01`);
    await rig.startIngest();
    const second = await rig.box('shop-corrupt', { cipher, dataDir: first.dataDir });
    t.equal(second.store.problems.length, 1);
    t.match(second.store.problems[0]?.message, /2026-11.jsonl: 2 damaged line/);
    t.equal(second.outbox.problems.length, 1);
    t.equal((await readdir(join(first.dataDir, 'quarantine'))).length, 2, 'copies kept for inspection');
    await waitFor(() => second.outbox.depth === 0, 'drain after boot', 60_000);
    const report = await rig.report(second, ids);
    t.comment(
      `corrupt at boot: sent ${report.calls}, stored ${report.stored}, duplicates ${report.duplicates}`,
    );
    // The damaged line's call had been queued before the damage: its events still reach the cloud.
    t.match(report, { calls: 10, missing: 0 });
    t.ok(damagedId);
    t.equal(second.store.size, 9, 'the other nine records load');
  });

  await t.test(
    'the disk fills up during calls: Store_DiskFull, kept in memory, synced once space returns',
    async (t) => {
      const disk = new FillableDisk();
      const box = await rig.box('shop-diskfull', { io: disk });
      await box.connection.waitConnected(10_000);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = makeRecord();
        ids.push(r.id);
        await box.sync.recordCall(r);
      }
      disk.full = true;
      let diskFullErrors = 0;
      for (let i = 0; i < 5; i++) {
        const r = makeRecord();
        ids.push(r.id);
        await box.sync.recordCall(r).catch((e: unknown) => {
          if (isLinekeeperError(e) && e.codeName === 'Store_DiskFull') diskFullErrors++;
          else throw e;
        });
      }
      t.equal(diskFullErrors, 5, 'each write says the disk is full');
      t.equal(box.store.unwritten, 5, 'the records wait in memory');
      disk.full = false;
      await waitFor(() => box.store.unwritten === 0 && box.outbox.depth === 0, 'recovery and drain', 60_000);
      const report = await rig.report(box, ids);
      t.comment(`disk full: sent ${report.calls}, stored ${report.stored}, duplicates ${report.duplicates}`);
      t.match(report, { calls: 10, stored: 10, missing: 0 });
      t.ok(disk.failures >= 5);
    },
  );
});
