import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { validateDeviceConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { loadManifest, type Manifest } from '../../src/speech/models/manifest.js';
import { planSpeech } from '../../src/speech/plan.js';
import { bakery, installVad } from '../helpers/speech.js';
import {
  installToyModels,
  installToyVoices,
  TOY_KWS,
  TOY_VOICE_EN,
  TOY_VOICE_ZH_EN,
} from '../helpers/toy-models.js';

async function plan(
  modelsDir: string,
  recognizer = 'auto',
  speech: Record<string, unknown> = {},
  manifest?: Manifest,
) {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const { config } = validateDeviceConfig({ speech: { modelsDir, recognizer, ...speech } });
  const result = await planSpeech({
    speech: config.speech,
    manifest: manifest ?? (await loadManifest()),
    profile: await bakery(),
    log,
  });
  return { result, lines };
}

t.test(
  'with the verified VAD: Silero + pocketsphinx with the shop language model; missing sherpa models say what is used instead',
  async (t) => {
    const modelsDir = t.testdir();
    const vad = await installVad(modelsDir);
    const { result, lines } = await plan(modelsDir);
    t.equal(result.worker.vadModel, vad);
    t.equal(result.noSpeechInput, undefined);
    t.equal(result.worker.recognizer.type, 'pocketsphinx');
    if (result.worker.recognizer.type === 'pocketsphinx') {
      const { searches, dict } = result.worker.recognizer.decoders;
      t.match(searches.open, { arpa: /\n-[\d.]+ do you deliver\n/ });
      t.match(searches.digits, { jsgf: /\( zero \| oh \| one .* \)\+/ });
      t.match(dict, /\ndeliver D IH L IH V ER\n/, 'the dictionary has the words of the language model');
      t.match(dict, /\nzero Z IH R OW\n/, 'and of the grammars');
    }
    t.match(
      lines.join('\n'),
      /speech model sherpa-onnx-sense-voice-zh-en-ja-ko-yue-int8-2025-09-09 is missing; using recognizer pocketsphinx instead/,
    );
    t.match(
      lines.join('\n'),
      /vits-melo-tts-zh_en is missing; using flite \(English\) and espeak-ng \(Mandarin\) instead/,
    );
  },
);

t.test(
  'a corrupt VAD file is never handed to the worker: logged as damaged, speech input off, keypad menus',
  async (t) => {
    const modelsDir = t.testdir();
    const vad = await installVad(modelsDir);
    await writeFile(vad, Buffer.alloc(2327524, 7));
    const { result, lines } = await plan(modelsDir);
    t.equal(result.worker.vadModel, null);
    t.equal(result.noSpeechInput, 'the Silero VAD model is missing or damaged');
    t.match(
      lines.join('\n'),
      /ERROR .*speech model silero-vad is damaged \(silero_vad_v5\.onnx has SHA-256 [0-9a-f]{64}, expected 2623a295[0-9a-f]+\) and is not loaded; using no VAD: speech input is off and calls use keypad menus instead/,
    );
    t.match(
      lines.join('\n'),
      /speech input is off \(the Silero VAD model is missing or damaged\); calls use keypad menus/,
    );
  },
);

t.test('a missing VAD and recognizer none both turn speech input off with the reason', async (t) => {
  const empty = await plan(join(t.testdir(), 'none'));
  t.equal(empty.result.noSpeechInput, 'the Silero VAD model is missing or damaged');
  t.match(empty.lines.join('\n'), /WARN .*speech model silero-vad is missing; using no VAD/);
  const modelsDir = t.testdir();
  await installVad(modelsDir);
  const off = await plan(modelsDir, 'none');
  t.equal(off.result.noSpeechInput, 'speech.recognizer is none');
  t.equal(off.result.worker.recognizer.type, 'none');
});

t.test(
  'the streaming transducer is chosen when installed, with the hotwords of the profile it can spell',
  async (t) => {
    const modelsDir = t.testdir();
    const manifest = await installToyModels(t, modelsDir);
    const { result, lines } = await plan(modelsDir, 'sherpa-streaming', {}, manifest);
    const recognizer = result.worker.recognizer;
    t.equal(recognizer.type, 'sherpa-streaming');
    if (recognizer.type === 'sherpa-streaming') {
      t.equal(recognizer.model.modelingUnit, 'cjkchar+bpe');
      t.match(recognizer.model.bpeModel, /bpe\.model$/);
      t.same(recognizer.model.hotwords, ['AGENT', 'PERSON', '人工'], 'what the toy vocabulary spells');
      t.equal(recognizer.model.endpointSilenceMs, 300);
    }
    t.match(
      lines.join('\n'),
      /hotwords for toy-streaming-zipformer: left out what the model cannot spell: "Golden Crust Bakery" \("Golden" cannot be spelled with the model's pieces\); "金冠面包坊" \(the model has no token for "金"/,
    );
    t.match(
      result.keywordSpotting,
      /^sherpa KeywordSpotter \(toy-kws-zipformer\) spots "agent", "person", "人工"$/,
    );
    t.equal(result.worker.keywordSpotter?.type, 'sherpa-kws');
  },
);

t.test('Porcupine is never selected without an AccessKey, and the plan says why', async (t) => {
  const modelsDir = t.testdir();
  await installVad(modelsDir);
  const keywords = [{ file: '/etc/linekeeper/agent_raspberry-pi.ppn', phrase: 'agent' }];
  const noKey = await plan(modelsDir, 'auto', { keywordSpotter: 'porcupine', porcupine: { keywords } });
  t.same(noKey.result.worker.keywordSpotter, { type: 'none' });
  t.match(
    noKey.result.keywordSpotting,
    /^no keyword spotter \(Porcupine needs a Picovoice AccessKey in speech\.porcupine\.accessKey and none is configured\): the recognizer hears "agent"\/"person"\/"人工" after a barge-in$/,
  );
  t.match(
    noKey.lines.join('\n'),
    /keyword spotting: no keyword spotter \(Porcupine needs a Picovoice AccessKey/,
  );
  // With a key (and the optional package, installed here) it is the spotter; the worker finds out whether
  // Picovoice accepts the key.
  const withKey = await plan(modelsDir, 'auto', {
    keywordSpotter: 'porcupine',
    porcupine: { accessKey: 'a-key-from-picovoice-console', keywords },
  });
  t.match(withKey.result.worker.keywordSpotter, {
    type: 'porcupine',
    spec: { accessKey: 'a-key-from-picovoice-console', keywords: [{ phrase: 'agent' }] },
  });
  t.match(withKey.result.keywordSpotting, /^Porcupine spots "agent"/);
  const auto = await plan(modelsDir);
  t.match(
    auto.result.keywordSpotting,
    /no keyword spotter \(the sherpa keyword model is not installed; Porcupine needs a Picovoice AccessKey/,
  );
  t.match(
    auto.lines.join('\n'),
    /speech model sherpa-onnx-kws-zipformer-zh-en-3M-2025-12-20 is missing; using the recognizer \(pocketsphinx\) for "agent"\/"person"\/"人工" after a barge-in instead/,
  );
});

t.test('keyword phrases the keyword model cannot spell are left out, with the reason', async (t) => {
  const modelsDir = t.testdir();
  const manifest = await installToyModels(t, modelsDir);
  const { result, lines } = await plan(
    modelsDir,
    'auto',
    { keywordTokens: { manager: 'P E R S O N' } },
    manifest,
  );
  const spotter = result.worker.keywordSpotter;
  t.equal(spotter?.type, 'sherpa-kws');
  if (spotter?.type === 'sherpa-kws') {
    t.same(
      spotter.model.keywords.map((k) => `${k.phrase}: ${k.tokens.join(' ')}`),
      ['agent: ▁A GENT', 'person: ▁PER SON', 'manager: P E R S O N', '人工: 人 工'],
    );
  }
  t.match(
    lines.join('\n'),
    new RegExp(
      `keywords for ${TOY_KWS}: left out what the model cannot spell: "real person" \\("REAL" cannot|"real" cannot`,
    ),
  );
  t.match(lines.join('\n'), /"老板" \(the model has no token for "老"/);
});

t.test(
  'verified sherpa voices speak their languages: the voice made for fewer languages wins, the rest is embedded',
  async (t) => {
    const modelsDir = t.testdir();
    const manifest = await installToyVoices(t, modelsDir);
    const both = await plan(modelsDir, 'none', {}, manifest);
    t.match(both.result.worker.sherpaVoices, [
      {
        name: TOY_VOICE_ZH_EN,
        languages: ['zh'],
        speaker: 0,
        files: { type: 'vits', lexicon: /lexicon\.txt$/ },
      },
      { name: TOY_VOICE_EN, languages: ['en'], files: { type: 'vits', model: /model\.onnx$/ } },
    ]);
    t.equal(
      both.result.synthesis,
      `English by sherpa ${TOY_VOICE_EN}, Mandarin by sherpa ${TOY_VOICE_ZH_EN}`,
    );
    t.match(
      both.lines.join('\n'),
      /INFO .*speech synthesis: English by sherpa toy-vits-en, Mandarin by sherpa/,
    );
    // The speaker of a multi-speaker voice comes from the config.
    const speaker = await plan(modelsDir, 'none', { sherpaSpeaker: 1 }, manifest);
    t.same(
      speaker.result.worker.sherpaVoices?.map((v) => v.speaker),
      [1, 1],
    );

    await rm(join(modelsDir, TOY_VOICE_EN), { recursive: true });
    const bilingual = await plan(modelsDir, 'none', { synthesizer: 'sherpa' }, manifest);
    t.match(bilingual.result.worker.sherpaVoices, [{ name: TOY_VOICE_ZH_EN, languages: ['en', 'zh'] }]);
    t.equal(bilingual.result.worker.sherpaVoices?.length, 1);
    t.match(
      bilingual.lines.join('\n'),
      /speech model toy-vits-en is missing; using sherpa toy-vits-zh_en \(English\) instead/,
    );

    await writeFile(join(modelsDir, TOY_VOICE_ZH_EN, 'model.onnx'), 'not the verified model');
    const damaged = await plan(modelsDir, 'none', { synthesizer: 'sherpa' }, manifest);
    t.same(damaged.result.worker.sherpaVoices, [], 'a damaged voice never reaches the worker');
    const log = damaged.lines.join('\n');
    t.match(
      log,
      /ERROR .*speech model toy-vits-zh_en is damaged \(model\.onnx is 22 bytes, expected \d+\) and is not loaded; using flite \(English\) and espeak-ng \(Mandarin\) instead/,
    );
    t.match(
      log,
      /WARN .*speech\.synthesizer is sherpa but no sherpa voice can be loaded: English by flite, Mandarin by espeak-ng \(no sherpa voice model is installed and verified\)/,
    );
  },
);

t.test('speech.synthesizer embedded never loads a sherpa voice, even a verified one', async (t) => {
  const modelsDir = t.testdir();
  const manifest = await installToyVoices(t, modelsDir);
  const { result, lines } = await plan(modelsDir, 'none', { synthesizer: 'embedded' }, manifest);
  t.same(result.worker.sherpaVoices, []);
  t.equal(result.synthesis, 'English by flite, Mandarin by espeak-ng (speech.synthesizer is embedded)');
  t.match(
    lines.join('\n'),
    /INFO .*speech synthesis: English by flite, Mandarin by espeak-ng \(speech\.synthesizer is embedded\)/,
  );
});

t.test('with no sherpa voice installed, auto speaks with the embedded voices and says so', async (t) => {
  const modelsDir = t.testdir();
  await installVad(modelsDir);
  const { result, lines } = await plan(modelsDir, 'none');
  t.same(result.worker.sherpaVoices, []);
  t.match(
    lines.join('\n'),
    /INFO .*speech synthesis: English by flite, Mandarin by espeak-ng \(no sherpa voice model is installed and verified\)/,
  );
  t.notMatch(lines.join('\n'), /WARN .*speech\.synthesizer/);
});

t.test(
  'of two voices for the same languages the first in the manifest speaks; the other is not loaded',
  async (t) => {
    const modelsDir = t.testdir();
    const installed = await installToyVoices(t, modelsDir);
    // Both speak English only: the tie goes to manifest order.
    const manifest = {
      ...installed,
      models: installed.models.map((m) => (m.name === TOY_VOICE_ZH_EN ? { ...m, languages: ['en'] } : m)),
    };
    const { result } = await plan(modelsDir, 'none', {}, manifest);
    t.match(result.worker.sherpaVoices, [{ name: TOY_VOICE_ZH_EN, languages: ['en'] }]);
    t.equal(result.worker.sherpaVoices?.length, 1);
    t.equal(
      result.synthesis,
      `English by sherpa ${TOY_VOICE_ZH_EN}, Mandarin by espeak-ng (${TOY_VOICE_EN} is not loaded: other sherpa voices speak its languages)`,
    );
  },
);

t.test('a voice model whose manifest entry names no model file is logged and not loaded', async (t) => {
  const modelsDir = t.testdir();
  const installed = await installToyVoices(t, modelsDir);
  const manifest = {
    ...installed,
    models: installed.models.map((m) =>
      m.name === TOY_VOICE_EN ? { ...m, files: m.files.filter((f) => f.role !== 'model') } : m,
    ),
  };
  const { result, lines } = await plan(modelsDir, 'none', {}, manifest);
  t.same(
    result.worker.sherpaVoices?.map((v) => v.name),
    [TOY_VOICE_ZH_EN],
  );
  t.match(
    lines.join('\n'),
    /ERROR .*speech model toy-vits-en lists neither a VITS model nor a Matcha acoustic model and vocoder and is not loaded/,
  );
});
