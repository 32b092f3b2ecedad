/**
 * The fleet agent as the daemon wires it (createFleetAgent on the box's call records and line), against a real
 * Mosquitto with TLS client certificates and the shipped device ACL, and the virtual modem: telemetry carries the
 * real modem, outbox, call and model figures; calls.export answers redacted records; reload validates first, and a
 * restart and an app update wait for the call in progress.
 */
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import t, { type Test } from 'tap';
import { ulid } from 'ulid';
import { inProcessPorts } from '../../device/emulator/in-process-binding.js';
import { VirtualModem } from '../../device/emulator/virtual-modem.js';
import { profileById } from '../../device/profiles/index.js';
import { CallRecordsService } from '../../src/app/call-records.js';
import { type DaemonContext, startServices } from '../../src/app/daemon.js';
import { LineService } from '../../src/calls/line-service.js';
import { loadDeviceConfig, loadShopProfile } from '../../src/config/load.js';
import type { CommandResponse } from '../../src/fleet/agent.js';
import type { CallsExport } from '../../src/fleet/calls-export.js';
import { FleetOperator } from '../../src/fleet/operator.js';
import { SWITCHED_FILE } from '../../src/fleet/rollback-files.js';
import { generateFleetKeys, signEnvelope } from '../../src/fleet/signing.js';
import type { Telemetry } from '../../src/fleet/telemetry.js';
import { createFleetAgent } from '../../src/fleet/wiring.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ProfileId } from '../../src/modem/profile.js';
import { createDeviceConnection } from '../../src/mqtt/connection.js';
import { createKeyFile } from '../../src/privacy/key-file.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { fetchModel } from '../../src/speech/models/install.js';
import { findModel, loadManifest } from '../../src/speech/models/manifest.js';
import { TestPki } from '../helpers/certs.js';
import { writeRelease } from '../helpers/fleet-rig.js';
import { TestBroker } from '../helpers/mosquitto.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { DEVICE_ACL } from '../helpers/sync-rig.js';
import { waitFor } from '../helpers/wait.js';

const ID = 'shop-0007';
const run = promisify(execFile);

/**
 * A box: broker (TLS, shipped ACL), config and profile on disk, an install directory running release 1.0.0, and
 * the daemon's services with the fleet agent.
 */
