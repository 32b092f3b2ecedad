import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import type { ShopProfile } from '../../src/config/shop-schema.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import { DIGEST_TOPIC, type WeeklyDigest } from '../../src/report/digest.js';
import { DigestService } from '../../src/report/digest-service.js';
import { storeSource } from '../../src/report/record-source.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { makeRecord, tempDir } from '../helpers/store.js';
import { SyncRig, type TestBox } from '../helpers/sync-rig.js';
import { waitFor } from '../helpers/wait.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// Monday 23 November 2026, 08:00 in the bakery's timezone (Asia/Shanghai, UTC+8).
const MONDAY_8AM = Date.parse('2026-11-23T00:00:00Z');

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const profile: ShopProfile = { ...shop.profile, reports: { weekly_text: false } };
// Two full weeks of calls before Monday 08:00, a week later.
const records = generateDemoCalls(profile, { end: new Date(MONDAY_8AM + WEEK), days: 15 });

// Broker with TLS and the shipped device ACL, PostgreSQL, one ingest whose warnings are kept, and a box.
const rig = await SyncRig.start(t);
const warnings: string[] = [];
const ingest = await rig.startIngest(createLogger({ level: 'warn', write: (line) => warnings.push(line) }));
const box = await rig.box('shop-0042');
for (const record of records) await box.store.put(record);
await box.connection.waitConnected(10_000);

/**
 * The box's real digest service publishes the week to `weekEnd` (Monday 08:00 shop time): started an hour
 * before with a state file of its own, as a box does that crashed before it could remember the week was sent.
 */
async function publishWeek(t: Test, from: TestBox, weekEnd: number): Promise<void> {
  const clock = new ManualClock(weekEnd - HOUR);
  const service = new DigestService({
    deviceId: from.id,
    profile,
    schedule: { day: 'mon', time: '08:00', timezone: profile.timezone },
    source: storeSource(from.store),
    stateFile: join(await tempDir(t), 'digest-state.json'),
    link: from.connection,
    sendText: async () => {
      throw new Error('this box has no modem');
    },
    log: silentLogger,
    clock,
  });
  await service.start();
  await clock.advance(HOUR);
  await service.stop();
}

/**
 * Broker options of `linekeeper fleet` for an operator certificate with common name `cn`. Each operator session
 * needs its own: the broker makes the certificate's CN the client id (`use_username_as_clientid`).
 */
async function operatorArgs(cn: string): Promise<string[]> {
  const files = await rig.pki.issue(cn, 'client');
  const tls = ['--ca', rig.pki.ca.cert, '--cert', files.cert, '--client-key', files.key];
  return ['--broker', rig.broker.url, ...tls, '--wait', '300'];
}

/** Waits until a running CLI has printed `text`; a timeout shows what it printed. */
async function printed(run: RunningCli, text: string, what: string): Promise<void> {
  const { output } = run;
  await waitFor(() => output.stdout.includes(text) || output.stderr.includes(text), what, 20_000).catch(
    (e: unknown) => {
      throw new Error(`${(e as Error).message}; stdout: ${run.output.stdout}; stderr: ${run.output.stderr}`);
    },
  );
}

/** Calls in the store between two moments, counted here independently of the report code. */
function callsBetween(from: number, to: number): number {
  return records.filter((r) => {
    const at = Date.parse(r.startedAt);
    return at >= from && at <= to;
  }).length;
}

interface DigestRow {
  week_start: Date;
  week_end: Date;
  calls: number;
  escalations: number;
  payload: WeeklyDigest;
}

async function storedDigests(deviceId: string): Promise<DigestRow[]> {
  const result = await rig.pool.query<DigestRow>(
    'SELECT week_start, week_end, calls, escalations, payload FROM lk_digests WHERE device_id = $1 ORDER BY week_start',
    [deviceId],
  );
  return result.rows;
}

