/**
 * Fleet jobs against a real Mosquitto: `models.install` through the real model installer from a local HTTP mirror,
 * and an `app.update` whose release cannot even start, rolled back by the real rollback script outside it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ROLLED_BACK_FILE, SWITCHED_FILE } from '../../src/fleet/rollback-files.js';
import { signEnvelope } from '../../src/fleet/signing.js';
import { type InstallReceipt, RECEIPT_FILE } from '../../src/speech/models/install.js';
import { runCli } from '../helpers/cli.js';
import { FleetRig, writeRelease } from '../helpers/fleet-rig.js';
import { makeArchive, manifestFor, serve } from '../helpers/model-archive.js';
import { RollbackRun } from '../helpers/rollback-script.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A signed command for the rig's box. */
function command(rig: FleetRig, name: string, args: Record<string, unknown>) {
  return signEnvelope(
    { kind: 'command', deviceId: 'shop-0001', version: Date.now(), payload: { name, args }, ttlSeconds: 60 },
    rig.privateKey,
  );
}

t.test(
  'models.install: installed and verified by the model installer with progress, then a restart; a tampered download installs nothing',
  async (t) => {
    const dir = t.testdir();
    const archive = makeArchive(dir);
    const good = await serve(t, archive);
    const tampered = Buffer.from(archive);
    tampered[archive.length >> 1] = (tampered[archive.length >> 1] as number) ^ 0xff;
    const mirror = await serve(t, tampered);
    // The box's configured mirror (speech.modelsBaseUrl) serves a tampered archive.
    const rig = await FleetRig.start(t, { modelsBaseUrl: mirror.baseUrl });
    await writeFile(rig.manifestFile, JSON.stringify(manifestFor(archive)));
    const install = (args: Record<string, unknown>, onProgress?: (p: Record<string, unknown>) => void) =>
      rig.operator.command(command(rig, 'models.install', args), {
        jobTimeoutMs: 60_000,
        ...(onProgress && { onProgress }),
      });

    const refused = await install({ name: 'tiny-model' });
    t.match(refused, {
      status: 'ok',
      job: {
        status: 'FAILED',
        statusDetails: new RegExp(
          `tiny-model: downloaded archive has SHA-256 ${sha256(tampered)}, expected ${sha256(archive)}; discarded`,
        ),
      },
    });
    t.equal(mirror.requests.length, 1, 'fetched from the configured mirror');
    t.notOk(existsSync(join(rig.modelsDir, 'tiny-model')), 'nothing installed');
    t.same(
      await readdir(join(rig.modelsDir, '.downloads')),
      [],
      'the bad download is not kept to resume from',
    );
    t.equal(rig.restarts, 0, 'no restart for a failed install');

    // The signed command names another mirror: installed from there, checked against the same manifest pin.
    const progress: Record<string, unknown>[] = [];
    const installed = await install({ name: 'tiny-model', baseUrl: good.baseUrl }, (p) => progress.push(p));
    t.match(installed, {
      status: 'ok',
      job: {
        status: 'SUCCEEDED',
        statusDetails:
          'installed and verified tiny-model; restarting to load it into the speech service as soon as the line is idle',
      },
    });
    t.equal(good.requests.length, 1);
    const steps = progress.map((p) => `${p.status}:${p.step}`);
    t.same(
      steps.filter((step, i) => step !== steps[i - 1]),
      [
        'IN_PROGRESS:started',
        'IN_PROGRESS:downloading',
        'IN_PROGRESS:verifying',
        'IN_PROGRESS:unpacking',
        'SUCCEEDED:done',
      ],
      'progress in order',
    );
    const percents = progress.filter((p) => p.step === 'downloading').map((p) => p.percent as number);
    t.same(
      percents,
      [...percents].sort((a, b) => a - b),
      `download percentages rise: ${percents.join(' ')}`,
    );
    t.equal(percents.at(-1), 100);

    const receipt = JSON.parse(
      await readFile(join(rig.modelsDir, 'tiny-model', RECEIPT_FILE), 'utf8'),
    ) as InstallReceipt;
    t.match(receipt, {
      name: 'tiny-model',
      sourceSha256: sha256(archive),
      verifiedBy: 'archive',
      files: { 'model.onnx': { size: 200_000 }, 'tokens.txt': { size: 14 } },
    });
    const verify = await runCli(['models', 'verify', '--manifest', rig.manifestFile, '--dir', rig.modelsDir]);
    t.equal(verify.code, 0, verify.stderr);
    t.equal(verify.stdout, 'tiny-model: ok\n', '`linekeeper models verify` recognises it');
    await waitFor(
      () => rig.restarts === 1 && rig.connection?.connected === true,
      'the restart that loads the model',
      10_000,
    );

    // Bad requests are FAILED with what was wrong.
    t.match(await install({ name: 'nope' }), {
      job: { status: 'FAILED', statusDetails: /no model named "nope" in the manifest; known: tiny-model/ },
    });
    t.match(
      await install({ name: 'tiny-model', url: 'https://example.com/m.onnx', sha256: 'ab'.repeat(32) }),
      {
        job: {
          status: 'FAILED',
          statusDetails:
            /models\.install takes name \(a model of the manifest\) and baseUrl .*; not url, sha256/,
        },
      },
    );
    t.match(await install({ name: 'tiny-model', baseUrl: 'file:///srv/models' }), {
      job: { status: 'FAILED', statusDetails: 'baseUrl must be an http:// or https:// URL' },
    });
    t.equal(rig.restarts, 1, 'none of them restarted anything');
  },
);

