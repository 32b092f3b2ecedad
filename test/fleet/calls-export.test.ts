import t from 'tap';
import { EXPORT_LIMITS, exportCalls } from '../../src/fleet/calls-export.js';
import { silentLogger } from '../../src/log/logger.js';
import { RecordStore } from '../../src/store/record-store.js';
import { makeRecord, tempDir, testCipher } from '../helpers/store.js';

t.test(
  'calls.export stops at the byte bound and pages on without losing or repeating a record',
  async (t) => {
    const store = await RecordStore.open({
      dataDir: await tempDir(t),
      cipher: testCipher(),
      log: silentLogger,
      minFreeMb: 0,
    });
    t.teardown(() => store.close());
    const first = Date.parse('2026-11-02T01:00:00Z');
    for (let i = 0; i < 12; i++)
      await store.put(makeRecord({ startedAt: new Date(first + i * 60_000).toISOString() }));
    const source = { store, policy: { sendCallerNumber: false, salt: 'fleet-salt' } };
    const one = Buffer.byteLength(JSON.stringify((await exportCalls(source, { limit: 1 })).records[0]));
    // Room for three and a half records per answer.
    const limits = { ...EXPORT_LIMITS, maxBytes: Math.floor(one * 3.5) };

    const seen: string[] = [];
    let since: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await exportCalls(source, since === undefined ? {} : { since }, limits);
      const bytes = page.records.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0);
      t.ok(bytes <= limits.maxBytes, `page ${pages}: ${page.records.length} records, ${bytes} bytes`);
      seen.push(...page.records.map((r) => r.id));
      if (!page.truncated) {
        t.equal(pages, 4, '12 records in pages of 3');
        break;
      }
      since = page.next ?? undefined;
    }
    t.same(
      seen,
      (await store.list()).map((s) => s.record.id),
      'every record once, oldest first',
    );
    // A record larger than the bound still goes out alone, so paging never stalls.
    const tiny = await exportCalls(source, {}, { ...limits, maxBytes: 10 });
    t.match(tiny, { truncated: true, next: new Date(first + 60_000).toISOString() });
    t.equal(tiny.records.length, 1);
  },
);
