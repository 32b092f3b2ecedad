/**
 * systemd/linekeeper-rollback.sh on a staged install and data directory, run by /bin/sh as
 * linekeeper-rollback.service runs it (test/helpers/rollback-script.ts).
 */
import { existsSync } from 'node:fs';
import { lchown, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ROLLED_BACK_FILE, SWITCHED_FILE } from '../../src/fleet/rollback-files.js';
import { RollbackRun } from '../helpers/rollback-script.js';

/** releases/1.0.0 and releases/2.0.0, current → `current`, and update.switched when `switched` is given. */
async function stage(dir: string, current: string, switched?: string): Promise<RollbackRun> {
  const install = join(dir, 'opt');
  const data = join(dir, 'data');
  for (const release of ['1.0.0', '2.0.0'])
    await mkdir(join(install, 'releases', release, 'bin'), { recursive: true });
  await mkdir(data);
  await symlink(current, join(install, 'current'));
  if (switched !== undefined) await writeFile(join(data, SWITCHED_FILE), switched);
  return new RollbackRun(install, data, dir);
}

const PENDING = '# written by the daemon\nfrom=1.0.0\nto=2.0.0\n';

t.test('a pending update whose release keeps failing is switched back, recorded and restarted', async (t) => {
  const dir = t.testdir();
  const staged = await stage(dir, 'releases/2.0.0', PENDING);
  // The script runs as root and the link belongs to the service user: as root here, give it another owner.
  if (process.getuid?.() === 0) await lchown(join(staged.installDir, 'current'), 4242, 4242);
  const owner = await lstat(join(staged.installDir, 'current'));
  const run = await staged.run({ result: 'start-limit-hit', code: 'exited', status: '1' });
  t.equal(run.code, 0, run.output);
  t.match(
    run.output,
    /release 2\.0\.0 failed \(start-limit-hit, last run exited 1\): rolled back to 1\.0\.0/,
  );
  t.equal(await readlink(join(staged.installDir, 'current')), 'releases/1.0.0');
  const link = await lstat(join(staged.installDir, 'current'));
  t.same([link.uid, link.gid], [owner.uid, owner.gid], 'owned as before, so the daemon can switch it again');
  t.same((await readdir(staged.installDir)).sort(), ['current', 'releases'], 'no temporary link left');
  const record = await readFile(join(staged.dataDir, ROLLED_BACK_FILE), 'utf8');
  t.match(
    record,
    /^from=1\.0\.0\nto=2\.0\.0\nat=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nresult=start-limit-hit\nexit=exited 1\n$/,
  );
  t.equal(
    (await lstat(join(staged.dataDir, ROLLED_BACK_FILE))).mode & 0o777,
    0o644,
    'readable by the daemon',
  );
  t.same(
    (await readdir(staged.dataDir)).sort(),
    [ROLLED_BACK_FILE],
    'update.switched removed, no temp file left',
  );
  t.same(await staged.systemctlCalls(), [
    'reset-failed linekeeper.service',
    'restart --no-block linekeeper.service',
  ]);

  // Run again (the restored release failing too): nothing left to undo; systemd gave up, so it starts again.
  const again = await staged.run({ result: 'start-limit-hit', code: 'killed', status: 'SEGV' });
  t.equal(again.code, 0, again.output);
  t.equal(await readlink(join(staged.installDir, 'current')), 'releases/1.0.0', 'left alone');
  t.match(await readFile(join(staged.dataDir, ROLLED_BACK_FILE), 'utf8'), /exit=exited 1/, 'the record kept');
  t.same((await staged.systemctlCalls()).slice(2), [
    'reset-failed linekeeper.service',
    'start --no-block linekeeper.service',
  ]);
});

