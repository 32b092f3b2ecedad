import { execFile } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import t from 'tap';
import type { CommandResponse } from '../../src/fleet/agent.js';
import type { DesiredReport } from '../../src/fleet/desired.js';
import { SWITCHED_FILE } from '../../src/fleet/rollback-files.js';
import { generateFleetKeys, signEnvelope } from '../../src/fleet/signing.js';
import { FleetRig, writeRelease } from '../helpers/fleet-rig.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

t.test(
  'desired shop profile and config: applied and reported; bad signature, older and invalid rejected',
  async (t) => {
    const rig = await FleetRig.start(t);
    const original = await readFile(rig.shopFile, 'utf8');
    const changed = original.replace('Golden Crust Bakery. How', 'Golden Crust Bakery, now open late. How');
    const sign = (version: number, yaml: string, key = rig.privateKey) =>
      signEnvelope(
        { kind: 'shop', deviceId: 'shop-0001', version, payload: { yaml }, ttlSeconds: 3600 },
        key,
      );

    const applied: DesiredReport = await rig.operator.push('shop', sign(10, changed));
    t.match(applied, { status: 'applied', version: 10, current: { version: 10 } });
    t.equal(await readFile(rig.shopFile, 'utf8'), changed, 'the new profile is in place');
    t.equal(
      await readFile(`${rig.shopFile}.last-good`, 'utf8'),
      original,
      'the previous one kept as last good',
    );
    t.same(rig.applied, ['shop'], 'the daemon was told to reload');
    const status = await rig.operator.status('shop-0001');
    t.match(status, {
      device: { online: true, profileVersion: 10, group: 'north' },
      shop: { status: 'applied' },
    });

    const otherKey = createPrivateKey(generateFleetKeys().privatePem);
    const forged = await rig.operator.push('shop', sign(11, original, otherKey));
    t.match(forged, { status: 'rejected', reason: 'bad-signature', current: { version: 10 } });
    const older = await rig.operator.push('shop', sign(5, original));
    t.match(older, {
      status: 'rejected',
      reason: 'stale-version',
      error: /version 5 is not newer than .* 10/,
    });
    const broken = changed.replace('mon: ["07:30-19:00"]', 'mon: ["25:00-19:00"]');
    t.not(broken, changed, 'fixture edit applied');
    const invalid = await rig.operator.push('shop', sign(12, broken));
    t.match(invalid, { status: 'rejected', reason: 'invalid', error: /hours\.mon\[0\]/ });
    t.equal(await readFile(rig.shopFile, 'utf8'), changed, 'rejected pushes leave the running profile alone');

    // The device config goes the same way, validated with the config schema.
    const config = await readFile(rig.configFile, 'utf8');
    const configEnvelope = (version: number, yaml: string) =>
      signEnvelope(
        { kind: 'config', deviceId: 'shop-0001', version, payload: { yaml }, ttlSeconds: 3600 },
        rig.privateKey,
      );
    const badConfig = await rig.operator.push(
      'config',
      configEnvelope(2, `${config}modem: { profile: nokia }\n`),
    );
    t.match(badConfig, { status: 'rejected', reason: 'invalid' });
    const goodConfig = await rig.operator.push(
      'config',
      configEnvelope(
        3,
        config.replace('device: { id: shop-0001 }', 'device: { id: shop-0001, name: "North" }'),
      ),
    );
    t.match(goodConfig, { status: 'applied', version: 3 });
    t.match(await readFile(rig.configFile, 'utf8'), /name: "North"/);

    // After a restart the retained desired documents come back and are not applied twice.
    await rig.shutdown();
    await rig.boot();
    const again = await rig.operator.status('shop-0001');
    t.match(again.device, { online: true, profileVersion: 10, configVersion: 3 });
    t.same(rig.applied, ['shop', 'config'], 'nothing re-applied');
  },
);

