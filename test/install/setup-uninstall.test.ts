import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { setup, stagedRoot } from '../helpers/setup-script.js';

t.test('setup.sh --uninstall removes what it installed and keeps call records unless asked', async (t) => {
  const { root, args } = await stagedRoot(t);
  const installed = await setup(args);
  t.equal(installed.code, 0, installed.output);
  // A call record the box made: uninstalling keeps it unless asked.
  await mkdir(join(root, 'var/lib/linekeeper/calls'));
  await writeFile(join(root, 'var/lib/linekeeper/calls/2026-11-24.jsonl'), '{"callId":"c1"}\n');
  const removed = await setup(['--uninstall', '--root', root]);
  t.equal(removed.code, 0, removed.output);
  for (const gone of [
    'opt/linekeeper',
    'etc/linekeeper',
    'etc/systemd/system/linekeeper.service',
    'etc/systemd/system/linekeeper-rollback.service',
    'etc/systemd/system/multi-user.target.wants/linekeeper.service',
    'etc/default/linekeeper',
  ])
    t.notOk(existsSync(join(root, gone)), `removed ${gone}`);
  t.ok(existsSync(join(root, 'var/lib/linekeeper/calls/2026-11-24.jsonl')), 'call records kept');
  t.ok(existsSync(join(root, 'var/lib/linekeeper/keys/records.key')), 'their key kept');
  t.match(removed.output, /kept call records/);

  const purged = await setup(['--uninstall', '--purge-data', '--root', root]);
  t.equal(purged.code, 0, purged.output);
  t.notOk(existsSync(join(root, 'var/lib/linekeeper')), 'records purged when asked');
  t.notMatch(await readFile(join(root, 'etc/passwd'), 'utf8'), /^linekeeper:/m, 'user removed on purge');
});
