import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import t, { type Test } from 'tap';
import { composeServices } from '../../src/app/compose.js';
import { loadShopProfile, validateDeviceConfig } from '../../src/config/load.js';
import type { ShopProfile } from '../../src/config/shop-schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { encodeUcs2Submit } from '../../src/modem/sms.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import { ownerText, type SendText, type WeeklyDigest } from '../../src/report/digest.js';
import { DigestService, lastScheduled } from '../../src/report/digest-service.js';
import { storeSource } from '../../src/report/record-source.js';
import { RecordStore } from '../../src/store/record-store.js';
import { startLineRig } from '../helpers/line-rig.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { TestBroker } from '../helpers/mosquitto.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { tempDir, testCipher } from '../helpers/store.js';
import { waitFor } from '../helpers/wait.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const DEVICE = 'shop-0042';
const TOPIC = `lk/v1/${DEVICE}/digest/weekly`;
// Monday 23 November 2026, 08:00 in the bakery's timezone (Asia/Shanghai, UTC+8).
const MONDAY_8AM = Date.parse('2026-11-23T00:00:00Z');

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const quietProfile: ShopProfile = { ...shop.profile, reports: { weekly_text: false } };
const textingProfile: ShopProfile = { ...shop.profile, reports: { weekly_text: true } };

// Three weeks of calls in the box's real (encrypted, fsynced) record store.
const records = generateDemoCalls(shop.profile, { end: new Date(MONDAY_8AM + WEEK + DAY), days: 22 });
const store = await RecordStore.open({
  dataDir: await tempDir(t),
  cipher: testCipher(),
  log: silentLogger,
  minFreeMb: 1,
});
t.teardown(() => store.close());
for (const record of records) await store.put(record);

// Mosquitto with the device ACL: the box may publish its state and its digest; the fleet reads everything.
const broker = await TestBroker.start({
  passwords: { [DEVICE]: 'device-pw', fleet: 'fleet-pw' },
  acl: `user fleet\ntopic readwrite lk/v1/#\n\npattern write lk/v1/%u/state\npattern write lk/v1/%u/digest/weekly\n`,
});
t.teardown(() => broker.dispose());

// The fleet side keeps a persistent session, as the fleet's consumer does, so digests wait for it.
const digests: WeeklyDigest[] = [];
let markers = 0;
const fleet: MqttClient = await connectAsync(broker.url, {
  clientId: 'fleet-digests',
  username: 'fleet',
  password: 'fleet-pw',
  protocolVersion: 5,
  clean: false,
  properties: { sessionExpiryInterval: 3600 },
  reconnectPeriod: 100,
});
t.teardown(() => fleet.endAsync(true));
fleet.on('message', (topic, payload) => {
  if (topic === TOPIC) digests.push(JSON.parse(payload.toString()) as WeeklyDigest);
  else markers++;
});
await fleet.subscribeAsync([TOPIC, 'lk/v1/test/marker'], { qos: 1 });

/** The box's MQTT connection, closed with the test. */
async function deviceLink(t: Test): Promise<MqttConnection> {
  const link = new MqttConnection({
    url: broker.url,
    clientId: DEVICE,
    devicePrefix: `lk/v1/${DEVICE}`,
    keepaliveSeconds: 30,
    sessionExpirySeconds: 0,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    username: DEVICE,
    password: 'device-pw',
    log: silentLogger,
  });
  await link.start();
  await link.waitConnected(10_000);
  t.teardown(() => link.stop());
  return link;
}

/** A digest service of the box on a manual clock, stopped with the test. */
async function startDigest(
  t: Test,
  options: {
    clock: ManualClock;
    stateDir: string;
    profile: ShopProfile;
    link?: MqttConnection;
    sendText?: SendText;
  },
): Promise<DigestService> {
  const service = new DigestService({
    deviceId: DEVICE,
    profile: options.profile,
    schedule: { day: 'mon', time: '08:00', timezone: options.profile.timezone },
    source: storeSource(store),
    stateFile: join(options.stateDir, 'digest-state.json'),
    ...(options.link ? { link: options.link } : {}),
    sendText:
      options.sendText ??
      (async () => {
        throw new Error('this box has no modem');
      }),
    log: silentLogger,
    clock: options.clock,
    retryMs: 10 * 60_000,
  });
  await service.start();
  t.teardown(() => service.stop());
  return service;
}

/**
 * Resolves once `service` has finished its check and anything it published has reached the fleet: a marker the
 * fleet publishes after the check's PUBACK comes back after any digest Mosquitto routed before it.
 */
async function settled(service: DigestService): Promise<void> {
  await service.idle();
  const expected = markers + 1;
  await fleet.publishAsync('lk/v1/test/marker', 'x', { qos: 1 });
  await waitFor(() => markers >= expected, 'the marker', 10_000);
}