t.test(
  'commands: each one answered, with correlation data, expiry, replay and signature checks',
  async (t) => {
    const rig = await FleetRig.start(t);
    const command = (
      name: string,
      args: Record<string, unknown> = {},
      extra: { now?: Date; key?: typeof rig.privateKey; deviceId?: string } = {},
    ) =>
      signEnvelope(
        {
          kind: 'command',
          deviceId: extra.deviceId ?? 'shop-0001',
          version: Date.now(),
          payload: { name, args },
          ttlSeconds: 60,
          ...(extra.now && { now: extra.now }),
        },
        extra.key ?? rig.privateKey,
      );

    const status = await rig.operator.command(command('status'));
    t.match(status, {
      status: 'ok',
      data: {
        deviceId: 'shop-0001',
        app: '1.0.0',
        telemetry: { outbox: { depth: 3, oldestAgeS: 42 }, modem: { signalDbm: 'unknown' } },
      },
    });
    const selftest = await rig.operator.command(command('selftest'));
    t.equal(selftest.status, 'ok');
    const checks = selftest.data as { name: string; status: string }[];
    t.match(
      checks.find((c) => c.name === 'broker'),
      { status: 'ok', summary: /connected/ },
    );
    t.match(
      checks.find((c) => c.name === 'modem'),
      { status: 'fail', fix: /HAT/ },
    );
    const exported = await rig.operator.command(command('calls.export'));
    t.match(exported, { status: 'error', error: /calls\.export .*not available/ });
    const logs = await rig.operator.command(command('logs.tail', { lines: 5 }));
    t.ok(
      logs.status === 'ok' || /journalctl failed/.test(String(logs.error)),
      'logs.tail answers (no journal here)',
    );
    const reload = await rig.operator.command(command('reload'));
    t.match(reload, { status: 'error', error: /reload is not available/ });
    const restarts = rig.restarts;
    const restart = await rig.operator.command(command('restart'));
    t.match(restart, { status: 'ok', data: 'restarting' });
    t.equal(rig.restarts, restarts + 1);
    await waitFor(() => rig.connection?.connected === true, 'the box to come back', 10_000);

    // Expired, replayed, forged, for another box, unknown.
    const expired = await rig.operator.command(
      command('status', {}, { now: new Date(Date.now() - 120_000) }),
    );
    t.match(expired, { status: 'expired', reason: 'expired' });
    const forged = await rig.operator.command(
      command('status', {}, { key: createPrivateKey(generateFleetKeys().privatePem) }),
    );
    t.match(forged, { status: 'rejected', reason: 'bad-signature' });
    const unknown = await rig.operator.command(command('format.disk'));
    t.match(unknown, { status: 'error', error: /unknown command format\.disk/ });

    // A replay: the very same signed request sent again is refused, and answered with its correlation data.
    const once = command('status');
    const responses: CommandResponse[] = [];
    const correlations: string[] = [];
    rig.operator.client.on('message', (topic, payload, packet) => {
      if (topic !== 'lk/v1/shop-0001/cmd/res') return;
      const response = JSON.parse(payload.toString()) as CommandResponse;
      if (response.corrId.startsWith('replay-')) {
        responses.push(response);
        correlations.push(String(packet.properties?.correlationData));
      }
    });
    await rig.operator.client.subscribeAsync('lk/v1/shop-0001/cmd/res');
    for (const corr of ['replay-1', 'replay-2']) {
      await rig.operator.client.publishAsync('lk/v1/shop-0001/cmd/req/status', JSON.stringify(once), {
        qos: 1,
        properties: {
          responseTopic: 'lk/v1/shop-0001/cmd/res',
          correlationData: Buffer.from(corr),
          messageExpiryInterval: 60,
        },
      });
    }
    await waitFor(() => responses.length === 2, 'two answers');
    t.match(responses, [
      { corrId: 'replay-1', status: 'ok' },
      { corrId: 'replay-2', status: 'rejected', reason: 'replayed' },
    ]);
    t.same(correlations, ['replay-1', 'replay-2'], 'correlation data echoed');
    // A request signed for status but sent to restart is refused.
    const moved = await new Promise<CommandResponse>((resolve) => {
      const onMessage = (topic: string, payload: Buffer) => {
        const r = JSON.parse(payload.toString()) as CommandResponse;
        if (topic.endsWith('/cmd/res') && r.corrId === 'moved') resolve(r);
      };
      rig.operator.client.on('message', onMessage);
      void rig.operator.client.publishAsync(
        'lk/v1/shop-0001/cmd/req/restart',
        JSON.stringify(command('status')),
        {
          qos: 1,
          properties: { responseTopic: 'lk/v1/shop-0001/cmd/res', correlationData: Buffer.from('moved') },
        },
      );
    });
    t.match(moved, { status: 'rejected', reason: 'wrong-command' });
    t.equal(rig.restarts, restarts + 1, 'no restart from the moved request');
  },
);

