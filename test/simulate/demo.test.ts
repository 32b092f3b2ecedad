import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';

t.test('npm start plays every example call as a readable transcript, all as expected', async (t) => {
  const models = await mkdtemp(join(tmpdir(), 'lk-demo-'));
  t.teardown(() => rm(models, { recursive: true, force: true }));
  const result = await runCli(['demo', '--models', models]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /Example calls \(text mode\):/);
  t.match(result.stdout, /── hours-en\.yaml/);
  t.match(result.stdout, /caller › 帮我转人工/);
  t.match(result.stdout, /☎ call to \+8613800138000: connected/);
  t.equal((result.stdout.match(/: as expected/g) ?? []).length, 9, result.stdout);
  t.notMatch(result.stdout, /NOT as expected/);
});
