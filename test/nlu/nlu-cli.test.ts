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

t.test(
  'questions the profile does not cover come out as none with a confidence, in both languages',
  async (t) => {
    const models = await mkdtemp(join(tmpdir(), 'lk-cli-nlu-'));
    t.teardown(() => rm(models, { recursive: true, force: true }));
    const outOfScope = [
      'do you have wifi',
      'can I bring my dog',
      'is there a toilet',
      '你们有无线网吗',
      '可以带狗进去吗',
    ];
    // A question the bakery does answer, worded like the ones above, still reaches its FAQ.
    const inScope = ['do you have gluten free cakes', '你们有停车位吗'];
    const result = await runCli(['nlu', '--shop', `${SHARED_EXAMPLES}shop-bakery.yaml`, '--models', models], {
      stdin: `${[...outOfScope, ...inScope].join('\n')}\n`,
    });
    t.equal(result.code, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; intent: string; confidence: number });
    for (const line of lines.slice(0, outOfScope.length)) {
      t.equal(line.intent, 'none', line.text);
      t.ok(
        line.confidence >= 0.5 && line.confidence <= 1,
        `${line.text}: none with confidence ${line.confidence}`,
      );
    }
    t.match(lines.slice(outOfScope.length), [{ intent: 'faq:gluten_free' }, { intent: 'faq:parking' }]);
  },
);