t.test('a command asking for an answer outside its own cmd/res is not run and not answered', async (t) => {
  const rig = await FleetRig.start(t);
  const restart = signEnvelope(
    {
      kind: 'command',
      deviceId: 'shop-0001',
      version: Date.now(),
      payload: { name: 'restart', args: {} },
      ttlSeconds: 60,
    },
    rig.privateKey,
  );
  // The rig's broker has no ACL: whatever the box publishes arrives at this watcher.
  const watcher = await mqtt.connectAsync(rig.broker.url, { protocolVersion: 5 });
  t.teardown(() => watcher.endAsync());
  const answers: string[] = [];
  watcher.on('message', (topic) => {
    if (!topic.includes('/cmd/req/') && (topic.includes('/cmd/') || topic === 'elsewhere'))
      answers.push(topic);
  });
  await watcher.subscribeAsync('#', { qos: 1 });
  const wrong = [
    'lk/v1/shop-0001/cmd/res/x',
    'lk/v1/shop-0001/cmd/resx',
    'lk/v1/shop-0002/cmd/res',
    'elsewhere',
  ];
  for (const responseTopic of wrong)
    await rig.operator.client.publishAsync('lk/v1/shop-0001/cmd/req/restart', JSON.stringify(restart), {
      qos: 1,
      properties: { responseTopic, correlationData: Buffer.from('wrong'), messageExpiryInterval: 60 },
    });
  // Commands are handled in arrival order: once this one is answered, the others were handled.
  const asked = await rig.operator.command(restart);
  t.match(asked, { status: 'ok', data: 'restarting' }, 'the same signed request, asked correctly, runs once');
  t.equal(rig.restarts, 1, 'the wrongly addressed requests ran nothing');
  t.same(answers, ['lk/v1/shop-0001/cmd/res'], 'and were not answered');
  for (const responseTopic of wrong)
    t.ok(
      rig.logLines.some((line) =>
        line.includes(`its response topic ${responseTopic} is not lk/v1/shop-0001/cmd/res`),
      ),
      `the reason is logged for ${responseTopic}`,
    );
  await waitFor(() => rig.connection?.connected === true, 'the box to come back', 10_000);
});

t.test('app.update whose health check fails is rolled back', async (t) => {
  const rig = await FleetRig.start(t);
  // A broken release: its CLI cannot even check the config.
  const build = join(rig.dir, 'build');
  await writeRelease(build, "process.stderr.write('SyntaxError: broken build\\n'); process.exit(1);\n");
  const artifact = join(rig.dir, 'linekeeper-2.0.0.tar.gz');
  await run('tar', ['-czf', artifact, '-C', build, '.']);
  const sha256 = createHash('sha256')
    .update(await readFile(artifact))
    .digest('hex');
  const steps: string[] = [];
  const result = await rig.operator.command(
    signEnvelope(
      {
        kind: 'command',
        deviceId: 'shop-0001',
        version: Date.now(),
        payload: { name: 'app.update', args: { version: '2.0.0', url: artifact, sha256 } },
        ttlSeconds: 60,
      },
      rig.privateKey,
    ),
    { onProgress: (p) => steps.push(`${p.status}:${p.step}`), jobTimeoutMs: 60_000 },
  );
  t.match(result, {
    status: 'ok',
    job: {
      status: 'FAILED',
      step: 'rolled-back',
      statusDetails: /health check failed: .*SyntaxError: broken build.*rolled back to 1\.0\.0/,
    },
  });
  t.ok(steps.includes('IN_PROGRESS:restarting'), 'switched and restarted');
  t.ok(steps.includes('IN_PROGRESS:health-check'), 'checked after the restart');
  t.equal(
    await readlink(join(rig.installDir, 'current')),
    'releases/1.0.0',
    'current points at the old release',
  );
  t.ok(
    existsSync(join(rig.installDir, 'releases/2.0.0/bin/linekeeper.js')),
    'the failed release stays for diagnosis',
  );
  await waitFor(
    () => rig.restarts >= 2 && rig.connection?.connected === true,
    'the restart after the rollback',
    10_000,
  );
  t.equal(rig.agent?.state.data.pendingUpdate, undefined, 'no update pending');
  t.notOk(existsSync(join(rig.dir, SWITCHED_FILE)), 'nothing left for the rollback outside the release');
});