t.test('a release that exits 78 at start (it rejects the config) is rolled back too', async (t) => {
  const dir = t.testdir();
  const staged = await stage(dir, 'releases/2.0.0', PENDING);
  const run = await staged.run({ result: 'exit-code', code: 'exited', status: '78' });
  t.equal(run.code, 0, run.output);
  t.equal(await readlink(join(staged.installDir, 'current')), 'releases/1.0.0');
  t.match(
    await readFile(join(staged.dataDir, ROLLED_BACK_FILE), 'utf8'),
    /result=exit-code\nexit=exited 78\n/,
  );
  t.same(await staged.systemctlCalls(), [
    'reset-failed linekeeper.service',
    'restart --no-block linekeeper.service',
  ]);
});

t.test('nothing is rolled back where the update is not what failed', async (t) => {
  const cases: {
    what: string;
    current: string;
    switched?: string;
    monitor: { result: string; code?: string; status?: string };
    systemctl: string[];
    output: RegExp;
  }[] = [
    {
      what: 'the old release exiting to restart into the new one (exit 75) at the start limit',
      current: 'releases/2.0.0',
      switched: PENDING,
      monitor: { result: 'start-limit-hit', code: 'exited', status: '75' },
      systemctl: ['reset-failed linekeeper.service', 'start --no-block linekeeper.service'],
      output: /requested restart \(exit 75\): nothing to roll back/,
    },
    {
      what: 'the requested restart between automatic restarts (newer systemd)',
      current: 'releases/2.0.0',
      switched: PENDING,
      monitor: { result: 'exit-code', code: 'exited', status: '75' },
      systemctl: [],
      output: /nothing to roll back/,
    },
    {
      what: 'a crash loop with no update pending',
      current: 'releases/1.0.0',
      monitor: { result: 'start-limit-hit', code: 'dumped', status: 'ABRT' },
      systemctl: ['reset-failed linekeeper.service', 'start --no-block linekeeper.service'],
      output: /gave up restarting linekeeper\.service: starting it again/,
    },
    {
      what: 'a configuration error with no update pending',
      current: 'releases/1.0.0',
      monitor: { result: 'exit-code', code: 'exited', status: '78' },
      systemctl: [],
      output: /exit 78 \(configuration error\): fix \/etc\/linekeeper/,
    },
    {
      what: 'an update that never switched (current is still the old release)',
      current: 'releases/1.0.0',
      switched: PENDING,
      monitor: { result: 'start-limit-hit', code: 'exited', status: '1' },
      systemctl: ['reset-failed linekeeper.service', 'start --no-block linekeeper.service'],
      output: /current points at releases\/1\.0\.0, not at the update's releases\/2\.0\.0/,
    },
    {
      what: 'an update whose previous release is gone',
      current: 'releases/2.0.0',
      switched: 'from=0.9.0\nto=2.0.0\n',
      monitor: { result: 'start-limit-hit', code: 'exited', status: '1' },
      systemctl: ['reset-failed linekeeper.service', 'start --no-block linekeeper.service'],
      output: /cannot roll back: .*releases\/0\.9\.0 is missing; 2\.0\.0 stays/,
    },
    {
      what: 'a switch file naming a path instead of a release',
      current: 'releases/2.0.0',
      switched: 'from=../../etc\nto=2.0.0\n',
      monitor: { result: 'start-limit-hit', code: 'exited', status: '1' },
      systemctl: ['reset-failed linekeeper.service', 'start --no-block linekeeper.service'],
      output: /names no valid from= and to= releases: not rolling back/,
    },
  ];
  for (const c of cases) {
    const dir = join(t.testdir(), c.what.replace(/\W+/g, '-'));
    await mkdir(dir, { recursive: true });
    const staged = await stage(dir, c.current, c.switched);
    const run = await staged.run(c.monitor);
    t.equal(run.code, 0, `${c.what}: ${run.output}`);
    t.match(run.output, c.output, c.what);
    t.equal(await readlink(join(staged.installDir, 'current')), c.current, `${c.what}: current unchanged`);
    t.notOk(existsSync(join(staged.dataDir, ROLLED_BACK_FILE)), `${c.what}: no rollback recorded`);
    t.same(await staged.systemctlCalls(), c.systemctl, `${c.what}: systemctl`);
  }
});
