import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

t.test('nlu prints one JSON object per utterance', async (t) => {
  const models = await mkdtemp(join(tmpdir(), 'lk-cli-nlu-'));
  t.teardown(() => rm(models, { recursive: true, force: true }));
  const result = await runCli(
    [
      'nlu',
      '--shop',
      `${SHARED_EXAMPLES}shop-bakery.yaml`,
      '--models',
      models,
      '--at',
      '2026-11-23T09:00:00+08:00',
    ],
    {
      stdin: 'do you deliver\n\n明天上午十点可以来拿吗\nmy name is David Chen\n',
    },
  );
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines.length, 3);
  t.match(lines[0], {
    text: 'do you deliver',
    lang: 'en',
    intent: 'faq:delivery',
    confidence: Number,
    slots: {},
    sentiment: { frustration: 0 },
  });
  t.match(lines[1], { lang: 'zh', slots: { date: '2026-11-24', time: '10:00' } });
  t.match(lines[2], { slots: { name: 'David Chen' } });
});
