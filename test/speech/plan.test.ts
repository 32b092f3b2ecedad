import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { validateDeviceConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { loadManifest } from '../../src/speech/models/manifest.js';
import { planSpeech } from '../../src/speech/plan.js';
import { bakery, installVad } from '../helpers/speech.js';

async function plan(modelsDir: string, recognizer = 'auto') {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const { config } = validateDeviceConfig({ speech: { modelsDir, recognizer } });
  const result = await planSpeech({
    speech: config.speech,
    manifest: await loadManifest(),
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
      const { open, digits } = result.worker.recognizer.decoders;
      t.match(open, { arpa: /\n-[\d.]+ do you deliver\n/, dict: /\ndeliver D IH L IH V ER\n/ });
      t.match(digits, { jsgf: /\( zero \| oh \| one .* \)\+/ });
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