async function nextDigest(count: number): Promise<WeeklyDigest> {
  await waitFor(() => digests.length >= count, `digest #${count}`, 10_000);
  return digests[count - 1] as WeeklyDigest;
}

/** What the store holds for a week, counted here independently of the report code. */
function weekOf(from: number, to: number): { total: number; outcomes: Record<string, number> } {
  const inWeek = records.filter((r: CallRecord) => {
    const at = Date.parse(r.startedAt);
    return at >= from && at <= to;
  });
  const outcomes: Record<string, number> = {};
  for (const r of inWeek) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return { total: inWeek.length, outcomes };
}

function checkContents(t: Test, digest: WeeklyDigest, to: number): void {
  const from = to - WEEK;
  t.equal(digest.deviceId, DEVICE);
  t.equal(digest.from, new Date(from).toISOString(), 'from: the Monday 08:00 a week before');
  t.equal(digest.to, new Date(to).toISOString(), 'to: the scheduled Monday 08:00');
  const expected = weekOf(from, to);
  t.ok(expected.total > 20, `a busy week in the store (${expected.total} calls)`);
  t.equal(digest.calls.total, expected.total, "the week's calls in the store");
  for (const [outcome, count] of Object.entries(expected.outcomes))
    t.equal(digest.calls.outcomes[outcome as keyof WeeklyDigest['calls']['outcomes']], count, outcome);
}

t.test('the scheduled moment is a local time in the shop timezone, across DST', async (t) => {
  const schedule = { day: 'mon', time: '08:00', timezone: 'Asia/Shanghai' } as const;
  t.equal(lastScheduled(MONDAY_8AM, schedule).toMillis(), MONDAY_8AM, 'at the moment itself');
  t.equal(lastScheduled(MONDAY_8AM - 1, schedule).toMillis(), MONDAY_8AM - WEEK, 'a moment before');
  t.equal(lastScheduled(MONDAY_8AM + 6 * DAY, schedule).toMillis(), MONDAY_8AM, 'on Sunday');
  // Berlin moves to summer time on Sunday 29 March 2026: Monday 08:00 is 07:00 UTC before, 06:00 UTC after.
  const berlin = { day: 'mon', time: '08:00', timezone: 'Europe/Berlin' } as const;
  const after = lastScheduled(Date.parse('2026-03-30T06:00:00Z'), berlin);
  t.equal(after.toISO(), '2026-03-30T08:00:00.000+02:00');
  t.equal(lastScheduled(Date.parse('2026-03-30T05:59:59Z'), berlin).toISO(), '2026-03-23T08:00:00.000+01:00');
});

t.test(
  'published at Monday 08:00 shop time with the store calls; no double-send after a restart',
  async (t) => {
    const stateDir = await tempDir(t);
    const link = await deviceLink(t);
    const clock = new ManualClock(MONDAY_8AM - 12 * HOUR);
    const before = digests.length;
    let service = await startDigest(t, { clock, stateDir, profile: quietProfile, link });
    await settled(service);
    t.equal(digests.length, before, 'a new box has missed nothing: no digest at its first start');

    await clock.advance(12 * HOUR - 1000);
    await settled(service);
    t.equal(digests.length, before, 'nothing at 07:59:59');
    await clock.advance(1000);
    checkContents(t, await nextDigest(before + 1), MONDAY_8AM);

    await service.stop();
    service = await startDigest(t, { clock, stateDir, profile: quietProfile, link });
    await clock.advance(HOUR);
    await settled(service);
    t.equal(digests.length, before + 1, 'the restarted box remembers the week was sent');

    await clock.advance(WEEK - HOUR);
    checkContents(t, await nextDigest(before + 2), MONDAY_8AM + WEEK);
    await settled(service);
    t.equal(digests.length, before + 2, 'one digest per week');
  },
);

t.test('a box that was off at the scheduled time catches up once', async (t) => {
  const stateDir = await tempDir(t);
  const link = await deviceLink(t);
  const clock = new ManualClock(MONDAY_8AM - HOUR);
  const before = digests.length;
  await (await startDigest(t, { clock, stateDir, profile: quietProfile, link })).stop();
  // Off from Monday 07:00 to Wednesday 07:00.
  await clock.advance(2 * DAY);
  const back = await startDigest(t, { clock, stateDir, profile: quietProfile, link });
  checkContents(t, await nextDigest(before + 1), MONDAY_8AM);
  await back.stop();
  const again = await startDigest(t, { clock, stateDir, profile: quietProfile, link });
  await clock.advance(HOUR);
  await settled(again);
  t.equal(digests.length, before + 1, 'caught up once, not again after the next restart');
});

