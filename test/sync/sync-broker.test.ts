import mqtt from 'mqtt';
import t from 'tap';
import { makeRecord } from '../helpers/store.js';
import { SyncRig } from '../helpers/sync-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('calls reach PostgreSQL once, escalations first, and the outbox empties on sync/ack', async (t) => {
  const rig = await SyncRig.start(t);
  await rig.startIngest();
  const box = await rig.box('shop-0001');
  await box.connection.waitConnected(10_000);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const record = makeRecord(
      i % 5 === 0
        ? {
            outcome: 'escalated',
            escalation: {
              reason: 'emotion',
              brief: 'Upset about card 4111 1111 1111 1111',
              priority: 'high',
              action: 'callback',
            },
          }
        : {},
    );
    ids.push(record.id);
    await box.sync.recordCall(record);
  }
  await waitFor(() => box.outbox.depth === 0, 'the outbox to empty');
  const report = await rig.report(box, ids);
  t.comment(`sent ${report.calls} calls, stored ${report.stored} events, duplicates ${report.duplicates}`);
  t.match(report, { calls: 20, stored: 24, missing: 0, outboxDepth: 0 });
  const row = await rig.pool.query<{ payload: Record<string, unknown> }>(
    "SELECT payload FROM lk_events WHERE kind = 'escalation' LIMIT 1",
  );
  const payload = row.rows[0]?.payload ?? {};
  t.match(payload, { deviceId: 'shop-0001', urgency: 'high', callerNumber: null, schema: 1 });
  t.match(String(payload.summary), /\[CARD\]/, 'redacted before leaving the box');
  t.notMatch(JSON.stringify(payload), /07700|4111/, 'no phone or card number left the box');
  t.type(payload.callerHash, 'string');
  const seqs = (await rig.pool.query<{ seq: string }>('SELECT seq FROM lk_events ORDER BY seq')).rows.map(
    (r) => Number(r.seq),
  );
  t.same(
    seqs,
    Array.from({ length: 24 }, (_, i) => i + 1),
    'per-device sequence numbers without gaps',
  );
});

t.test('a device cannot publish to or read another device’s topics (TLS + ACL)', async (t) => {
  const rig = await SyncRig.start(t);
  const a = await rig.tls('shop-a');
  const b = await rig.tls('shop-b');
  const opts = (tls: typeof a, clientId: string) => ({
    protocolVersion: 5 as const,
    clientId,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    reconnectPeriod: 0,
  });
  const clientB = await mqtt.connectAsync(rig.broker.url, opts(b, 'shop-b'));
  t.teardown(() => clientB.endAsync(true));
  const clientA = await mqtt.connectAsync(rig.broker.url, opts(a, 'shop-a'));
  t.teardown(() => clientA.endAsync(true));
  const seenByA: string[] = [];
  clientA.on('message', (topic) => seenByA.push(topic));
  await clientA.subscribeAsync(['lk/v1/shop-b/#', 'lk/v1/+/sync/ack', 'lk/v1/shop-a/sync/ack'], { qos: 1 });
  await t.rejects(clientA.publishAsync('lk/v1/shop-b/calls/summary', '{}', { qos: 1 }), {
    message: /Not authorized/,
  });
  await t.rejects(clientA.publishAsync('lk/v1/shop-b/sync/ack', '{}', { qos: 1 }), {
    message: /Not authorized/,
  });
  await t.rejects(
    clientA.publishAsync('lk/v1/shop-a/sync/ack', '{}', { qos: 1 }),
    { message: /Not authorized/ },
    'a box cannot ack itself',
  );
  await clientB.publishAsync('lk/v1/shop-b/calls/summary', '{"eventId":"x","seq":1}', { qos: 1 });
  // The cloud acks shop-b; shop-a's own ack arrives only to shop-a: wait on that as the barrier.
  const ingest = await mqtt.connectAsync(
    rig.broker.url,
    opts(await rig.tls('cloud-ingest-1'), 'cloud-ingest-1'),
  );
  t.teardown(() => ingest.endAsync(true));
  await ingest.publishAsync('lk/v1/shop-b/sync/ack', '{"eventIds":["x"]}', { qos: 1 });
  await ingest.publishAsync('lk/v1/shop-a/sync/ack', '{"eventIds":["y"]}', { qos: 1 });
  await waitFor(() => seenByA.includes('lk/v1/shop-a/sync/ack'), 'shop-a’s own ack');
  t.same(
    seenByA.filter((topic) => !topic.startsWith('lk/v1/shop-a/')),
    [],
    'nothing of shop-b reached shop-a',
  );
  // Another device's certificate cannot take over shop-b's client id (use_username_as_clientid).
  const impostor = await mqtt.connectAsync(rig.broker.url, opts(a, 'shop-b'));
  t.teardown(() => impostor.endAsync(true));
  await clientB.publishAsync('lk/v1/shop-b/state', 'still here', { qos: 1 });
  t.ok(clientB.connected, 'shop-b was not disconnected');
});

t.test('broker killed (kill -9) mid-stream, then restarted with its state wiped: nothing lost', async (t) => {
  const rig = await SyncRig.start(t);
  await rig.startIngest();
  const box = await rig.box('shop-0003', { ackTimeoutMs: 1_000 });
  await box.connection.waitConnected(10_000);
  const ids: string[] = [];
  const call = async () => {
    const record = makeRecord();
    ids.push(record.id);
    await box.sync.recordCall(record);
  };
  for (let i = 0; i < 100; i++) {
    await call();
    if (i === 40) await rig.broker.kill();
    if (i === 60) await rig.broker.restart();
  }
  await waitFor(() => box.outbox.depth === 0, 'drain after the kill', 60_000);
  const afterKill = await rig.report(box, ids);
  t.comment(
    `kill -9: sent ${afterKill.calls}, stored ${afterKill.stored}, duplicates ${afterKill.duplicates}`,
  );
  t.match(afterKill, { calls: 100, stored: 100, missing: 0 });

  for (let i = 0; i < 50; i++) {
    await call();
    if (i === 20) await rig.broker.kill();
    if (i === 30) await rig.broker.restart({ wipe: true });
  }
  await waitFor(() => box.outbox.depth === 0, 'drain after the wipe', 60_000);
  const afterWipe = await rig.report(box, ids);
  t.comment(`wiped: sent ${afterWipe.calls}, stored ${afterWipe.stored}, duplicates ${afterWipe.duplicates}`);
  t.match(afterWipe, { calls: 150, stored: 150, missing: 0, outboxDepth: 0 });
  t.ok(box.connection.connects >= 3, 'reconnected after each outage');
});
