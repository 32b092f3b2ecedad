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

t.test('the unit passes systemd-analyze verify without a single warning', async (t) => {
  let text = await readFile(UNIT, 'utf8');
  // verify checks that ExecStart's program exists; the unit names Debian's /usr/bin/node (setup.sh rewrites it to
  // the node it finds). On a machine with node elsewhere, verify a staged copy that names this node instead.
  if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node', process.execPath);
  const dir = await mkdtemp(join(tmpdir(), 'lk-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const staged = join(dir, 'linekeeper.service');
  await writeFile(staged, text);
  const result = await run('systemd-analyze', ['verify', staged]).catch(
    (e: { code: number; stderr: string }) => e,
  );
  t.equal(result.stderr.trim(), '', 'no warnings (unknown keys and bad values only warn)');
  t.notOk('code' in result && result.code, 'exit 0');
});

t.test(
  'the unit has the supervision and hardening the daemon relies on, and nothing that breaks it',
  async (t) => {
    const text = await readFile(UNIT, 'utf8');
    const directives = new Map(
      text
        .split('\n')
        .filter((line) => /^[A-Za-z]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
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
    for (const [key, value] of expected) t.equal(directives.get(key), value, key);
    t.match(String(directives.get('WatchdogSec')), /^\d+s$/);
    t.match(String(directives.get('SupplementaryGroups')), /dialout/);
    t.match(String(directives.get('SupplementaryGroups')), /gpio/);
    t.match(String(directives.get('SupplementaryGroups')), /audio/);
    // These break serial ports, GPIO and sound (PrivateDevices) or the V8 JIT (MemoryDenyWriteExecute).
    t.notOk(directives.has('PrivateDevices'));
    t.notOk(directives.has('MemoryDenyWriteExecute'));
  },
);
