import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { validateDeviceConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Recognizer } from '../../src/speech/engines.js';
import { hotwordPhrases } from '../../src/speech/keywords.js';
import { planSpeech } from '../../src/speech/plan.js';
import { createSherpaStreaming } from '../../src/speech/recognize/sherpa-streaming.js';
import { modelingUnit, readVocabulary, spell } from '../../src/speech/sherpa/tokens.js';
import { SpeechWorker } from '../../src/speech/worker/speech-worker.js';
import { bakery, frames, lineSpeech } from '../helpers/speech.js';
import { installToyModels } from '../helpers/toy-models.js';
import { generateToyTransducer, type ToyTransducer } from '../helpers/toy-onnx.js';

/** Feeds 16 kHz audio in 20 ms chunks; returns the ms of audio fed when the recognizer's endpoint fired. */
function feed(recognizer: Recognizer, audio: Int16Array): number | undefined {
  for (let i = 0; i < audio.length; i += 320) {
    recognizer.accept(audio.subarray(i, i + 320));
    if (recognizer.endpoint?.() !== undefined) return ((i + 320) * 1000) / 16000;
  }
  return undefined;
}

async function recognizerFor(toy: ToyTransducer, hotwords: string[], endpointSilenceMs = 800) {
  const vocabulary = await readVocabulary(toy);
  const spelled = hotwords.map((h) => spell(h, vocabulary));
  const recognizer = await createSherpaStreaming({
    ...toy,
    modelingUnit: modelingUnit(vocabulary.tokens),
    hotwords: spelled.flatMap((s) => ('text' in s ? [s.text] : [])),
    endpointSilenceMs,
  });
  return { recognizer, spelled };
}

t.test(
  'the streaming transducer path runs for real: text, hotwords from the shop profile, endpointing',
  async (t) => {
    const toy = generateToyTransducer(t.testdir());
    const speech = resampleClip(await lineSpeech('I want to speak to a person'), 8000, 16000);
    const utterance = new Int16Array(16000 + speech.length + 48000);
    utterance.set(speech, 16000);
    const speechEndMs = (16000 + speech.length) / 16;

    const plain = (await recognizerFor(toy, [])).recognizer;
    plain.begin('open');
    const endpointAt = feed(plain, utterance);
    t.ok(endpointAt !== undefined, "sherpa's endpoint rule fired");
    t.ok(
      (endpointAt ?? 0) > speechEndMs,
      `not before the speech ended (${endpointAt} ms > ${speechEndMs} ms)`,
    );
    t.ok((plain.endpoint?.() ?? 0) >= 800, `after ${plain.endpoint?.()} ms of trailing silence`);
    t.match((await plain.finish()).text, /^(大家)+$/, 'without hotwords the toy says 大家');
    await plain.close();

    const { recognizer: boosted, spelled } = await recognizerFor(toy, hotwordPhrases(await bakery()));
    t.match(
      spelled.find((s) => s.phrase === 'Golden Crust Bakery'),
      { reason: '"Golden" cannot be spelled with the model\'s pieces' },
      'what the vocabulary cannot spell is reported, not handed to sherpa',
    );
    t.ok(
      spelled.some((s) => s.phrase === '人工' && 'tokens' in s && s.tokens.join(' ') === '人 工'),
      'the shop keyword 人工 is spelled in characters',
    );
    boosted.begin('open');
    feed(boosted, utterance);
    t.match((await boosted.finish()).text, /^(人工)+$/, 'the hotword 人工 from the profile wins');
    await boosted.close();

    const english = (await recognizerFor(toy, ['person'])).recognizer;
    english.begin('open');
    feed(english, utterance);
    t.match(
      (await english.finish()).text,
      /^person( person)*$/,
      'an English hotword spelled with bpe.model pieces',
    );
    await english.close();

    const quiet = (await recognizerFor(toy, [], 300)).recognizer;
    quiet.begin('open');
    t.equal(
      feed(quiet, new Int16Array(32000)),
      undefined,
      'no endpoint in 2 s of silence (rule 1 needs 2.4 s)',
    );
    t.same(await quiet.finish(), { text: '' });
    await quiet.close();
  },
);

t.test(
  "in the worker, sherpa's endpoint rule ends the turn before the VAD would (installed, verified, planned like a real model)",
  async (t) => {
    const modelsDir = t.testdir();
    const manifest = await installToyModels(t, modelsDir);
    const { config } = validateDeviceConfig({
      speech: {
        modelsDir,
        recognizer: 'sherpa-streaming',
        keywordSpotter: 'recognizer',
        endpointSilenceMs: 600,
      },
    });
    const plan = await planSpeech({
      speech: config.speech,
      manifest,
      profile: await bakery(),
      log: silentLogger,
    });
    t.equal(plan.worker.recognizer.type, 'sherpa-streaming');
    // The VAD waits 1.5 s of silence; sherpa's rule 2 only 600 ms after the last token.
    const worker = new SpeechWorker({
      config: { ...plan.worker, endpointSilenceMs: 1500 },
      log: silentLogger,
    });
    t.teardown(() => worker.stop());
    await worker.start();
    t.match(worker.engines, { recognizer: 'sherpa-streaming', keywordSpotter: 'none' });
    const turn = worker.listen('open');
    const silence = new Int16Array(8000 * 3);
    for (const frame of [
      ...frames(silence),
      ...frames(await lineSpeech('I want to speak to a person')),
      ...frames(silence),
    ])
      worker.sendAudio(frame);
    const heard = await turn.heard;
    t.match(heard.recognition.text, /^(人工)+$/, "the profile's hotword 人工 wins in the worker too");
    t.equal(heard.recognizer, 'sherpa-streaming');
    t.ok(
      heard.endpointingMs >= 600 && heard.endpointingMs < 1500,
      `ended ${heard.endpointingMs} ms after the speech, by sherpa's rule rather than the VAD`,
    );
    t.ok(heard.speechEndMs > heard.speechStartMs);
  },
);
