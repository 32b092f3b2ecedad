import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { installVad } from '../helpers/speech.js';

const dir = await mkdtemp(join(tmpdir(), 'lk-demo-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('npm start --text plays every example call as a readable transcript, all as expected', async (t) => {
  const result = await runCli(['demo', '--models', join(dir, 'models'), '--text']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /every call in text mode \(asked for text mode\)/);
  t.match(result.stdout, /── hours-en\.yaml · text/);
  t.match(result.stdout, /caller › 帮我转人工/);
  t.match(result.stdout, /☎ call to \+8613800138000: connected/);
  t.equal((result.stdout.match(/: as expected/g) ?? []).length, 9, result.stdout);
  t.notMatch(result.stdout, /NOT as expected/);
});

t.test(
  'npm start plays English calls in audio through the simulated line, Mandarin ones in text',
  async (t) => {
    const calls = join(dir, 'calls');
    await mkdir(calls);
    for (const name of ['hours-en.yaml', 'human-zh.yaml'])
      await copyFile(join(SHARED_EXAMPLES, 'calls', name), join(calls, name));
    const speechModels = join(dir, 'speech-models');
    await installVad(speechModels);
    const result = await runCli([
      'demo',
      '--models',
      join(dir, 'models'),
      '--calls',
      calls,
      '--speech-models',
      speechModels,
    ]);
    t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    t.match(result.stdout, /English calls in audio/);
    t.match(result.stdout, /── hours-en\.yaml · audio/);
    // The caller's own words as spoken into the line, then what the line heard of them.
    t.match(result.stdout, /caller › hi what time do you close today\n {2}heard {2}› .*close/);
    t.match(result.stdout, /line {3}› We're open now until 19:00 today/);
    t.equal((result.stdout.match(/line hangs up/g) ?? []).length, 1, 'the hang-up is told once');
    t.match(result.stdout, /── human-zh\.yaml · text[\s\S]*caller › 帮我转人工/);
    t.equal((result.stdout.match(/: as expected/g) ?? []).length, 2, result.stdout);
  },
);