t.test('with the broker down the digest waits and goes out on reconnect', async (t) => {
  const stateDir = await tempDir(t);
  const link = await deviceLink(t);
  const clock = new ManualClock(MONDAY_8AM - HOUR);
  const before = digests.length;
  const service = await startDigest(t, { clock, stateDir, profile: quietProfile, link });
  await broker.stop();
  await waitFor(() => !link.connected, 'the box to notice the broker is gone', 10_000);
  await clock.advance(HOUR);
  await service.idle();
  t.equal(digests.length, before, 'nothing could go out');
  await broker.restart();
  checkContents(t, await nextDigest(before + 1), MONDAY_8AM);
  await settled(service);
  t.equal(digests.length, before + 1, 'sent once after the reconnect');
});

t.test('the owner gets a text only when the profile asks; the text does not need MQTT', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  const sendText: SendText = (number, text) => rig.modem.sendText(number, text);
  const link = await deviceLink(t);

  const quietClock = new ManualClock(MONDAY_8AM - HOUR);
  const before = digests.length;
  const quiet = await startDigest(t, {
    clock: quietClock,
    stateDir: await tempDir(t),
    profile: quietProfile,
    link,
    sendText,
  });
  await quietClock.advance(HOUR);
  await nextDigest(before + 1);
  await settled(quiet);
  t.same(rig.emulator.sms, [], 'no text without reports.weekly_text');
  await quiet.stop();

  const textingClock = new ManualClock(MONDAY_8AM - HOUR);
  const texting = await startDigest(t, {
    clock: textingClock,
    stateDir: await tempDir(t),
    profile: textingProfile,
    link,
    sendText,
  });
  await textingClock.advance(HOUR);
  const digest = await nextDigest(before + 2);
  await texting.idle();
  t.equal(rig.emulator.sms.length, 1, 'one text');
  const text = ownerText(digest, textingProfile, 'zh');
  t.match(text, `本周${digest.calls.total}通电话`, "the profile's first language (zh), the week's calls");
  const [pdu] = encodeUcs2Submit(textingProfile.owner.mobile, text);
  t.same(rig.emulator.sms[0], { destination: String(pdu?.tpduLength), mode: 'pdu', body: pdu?.pdu });
  await texting.stop();

  // A box without MQTT still texts its owner, once.
  const offlineClock = new ManualClock(MONDAY_8AM + WEEK - HOUR);
  const stateDir = await tempDir(t);
  const offline = await startDigest(t, {
    clock: offlineClock,
    stateDir,
    profile: textingProfile,
    sendText,
  });
  await offlineClock.advance(HOUR);
  await offline.idle();
  t.equal(rig.emulator.sms.length, 2, 'texted without MQTT');
  await offline.stop();
  const restarted = await startDigest(t, {
    clock: offlineClock,
    stateDir,
    profile: textingProfile,
    sendText,
  });
  await offlineClock.advance(HOUR);
  await settled(restarted);
  t.equal(rig.emulator.sms.length, 2, 'not texted again after a restart');
  t.equal(digests.length, before + 2, 'nothing published by the box without MQTT');
});

t.test('a failed text is tried again later', async (t) => {
  const texts: string[] = [];
  let failures = 1;
  const clock = new ManualClock(MONDAY_8AM - HOUR);
  const service = await startDigest(t, {
    clock,
    stateDir: await tempDir(t),
    profile: textingProfile,
    sendText: async (_number, text) => {
      if (failures-- > 0) throw new Error('+CMS ERROR: 331 (no network service)');
      texts.push(text);
    },
  });
  await clock.advance(HOUR);
  await service.idle();
  t.same(texts, [], 'the first attempt failed');
  await clock.advance(10 * 60_000);
  await service.idle();
  t.equal(texts.length, 1, 'sent on the retry');
  await clock.advance(HOUR);
  await service.idle();
  t.equal(texts.length, 1, 'and only once');
});

t.test('the daemon runs the digest service unless digest.enabled is false', async (t) => {
  const compose = (digest: object) =>
    composeServices({
      config: validateDeviceConfig({ digest }).config,
      shop,
      log: silentLogger,
      configFile: 'test.yaml',
      requestRestart: () => {},
    }).map((s) => s.name);
  t.ok(compose({}).includes('digest'), 'on by default');
  t.notOk(compose({ enabled: false }).includes('digest'));
});

t.test('a state file from a newer release turns the digest off without stopping the daemon', async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(
    join(stateDir, 'digest-state.json'),
    '{"schemaVersion": 99, "published": "", "texted": ""}',
  );
  const texts: string[] = [];
  const clock = new ManualClock(MONDAY_8AM - HOUR);
  const service = await startDigest(t, {
    clock,
    stateDir,
    profile: textingProfile,
    sendText: async (_number, text) => {
      texts.push(text);
    },
  });
  await clock.advance(HOUR);
  await service.idle();
  t.same(texts, [], 'nothing sent rather than maybe twice');
});