t.test('a weekly digest lands in lk_digests once, also when the box sends the week twice', async (t) => {
  const before = ingest.stats.digests;
  await publishWeek(t, box, MONDAY_8AM);
  await publishWeek(t, box, MONDAY_8AM);
  await waitFor(() => ingest.stats.digests === before + 2, 'both digests to be written', 10_000);
  const rows = await storedDigests(box.id);
  t.equal(rows.length, 1, 'one row for the week');
  const row = rows[0] as DigestRow;
  t.equal(row.week_start.getTime(), MONDAY_8AM - WEEK, 'week_start: the Monday 08:00 before');
  t.equal(row.week_end.getTime(), MONDAY_8AM, 'week_end: the scheduled Monday 08:00');
  const calls = callsBetween(MONDAY_8AM - WEEK, MONDAY_8AM);
  t.ok(calls > 20, `a busy week (${calls} calls)`);
  t.equal(row.calls, calls, "calls: the week's calls in the box's store");
  t.equal(row.payload.calls.total, calls);
  t.equal(row.escalations, row.payload.escalations.total);
  t.ok(row.escalations > 0, `escalations counted (${row.escalations})`);
  t.ok(row.payload.unanswered.length > 0, 'the top unanswered questions are kept in the payload');
  t.equal(row.payload.deviceId, box.id);
});

t.test('malformed digests are logged naming the box and the problem, and skipped', async (t) => {
  const topic = box.connection.topic(DIGEST_TOPIC);
  const malformedBefore = ingest.stats.malformed;
  const rowsBefore = (await storedDigests(box.id)).length;
  const [valid] = (await storedDigests(box.id)).map((r) => r.payload);
  await box.connection.publish(topic, 'not json{', { qos: 1 });
  await box.connection.publish(
    topic,
    { ...valid, calls: { ...valid?.calls, total: 'many' }, latencyMs: {} },
    { qos: 1 },
  );
  await box.connection.publish(topic, { ...valid, deviceId: 'shop-9999' }, { qos: 1 });
  await box.connection.publish(topic, { ...valid, from: valid?.to }, { qos: 1 });
  await waitFor(() => ingest.stats.malformed === malformedBefore + 4, 'four malformed digests', 10_000);
  const dropped = warnings.filter((w) => w.includes(`dropped a message from ${box.id} on ${topic}`));
  t.match(dropped, [
    /payload is not JSON \(9 bytes\) \(E0601\)/,
    /not a weekly digest: calls\.total: must be integer; latencyMs\.p50: is required; latencyMs\.p90: is required \(E0601\)/,
    /deviceId "shop-9999" does not match the topic's shop-0042 \(E0601\)/,
    /not a weekly digest: from \S+ is not before to \S+ \(E0601\)/,
  ]);
  t.equal(dropped.length, 4, 'each logged once');
  // The ingest is still running: the next (valid) week is stored.
  await publishWeek(t, box, MONDAY_8AM + WEEK);
  await waitFor(async () => (await storedDigests(box.id)).length === rowsBefore + 1, 'the next week', 10_000);
  const next = (await storedDigests(box.id)).at(-1);
  t.equal(next?.calls, callsBetween(MONDAY_8AM, MONDAY_8AM + WEEK), 'the next week stored');
});

