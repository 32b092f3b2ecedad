/**
 * Store and sync figures: a durable call-record write with 50,000 calls already stored, and the drain of 10,000
 * queued events to a real ingest (`linekeeper ingest` in its own process, real Mosquitto with TLS and ACL, real
 * PostgreSQL) with end-to-end acknowledgements, with this process's (the box's) peak RSS during the drain.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/log/logger.js';
import { nodeDurableIo } from '../src/store/durable-io.js';
import { RecordStore } from '../src/store/record-store.js';
import { summaryPayload, TOPICS } from '../src/sync/events.js';
import { makeRecord, testCipher } from '../test/helpers/store.js';
import { SyncRig } from '../test/helpers/sync-rig.js';
import { type Benchmark, elapsedMs, quantile } from './harness.js';

const CLI = fileURLToPath(new URL('../../bin/linekeeper.js', import.meta.url));

/** p99 of durable record writes with `stored` calls already in the store, ms. */
export async function recordWriteP99(stored = 50_000): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lk-bench-store-'));
  try {
    const cipher = testCipher();
    // Fill 50,000 calls without fsync (setup only), then measure real durable writes on top of them.
    const bulk = { ...nodeDurableIo, append: (file: string, data: string) => appendFile(file, data) };
    const filler = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 1, io: bulk });
    const start = Date.parse('2026-01-01T00:00:00Z');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dataDir, 'records'), { recursive: true }));
    for (let i = 0; i < stored; i++) {
      await filler.put(makeRecord({ startedAt: new Date(start + i * 600_000).toISOString() }));
    }
    await filler.close();
    const store = await RecordStore.open({ dataDir, cipher, log: silentLogger, minFreeMb: 1 });
    if (store.size !== stored) throw new Error(`expected ${stored} stored calls, found ${store.size}`);
    const samples: number[] = [];
    for (let i = 0; i < 400; i++) {
      const record = makeRecord();
      const t0 = performance.now();
      await store.put(record);
      if (i >= 20) samples.push(elapsedMs(t0));
    }
    await store.close();
    return quantile(samples, 0.99);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Time to drain `count` queued events to a real ingest with acknowledgements, and the peak RSS meanwhile. */
export async function drain(count = 10_000): Promise<{ seconds: number; rssMb: number }> {
  const cleanups: (() => unknown)[] = [];
  const scope = { teardown: (fn: () => unknown) => cleanups.push(fn) };
  try {
    const rig = await SyncRig.start(scope, { saveEveryChange: false });
    const cert = await rig.pki.issue('cloud-ingest-1', 'client');
    const ingest = spawn(
      process.execPath,
      [
        CLI,
        'ingest',
        '--broker',
        rig.broker.url,
        '--database',
        rig.postgres.url,
        '--client-id',
        'cloud-ingest-1',
        '--ca',
        rig.pki.ca.cert,
        '--cert',
        cert.cert,
        '--key',
        cert.key,
        '--log-level',
        'info',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const ingestExited = new Promise<void>((resolve) => ingest.once('exit', () => resolve()));
    cleanups.push(async () => {
      ingest.kill('SIGTERM');
      await ingestExited;
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      ingest.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('connected to')) resolve();
      });
      ingest.once('exit', (code) => reject(new Error(`ingest exited with ${code}: ${out}`)));
    });
    const box = await rig.box('shop-bench', { connect: false, ackTimeoutMs: 120_000 });
    const policy = { sendCallerNumber: false, salt: 'bench' };
    for (let i = 0; i < count; i += 100) {
      await box.outbox.add(
        Array.from({ length: 100 }, (_, j) => ({
          kind: (i + j) % 50 === 0 ? ('escalation' as const) : ('summary' as const),
          topic: (i + j) % 50 === 0 ? TOPICS.escalation : TOPICS.summary,
          payload: summaryPayload(makeRecord(), policy),
        })),
      );
    }
    if (box.outbox.depth !== count) throw new Error(`queued ${box.outbox.depth}, expected ${count}`);
    global.gc?.();
    let rss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      rss = Math.max(rss, process.memoryUsage().rss);
    }, 50);
    const t0 = performance.now();
    await box.connection.start();
    await new Promise<void>((resolve) => {
      const off = box.sync.onAck(() => {
        if (box.outbox.depth === 0) {
          off();
          resolve();
        }
      });
    });
    const seconds = elapsedMs(t0) / 1000;
    clearInterval(sampler);
    const stored = await rig.pool.query<{ n: string }>('SELECT count(*) AS n FROM lk_events');
    if (Number(stored.rows[0]?.n) !== count)
      throw new Error(`ingest stored ${stored.rows[0]?.n} of ${count}`);
    await box.stop();
    return { seconds, rssMb: rss / (1024 * 1024) };
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

/** Record write latency at 50k calls and the 10k-event drain. */
export const benchmark: Benchmark = {
  figures: ['record_write_p99_ms', 'drain_10k_s', 'drain_rss_mb'],
  async run() {
    // The drain runs first so that the 50,000-call fill does not inflate the RSS it reports.
    const { seconds, rssMb } = await drain();
    const record_write_p99_ms = await recordWriteP99();
    return { record_write_p99_ms, drain_10k_s: seconds, drain_rss_mb: rssMb };
  },
};