t.test(
  'an app update whose release cannot even start is rolled back outside it, and the next start reports it',
  async (t) => {
    const rig = await FleetRig.start(t);
    const build = join(rig.dir, 'build');
    await writeRelease(build, "throw new Error('broken build');\n");
    const artifact = join(rig.dir, 'linekeeper-2.0.0.tar.gz');
    await run('tar', ['-czf', artifact, '-C', build, '.']);
    const current = join(rig.installDir, 'current');

    // The release the update switches to crashes at every start: the agent never runs its health check.
    rig.startsFail = true;
    const progress: Record<string, unknown>[] = [];
    const job = rig.operator.command(
      command(rig, 'app.update', {
        version: '2.0.0',
        url: artifact,
        sha256: sha256(await readFile(artifact)),
      }),
      { onProgress: (p) => progress.push(p), jobTimeoutMs: 60_000 },
    );
    await waitFor(() => rig.restarts === 1, 'the restart into 2.0.0');
    await rig.restarted();
    t.equal(rig.agent, undefined, 'the box is down');
    t.equal(await readlink(current), 'releases/2.0.0');
    t.match(progress.at(-1), { status: 'IN_PROGRESS', step: 'restarting' });
    t.match(await readFile(join(rig.dir, SWITCHED_FILE), 'utf8'), /^from=1\.0\.0\nto=2\.0\.0\n$/m);

    // systemd gives up at the start limit and runs linekeeper-rollback.service.
    const rollback = new RollbackRun(rig.installDir, rig.dir, t.testdir());
    const ran = await rollback.run({ result: 'start-limit-hit', code: 'exited', status: '1' });
    t.equal(ran.code, 0, ran.output);
    t.equal(await readlink(current), 'releases/1.0.0', 'switched back outside the release');
    t.same(await rollback.systemctlCalls(), [
      'reset-failed linekeeper.service',
      'restart --no-block linekeeper.service',
    ]);

    // The restart it asked for: the previous release starts and reports the job.
    rig.startsFail = false;
    await rig.boot();
    t.match(await job, {
      status: 'ok',
      job: {
        status: 'FAILED',
        step: 'rolled-back',
        statusDetails:
          /^2\.0\.0 failed to run \(systemd: start-limit-hit, last run exited 1\); rolled back to 1\.0\.0 outside the release at \S+Z; running 1\.0\.0$/,
      },
    });
    t.equal(rig.agent?.state.data.pendingUpdate, undefined, 'no update pending');
    t.notOk(existsSync(join(rig.dir, ROLLED_BACK_FILE)), 'the record was reported and removed');
    t.notOk(existsSync(join(rig.dir, SWITCHED_FILE)));
    t.ok(existsSync(join(rig.installDir, 'releases/2.0.0/bin/linekeeper.js')), 'the failed release stays');

    // Reported once: another start finds nothing to report.
    const reports = progress.length;
    await rig.shutdown();
    await rig.boot();
    t.equal(progress.length, reports);
  },
);
