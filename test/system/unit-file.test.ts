import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const UNIT = join(ROOT, 'systemd/linekeeper.service');
const ROLLBACK_UNIT = join(ROOT, 'systemd/linekeeper-rollback.service');
const ROLLBACK_SCRIPT = join(ROOT, 'systemd/linekeeper-rollback.sh');

/** The `Key=value` lines of a unit file (the last one wins, as for these single-valued keys in systemd). */
async function directives(file: string): Promise<Map<string, string>> {
  return new Map(
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Seconds of a systemd time span as these units write them (`150s`, `10min`). */
function seconds(span: string | undefined): number {
  const match = /^(\d+)(s|min)$/.exec(span ?? '');
  if (!match) throw new Error(`not a time span: ${span}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

t.test('both units pass systemd-analyze verify without a single warning', async (t) => {
  // verify checks that ExecStart's program exists. The units name Debian's /usr/bin/node (setup.sh rewrites it to
  // the node it finds) and the rollback script where setup.sh installs it; verify staged copies that name this
  // node and the script in the checkout, side by side so that OnFailure= finds the rollback unit.
  const dir = await mkdtemp(join(tmpdir(), 'lk-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let main = await readFile(UNIT, 'utf8');
  if (!existsSync('/usr/bin/node')) main = main.replaceAll('/usr/bin/node', process.execPath);
  await writeFile(join(dir, 'linekeeper.service'), main);
  const rollback = await readFile(ROLLBACK_UNIT, 'utf8');
  t.match(
    rollback,
    /^ExecStart=\/opt\/linekeeper\/libexec\/linekeeper-rollback /m,
    'where setup.sh installs it',
  );
  await writeFile(
    join(dir, 'linekeeper-rollback.service'),
    rollback.replaceAll('/opt/linekeeper/libexec/linekeeper-rollback', ROLLBACK_SCRIPT),
  );
  for (const unit of ['linekeeper.service', 'linekeeper-rollback.service']) {
    const result = await run('systemd-analyze', ['verify', join(dir, unit)]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    t.equal(result.stderr.trim(), '', `${unit}: no warnings (unknown keys and bad values only warn)`);
    t.notOk('code' in result && result.code, `${unit}: exit 0`);
  }
});

t.test('a daemon that keeps failing reaches the start limit, which starts the rollback unit', async (t) => {
  const main = await directives(UNIT);
  t.equal(main.get('OnFailure'), 'linekeeper-rollback.service');
  t.ok(existsSync(ROLLBACK_UNIT), 'the unit OnFailure= names is shipped');
  // With Restart=, systemd 252 enters "failed" (and starts OnFailure=) only at the start limit: a limit of 0
  // (none) would never roll back. Within the interval the limit must be reachable even by a release that hangs
  // at start until TimeoutStartSec each time.
  const burst = Number(main.get('StartLimitBurst'));
  const interval = seconds(main.get('StartLimitIntervalSec'));
  t.ok(burst >= 2 && interval > 0, `a start limit: ${burst} starts in ${interval} s`);
  const hungStart = seconds(main.get('TimeoutStartSec')) + seconds(main.get('RestartSec'));
  t.ok(burst * hungStart < interval, `${burst} hung starts (${burst * hungStart} s) fit in ${interval} s`);
  const rollback = await directives(ROLLBACK_UNIT);
  t.equal(rollback.get('Type'), 'oneshot');
  t.equal(rollback.get('StartLimitIntervalSec'), '0', 'it runs however often the daemon fails');
  t.notOk(rollback.has('User'), 'root: it restarts the service');
  t.equal(rollback.get('ProtectSystem'), 'strict');
  t.equal(rollback.get('ReadWritePaths'), '/opt/linekeeper /var/lib/linekeeper');
});

t.test(
  'the unit has the supervision and hardening the daemon relies on, and nothing that breaks it',
  async (t) => {
    const keys = await directives(UNIT);
    const expected: [string, string][] = [
      ['Type', 'notify'],
      ['NotifyAccess', 'all'],
      ['Restart', 'on-failure'],
      ['RestartPreventExitStatus', '78'],
      ['StateDirectory', 'linekeeper'],
      ['ProtectSystem', 'strict'],
      ['NoNewPrivileges', 'true'],
      ['User', 'linekeeper'],
    ];
    for (const [key, value] of expected) t.equal(keys.get(key), value, key);
    t.match(String(keys.get('WatchdogSec')), /^\d+s$/);
    t.match(String(keys.get('SupplementaryGroups')), /dialout/);
    t.match(String(keys.get('SupplementaryGroups')), /gpio/);
    t.match(String(keys.get('SupplementaryGroups')), /audio/);
    // These break serial ports, GPIO and sound (PrivateDevices) or the V8 JIT (MemoryDenyWriteExecute).
    t.notOk(keys.has('PrivateDevices'));
    t.notOk(keys.has('MemoryDenyWriteExecute'));
  },
);