async function startBox(t: Test, modemProfile: ProfileId) {
  const dir = await mkdtemp(join(tmpdir(), 'lk-box-fleet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await TestPki.create();
  t.teardown(() => rm(pki.dir, { recursive: true, force: true }));
  const broker = await TestBroker.start({
    tls: { ca: pki.ca.cert, server: await pki.issue('localhost', 'server') },
    acl: `user fleet-operator\ntopic readwrite lk/v1/#\n\n${DEVICE_ACL}`,
    extra: ['use_username_as_clientid true'],
  });
  t.teardown(() => broker.dispose());
  const device = await pki.issue(ID, 'client');
  const operatorCert = await pki.issue('fleet-operator', 'client');
  const keys = generateFleetKeys();
  await writeFile(join(dir, 'fleet-public.pem'), keys.publicPem);
  await copyFile(`${SHARED_EXAMPLES}shop-bakery.yaml`, join(dir, 'shop.yaml'));
  await copyFile(`${SHARED_EXAMPLES}orders-bakery.csv`, join(dir, 'orders-bakery.csv'));
  await mkdir(join(dir, 'keys'));
  await createKeyFile(join(dir, 'keys/records.key'));
  await writeRelease(join(dir, 'opt/releases/1.0.0'), 'process.exit(0);\n');
  await symlink('releases/1.0.0', join(dir, 'opt/current'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(
    configFile,
    `version: 1\ndevice: { id: ${ID} }\nshopProfile: shop.yaml\n` +
      `modem: { profile: ${modemProfile}, ringsBeforeAnswer: 1, forwardToOwner: false }\n` +
      `storage: { dataDir: ${join(dir, 'data')}, minFreeMb: 10 }\n` +
      `privacy: { encryptionKeyFile: ${join(dir, 'keys/records.key')} }\n` +
      `mqtt: { enabled: true, url: "${broker.url}", caFile: ${pki.ca.cert}, certFile: ${device.cert}, keyFile: ${device.key} }\n` +
      `speech: { modelsDir: ${join(dir, 'models')} }\n` +
      `fleet: { publicKeyFile: ${join(dir, 'fleet-public.pem')}, telemetryIntervalSeconds: 3600, ` +
      `installDir: ${join(dir, 'opt')}, updateHealthSeconds: 10 }\n`,
  );
  const config = await loadDeviceConfig(configFile, {});
  const shop = await loadShopProfile(config.shopProfile);
  const restarts: string[] = [];
  const context: DaemonContext = {
    config,
    configFile,
    shop,
    log: silentLogger,
    requestRestart: (reason) => restarts.push(reason),
  };
  // The same services compose.ts builds, with the virtual modem in place of the serial ports.
  const connection = createDeviceConnection(config.mqtt, ID, silentLogger);
  const records = new CallRecordsService({
    config,
    retentionDays: shop.profile.privacy.retention_days,
    log: silentLogger,
    connection,
  });
  const profile = profileById(modemProfile);
  const emulator = new VirtualModem(profile);
  t.teardown(() => emulator.dispose());
  const ports = inProcessPorts(emulator);
  const line = new LineService({
    config: config.modem,
    profile,
    log: silentLogger,
    openBinding: (path) => (path === config.modem.audioPort ? ports.audio : ports.at),
  });
  let agent = createFleetAgent(context, connection, { records, line });
  const stop = await startServices([connection, records, line, agent], silentLogger);
  t.teardown(async () => {
    await agent.stop();
    await stop();
  });
  await connection.waitConnected(10_000);

  const operator = await FleetOperator.connect({
    url: broker.url,
    ca: await readFile(pki.ca.cert),
    cert: await readFile(operatorCert.cert),
    key: await readFile(operatorCert.key),
  });
  t.teardown(() => operator.close());
  const privateKey: KeyObject = createPrivateKey(keys.privatePem);
  const command = (
    name: string,
    args: Record<string, unknown> = {},
    options: Parameters<FleetOperator['command']>[1] = {},
  ) =>
    operator.command(
      signEnvelope(
        { kind: 'command', deviceId: ID, version: Date.now(), payload: { name, args }, ttlSeconds: 60 },
        privateKey,
      ),
      options,
    );
  /** What the daemon does on a requested restart, in-process: the fleet agent starts again. */
  const restartAgent = async () => {
    await agent.stop();
    agent = createFleetAgent(context, connection, { records, line });
    await agent.start();
  };
  const telemetry: Telemetry[] = [];
  operator.client.on('message', (topic, payload) => {
    if (topic === `lk/v1/${ID}/telemetry`) telemetry.push(JSON.parse(payload.toString()) as Telemetry);
  });
  const events: string[] = [];
  operator.client.on('message', (topic, payload) => {
    if (topic.startsWith(`lk/v1/${ID}/calls/`))
      events.push((JSON.parse(payload.toString()) as { eventId: string }).eventId);
  });
  await operator.client.subscribeAsync([`lk/v1/${ID}/telemetry`, `lk/v1/${ID}/calls/+`], { qos: 1 });
  /** Has the agent publish telemetry now and returns what the broker delivered. */
  const publishedTelemetry = async (): Promise<Telemetry> => {
    const seen = telemetry.length;
    await box.agent.publishTelemetry();
    await waitFor(() => telemetry.length > seen, 'telemetry on the broker', 10_000);
    return telemetry.at(-1) as Telemetry;
  };
  const ring = async () => {
    const connected = new Promise<void>((resolve) => line.calls.once('connected', () => resolve()));
    emulator.ring({ number: '+8613800000000', ringIntervalMs: 100 });
    await connected;
  };
  const box = {
    dir,
    config,
    shop,
    records,
    emulator,
    line,
    get agent() {
      return agent;
    },
    restartAgent,
    operator,
    privateKey,
    restarts,
    events,
    command,
    publishedTelemetry,
    ring,
  };
  return box;
}

/** A finished call that started at `at`. */
function call(at: DateTime, fields: Partial<CallRecord> = {}): CallRecord {
  return {
    id: ulid(at.toMillis()),
    startedAt: at.toUTC().toISO() as string,
    endedAt: at.plus({ minutes: 1 }).toUTC().toISO() as string,
    callerNumber: '+8613912345678',
    turns: [
      {
        at: at.toUTC().toISO() as string,
        transcript: 'when do you open',
        intent: 'hours',
        reply: 'At 7:30.',
      },
    ],
    outcome: 'resolved',
    ...fields,
  };
}

t.test('GSM box: telemetry carries the real modem, outbox and call figures', async (t) => {
  const box = await startBox(t, 'sim7600');
  const zone = box.shop.profile.timezone;
  const now = DateTime.now().setZone(zone);
  const midnight = now.startOf('day');
  // Two moments between midnight and now, in whole milliseconds.
  const today = (fraction: number) =>
    midnight.plus({ milliseconds: Math.floor(now.diff(midnight).toMillis() * fraction) });
  const seeded = Date.now();
  // Two calls today in the shop's timezone (one escalated), one a minute before its midnight.
  await box.records.recordCall(call(midnight.minus({ minutes: 1 })));
  await box.records.recordCall(call(today(1 / 2)));
  await box.records.recordCall(
    call(today(3 / 4), {
      outcome: 'escalated',
      escalation: { reason: 'requested', brief: 'Wants the owner.', priority: 'high', action: 'callback' },
    }),
  );

  const first = await box.publishedTelemetry();
  t.same(
    first.modem,
    { state: 'ready', signalDbm: -67, sim: 'ready', registration: 'home' },
    '+CSQ 23 is -67 dBm',
  );
  t.same(first.calls, { today: 2, escalationsToday: 1 }, "today's calls in the shop's timezone");
  // Nothing acknowledges in this test: every event of the three calls waits (escalation + 3 summaries).
  t.equal(first.outbox.depth, 4);
  t.ok(
    typeof first.outbox.oldestAgeS === 'number' &&
      first.outbox.oldestAgeS >= 0 &&
      first.outbox.oldestAgeS <= Math.ceil((Date.now() - seeded) / 1000),
    `oldest event age ${first.outbox.oldestAgeS} s`,
  );

  // The network changes: the next telemetry says so.
  box.emulator.network = { rssi: 10, sim: 'READY', registration: 5 };
  const moved = await box.publishedTelemetry();
  t.same(moved.modem, { state: 'ready', signalDbm: -93, sim: 'ready', registration: 'roaming' });
  // The cloud acknowledges every event it received: the outbox is empty.
  await waitFor(() => box.events.length === 4, 'the four events on the broker');
  await box.operator.client.publishAsync(`lk/v1/${ID}/sync/ack`, JSON.stringify({ eventIds: box.events }), {
    qos: 1,
  });
  await waitFor(() => box.records.sync?.outboxDepth === 0, 'the acknowledgement');
  t.same((await box.publishedTelemetry()).outbox, { depth: 0, oldestAgeS: 0 });

  // During a call the modem is not asked: the last reading stands.
  await box.ring();
  box.emulator.network = { rssi: 5, sim: 'absent', registration: 0 };
  const inCall = await box.publishedTelemetry();
  t.same(inCall.modem, moved.modem, 'the reading from before the call');
  box.emulator.hangUp();
  await waitFor(() => box.line.calls.state === 'idle', 'the call to end');
  t.same((await box.publishedTelemetry()).modem, {
    state: 'ready',
    signalDbm: -103,
    sim: 'absent',
    registration: 'not-registered',
  });
  const selftest = await box.command('selftest');
  const checks = selftest.data as { name: string; status: string; summary: string }[];
  t.match(
    checks.find((c) => c.name === 'sim'),
    { status: 'fail', summary: 'SIM absent' },
  );
  t.match(
    checks.find((c) => c.name === 'signal'),
    { status: 'fail', summary: /not registered/ },
  );
});

t.test('analog box: no SIM and no network, reported as not applicable', async (t) => {
  const box = await startBox(t, 'usr5637');
  const telemetry = await box.publishedTelemetry();
  t.same(telemetry.modem, {
    state: 'ready',
    signalDbm: 'not-applicable',
    sim: 'not-applicable',
    registration: 'not-applicable',
  });
  t.same(telemetry.calls, { today: 0, escalationsToday: 0 });
  t.same(telemetry.outbox, { depth: 0, oldestAgeS: 0 });
  const selftest = await box.command('selftest');
  const checks = selftest.data as { name: string; status: string; summary: string }[];
  t.match(
    checks.find((c) => c.name === 'sim'),
    { status: 'ok', summary: /no SIM/ },
  );
  t.match(
    checks.find((c) => c.name === 'signal'),
    { status: 'ok', summary: /analog/ },
  );
});

t.test('calls.export answers redacted records, oldest first, page by page', async (t) => {
  const box = await startBox(t, 'sim7600');
  const start = DateTime.now()
    .setZone(box.shop.profile.timezone)
    .minus({ days: 3 })
    .set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
  const spoken = 'call me back on 139 1234 5678 or bob@example.com';
  for (let i = 0; i < 3; i++)
    await box.records.recordCall(
      call(start.plus({ hours: i }), {
        turns: [{ at: start.toUTC().toISO() as string, transcript: spoken, reply: 'I will pass it on.' }],
        outcome: 'message',
        message: { name: 'Bob', callback: '13912345678', text: spoken },
        recording: join(box.dir, 'data/recordings/x.lkrec'),
      }),
    );

  const firstPage = await box.command('calls.export', { since: start.toISODate(), limit: 2 });
  t.equal(firstPage.status, 'ok', String(firstPage.error));
  const page = firstPage.data as CallsExport;
  t.equal(page.records.length, 2);
  t.equal(page.truncated, true);
  t.equal(page.next, start.plus({ hours: 2 }).toUTC().toISO());
  const text = JSON.stringify(page);
  for (const secret of ['13912345678', '139 1234 5678', 'bob@example.com', 'x.lkrec'])
    t.notOk(text.includes(secret), `no ${secret} in the export`);
  t.match(page.records[0], {
    callerNumber: null,
    callerHash: /^[0-9a-f]{32}$/,
    turns: [{ transcript: 'call me back on [PHONE] or [EMAIL]' }],
    message: { callback: '[PHONE]' },
  });
  t.ok(
    page.records.every((r, i) => r.startedAt === start.plus({ hours: i }).toUTC().toISO()),
    'oldest first',
  );
  const secondPage = (await box.command('calls.export', { since: page.next })).data as CallsExport;
  t.same(
    secondPage.records.map((r) => r.startedAt),
    [page.next],
  );
  t.match(secondPage, { truncated: false, next: null });

  const cases: [Record<string, unknown>, RegExp][] = [
    [{ limit: 0 }, /limit must be a whole number from 1 to 500, got 0/],
    [{ since: 'last tuesday' }, /since expects a date like 2026-11-01, got "last tuesday"/],
    [{ caller: '+86139' }, /calls\.export takes since, until, limit; not "caller"/],
  ];
  for (const [args, error] of cases) {
    const response: CommandResponse = await box.command('calls.export', args);
    t.match(response, { status: 'error', error }, JSON.stringify(args));
  }
});

t.test('reload validates first; restarts wait for the call in progress', async (t) => {
  const box = await startBox(t, 'sim7600');
  const shopFile = box.config.shopProfile;
  const original = await readFile(shopFile, 'utf8');

  t.match(await box.command('reload'), {
    status: 'ok',
    data: { changed: [], restart: 'not-needed', message: /valid and unchanged/ },
  });
  await writeFile(shopFile, original.replace('mon: ["07:30-19:00"]', 'mon: ["25:00-19:00"]'));
  t.match(await box.command('reload'), { status: 'error', error: /shop\.yaml.*hours\.mon\[0\]/s });
  t.same(box.restarts, [], 'a broken profile restarts nothing');

  await writeFile(
    shopFile,
    original.replace('Golden Crust Bakery. How', 'Golden Crust Bakery, open late. How'),
  );
  await box.ring();
  t.match(await box.command('reload'), {
    status: 'ok',
    data: {
      changed: ['shop profile'],
      restart: 'after-call',
      message: /as soon as the call in progress ends/,
    },
  });
  t.match(await box.command('restart'), { status: 'ok', data: /as soon as the call in progress ends/ });
  t.same(box.restarts, [], 'the caller is not cut off');
  box.emulator.hangUp();
  await waitFor(() => box.restarts.length > 0, 'the restart after the call');
  t.same(box.restarts, ['fleet restart'], 'one restart, once the line is free');

  // A profile pushed over the fleet (shop/desired and shop/reported under the shipped ACL) restarts at once when idle.
  const pushed = await box.operator.push(
    'shop',
    signEnvelope(
      { kind: 'shop', deviceId: ID, version: 3, payload: { yaml: original }, ttlSeconds: 600 },
      box.privateKey,
    ),
  );
  t.match(pushed, { status: 'applied', version: 3 });
  t.same(box.restarts, ['fleet restart', 'fleet new shop']);
  t.match(await box.command('restart'), { status: 'ok', data: 'restarting now' });
});

t.test('telemetry reports the models that verify, checked again while the line is idle', async (t) => {
  const box = await startBox(t, 'sim7600');
  t.same((await box.publishedTelemetry()).versions.models, {}, 'none installed yet');

  const manifest = await loadManifest();
  const vad = findModel(manifest, 'silero-vad');
  const modelsDir = box.config.speech.modelsDir;
  const dir = await fetchModel(vad, { modelsDir, baseUrl: manifest.baseUrl, log: silentLogger });
  const file = join(dir, vad.files[0]?.path ?? '');
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  t.equal(sha256, vad.files[0]?.sha256, 'the file the manifest pins');
  const installed = await box.publishedTelemetry();
  t.same(installed.versions.models, { 'silero-vad': sha256.slice(0, 12) }, 'name and short SHA-256');
  t.equal(installed.versions.profile, box.shop.hash.slice(0, 12));

  // Damaged during a call: not hashed while the caller talks, found once the line is free.
  await box.ring();
  await appendFile(file, 'x');
  t.same(
    (await box.publishedTelemetry()).versions.models,
    installed.versions.models,
    'the last result stands',
  );
  box.emulator.hangUp();
  await waitFor(() => box.line.calls.state === 'idle', 'the call to end');
  t.same((await box.publishedTelemetry()).versions.models, {}, 'a damaged model is not reported');
});

t.test('a model installed during a call is loaded by a restart after the hang-up', async (t) => {
  const box = await startBox(t, 'sim7600');
  await box.ring();
  const progress: Record<string, unknown>[] = [];
  // The shipped manifest's Silero VAD (copied from its npm package and checked against its pin, no download).
  const installed = await box.command(
    'models.install',
    { name: 'silero-vad' },
    { onProgress: (p) => progress.push(p), jobTimeoutMs: 60_000 },
  );
  t.match(installed, {
    status: 'ok',
    job: { status: 'SUCCEEDED', statusDetails: /installed and verified silero-vad/ },
  });
  t.ok(
    progress.some((p) => p.step === 'verifying'),
    progress.map((p) => p.step).join(' '),
  );
  t.same(box.restarts, [], 'the caller is not cut off');
  box.emulator.hangUp();
  await waitFor(() => box.restarts.length > 0, 'the restart after the call');
  t.same(box.restarts, ['fleet new model silero-vad']);
  t.match(
    (await box.publishedTelemetry()).versions.models,
    { 'silero-vad': /^[0-9a-f]{12}$/ },
    'telemetry recognises the install',
  );
});

t.test('an app update asked for during a call switches releases after the hang-up', async (t) => {
  const box = await startBox(t, 'sim7600');
  const build = join(box.dir, 'build');
  await writeRelease(build, 'process.exit(0);\n');
  const artifact = join(box.dir, 'linekeeper-2.0.0.tar.gz');
  await run('tar', ['-czf', artifact, '-C', build, '.']);
  const sha256 = createHash('sha256')
    .update(await readFile(artifact))
    .digest('hex');
  const current = join(box.config.fleet.installDir, 'current');

  await box.ring();
  const progress: Record<string, unknown>[] = [];
  const job = box.command(
    'app.update',
    { version: '2.0.0', url: artifact, sha256 },
    { onProgress: (p) => progress.push(p), jobTimeoutMs: 60_000 },
  );
  await waitFor(() => progress.some((p) => p.step === 'waiting-for-idle'), 'the update to wait');
  t.match(progress.at(-1), {
    status: 'IN_PROGRESS',
    statusDetails: '2.0.0 is staged; waiting for the call in progress to end',
  });
  t.equal(await readlink(current), 'releases/1.0.0', 'still the old release during the call');
  t.same(box.restarts, [], 'the caller is not cut off');
  t.same(box.agent.state.data.pendingUpdate, { jobId: progress[0]?.jobId, from: '1.0.0', to: '2.0.0' });

  box.emulator.hangUp();
  await waitFor(() => box.restarts.length > 0, 'the restart after the call');
  t.same(box.restarts, ['fleet app update to 2.0.0']);
  t.equal(await readlink(current), 'releases/2.0.0', 'switched once the line was free');
  t.match(progress.at(-1), { step: 'restarting', statusDetails: 'switched 1.0.0 → 2.0.0' });
  t.equal(box.agent.state.data.pendingUpdate?.deadline, undefined, 'no health deadline before the restart');
  const switched = join(box.config.storage.dataDir, SWITCHED_FILE);
  t.match(
    await readFile(switched, 'utf8'),
    /^from=1\.0\.0\nto=2\.0\.0\n$/m,
    'unproven: the rollback script may undo it',
  );

  const restartedAt = Date.now();
  await box.restartAgent();
  const result = await job;
  t.match(result, { status: 'ok', job: { status: 'SUCCEEDED', statusDetails: 'running 2.0.0' } });
  const check = progress.find((p) => p.step === 'health-check');
  const healthyBy = Date.parse(/healthy by (\S+)/.exec(String(check?.statusDetails))?.[1] ?? '');
  t.ok(
    healthyBy >= restartedAt + box.config.fleet.updateHealthSeconds * 1000,
    `the health deadline ${new Date(healthyBy).toISOString()} counts from the restart`,
  );
  t.equal(box.agent.state.data.pendingUpdate, undefined, 'nothing pending');
  t.notOk(existsSync(switched), 'proven: nothing for the rollback script to undo');
});