t.test(
  '`fleet digests --follow` prints the digests boxes publish, as blocks or JSON, by group',
  async (t) => {
    const north = box;
    await north.connection.setState({ group: 'north' });
    const south = await rig.box('shop-0043');
    await south.connection.waitConnected(10_000);
    await south.connection.setState({ group: 'south' });
    const operator1 = await operatorArgs('fleet-operator-1');
    const operator2 = await operatorArgs('fleet-operator-2');
    const runs: RunningCli[] = [];
    t.teardown(() => {
      for (const run of runs) if (run.output.code === null) run.child.kill('SIGKILL');
    });
    const start = (args: string[]) => {
      const run = startCli(['fleet', 'digests', ...args]);
      runs.push(run);
      return run;
    };

    const stored = await start(operator1).exited;
    t.not(stored.code, 0, 'without --follow: an error');
    t.match(stored.stderr, /the broker does not keep weekly digests .*ingest database, table lk_digests/);

    const all = start(['--follow', ...operator1]);
    const northJson = start(['--follow', '--group', 'north', '--json', ...operator2]);
    for (const run of [all, northJson]) await printed(run, 'following the weekly digests', 'the follower');
    t.match(northJson.output.stderr, 'following the weekly digests of group north; Ctrl-C stops');

    await publishWeek(t, south, MONDAY_8AM);
    await publishWeek(t, north, MONDAY_8AM);
    await printed(all, 'shop-0042  week', "shop-0042's digest printed");
    await printed(northJson, '"shop-0042"', 'the JSON line');

    const calls = callsBetween(MONDAY_8AM - WEEK, MONDAY_8AM);
    const [row] = await storedDigests(north.id);
    const digest = row?.payload as WeeklyDigest;
    const block = all.output.stdout.split('\n\n').find((b) => b.startsWith('shop-0042'));
    t.match(block, 'shop-0042  week 2026-11-16 00:00 → 2026-11-23 00:00 UTC');
    t.match(block, new RegExp(`^  calls {6}${calls} \\(${digest.calls.afterHours} after hours\\)$`, 'm'));
    const outcomes = /^ {2}outcomes {3}(.*)$/m.exec(block ?? '')?.[1] ?? '';
    t.same(
      Object.fromEntries(outcomes.split(', ').map((o) => [o.split(' ')[0], Number(o.split(' ')[1])])),
      digest.calls.outcomes,
      'outcomes: every count of the digest',
    );
    t.comment(`\n${block}`);
    const first = digest.unanswered[0];
    t.ok(first, 'the week has unanswered questions');
    t.match(block, `  unanswered ${first?.count}× ${JSON.stringify(first?.question)}`);
    t.match(
      all.output.stdout,
      /^shop-0043 {2}week .*\n {2}calls {6}0 \(0 after hours\)$/m,
      'every box by default',
    );

    const lines = northJson.output.stdout.trim().split('\n');
    t.equal(lines.length, 1, "--group north: only shop-0042's digest (shop-0043's came first)");
    t.same(JSON.parse(lines[0] ?? ''), digest, 'the digest as the box published it');

    northJson.child.kill('SIGINT');
    t.equal((await northJson.exited).code, 0, 'Ctrl-C ends it cleanly');

    // A second session with the same certificate takes the first one's client id: the first stops, saying why.
    const again = start(['--follow', ...operator1]);
    const lost = await all.exited;
    t.not(lost.code, 0, 'the follower whose session was taken over exits with an error');
    t.match(
      lost.stderr,
      /lost the connection to mqtts:\/\/\S+ \(.*another session with the same certificate/,
    );
    await printed(again, 'following the weekly digests', 'the new follower');
    again.child.kill('SIGINT');
    t.equal((await again.exited).code, 0);
  },
);

t.test('`fleet escalations --follow` prints the escalations boxes send', async (t) => {
  const follower = startCli([
    'fleet',
    'escalations',
    '--follow',
    ...(await operatorArgs('fleet-operator-1')),
  ]);
  t.teardown(() => {
    if (follower.output.code === null) follower.child.kill('SIGKILL');
  });
  await printed(follower, 'following the escalations of every box', 'the follower');
  await box.sync.recordCall(
    makeRecord({
      outcome: 'escalated',
      escalation: {
        reason: 'emotion',
        brief: 'Upset about a late cake',
        priority: 'high',
        action: 'callback',
      },
    }),
  );
  await printed(follower, 'Upset about a late cake', 'the escalation printed');
  const line = follower.output.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e.summary === 'Upset about a late cake');
  t.match(line, { deviceId: 'shop-0042', kind: 'escalation', urgency: 'high', schema: 1 });
  follower.child.kill('SIGINT');
  t.equal((await follower.exited).code, 0, 'Ctrl-C ends it cleanly');
});
