import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { measureVoice, voiceFeatures } from '../../src/speech/voice-features.js';
import type { Heard } from '../../src/speech/worker/protocol.js';
import { SpeechWorker } from '../../src/speech/worker/speech-worker.js';
import { frames, installVad, lineSpeech, workerConfigFor } from '../helpers/speech.js';
import { generateToyModel } from '../helpers/toy-onnx.js';

function capture() {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const log = createLogger({
    level: 'info',
    write: (line) => {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) w.resolve();
    },
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      if (lines.some((l) => pattern.test(l))) resolve();
      else waiters.push({ pattern, resolve });
    });
  return { lines, log, waitFor };
}

/** Sends silence, the utterance and trailing silence as 20 ms frames. */
function speak(worker: SpeechWorker, speech: Int16Array): void {
  const silence = new Int16Array(6400);
  for (const frame of [...frames(silence), ...frames(speech), ...frames(silence)]) worker.sendAudio(frame);
}

t.test(
  'the worker hears flite caller speech through 8 kHz line audio and renders 8 kHz replies',
  async (t) => {
    const vad = await installVad(join(t.testdir(), 'models'));
    const worker = new SpeechWorker({ config: await workerConfigFor(vad), log: silentLogger });
    t.teardown(() => worker.stop());
    await worker.start();
    t.match(worker.engines, { vad: true, recognizer: 'pocketsphinx' });
    const events: string[] = [];
    worker.onVad((e) => events.push(e.type));
    for (const [text, expect] of [
      ['do you deliver', 'open'],
      ['I want to speak to a person', 'open'],
      ['no', 'yesno'],
    ] as const) {
      const turn = worker.listen(expect);
      speak(worker, await lineSpeech(text));
      const heard: Heard = await turn.heard;
      t.equal(heard.recognition.text, text.toLowerCase(), `recognised "${text}"`);
      t.ok(heard.endpointingMs >= 300 && heard.endpointingMs < 700, `endpointing ${heard.endpointingMs} ms`);
      t.ok(heard.voice.energyDb < -5 && heard.voice.energyDb > -50, `energy ${heard.voice.energyDb} dBFS`);
      t.ok(heard.speechEndMs > heard.speechStartMs);
    }
    t.same(events.slice(0, 2), ['speech-start', 'speech-end']);
    // A sentence longer than the worker's two seconds of history: its voice is measured over all of it (the
    // whole turn's audio), not over its last two seconds and the silence after.
    const long = await lineSpeech('please call me back about a wedding cake for next month');
    const turn = worker.listen('open');
    speak(worker, long);
    const heard: Heard = await turn.heard;
    const own = voiceFeatures(measureVoice(resampleClip(long, 8000, 16000), 16000), heard.recognition.text);
    t.ok(
      heard.voice.rate !== undefined && Math.abs(heard.voice.rate - (own.rate as number)) <= 0.3,
      `rate ${heard.voice.rate} syllables/s, the sentence's own ${own.rate}`,
    );
    t.ok(
      Math.abs(heard.voice.energyDb - own.energyDb) <= 1,
      `energy ${heard.voice.energyDb}, own ${own.energyDb}`,
    );
    const reply = await worker.synthesize('We deliver within five kilometres.', 'en');
    t.ok(
      reply.samples.length > 8000 && reply.samples.length < 8000 * 6,
      `${reply.samples.length} samples at 8 kHz`,
    );
    const mandarin = await worker.synthesize('我们在五公里内送货。', 'zh');
    t.ok(mandarin.samples.length > 8000, 'espeak-ng Mandarin resampled to 8 kHz');
    const usage = await worker.usage();
    t.ok(usage.rssMb > 20 && usage.cpuUserMs > 0);
  },
);

t.test('the sherpa-onnx offline path runs for real in the worker with a generated CTC model', async (t) => {
  const dir = t.testdir();
  const toy = generateToyModel(dir);
  const vad = await installVad(join(dir, 'models'));
  const config = {
    ...(await workerConfigFor(vad)),
    recognizer: {
      type: 'sherpa-offline' as const,
      model: { type: 'tdnn' as const, ...toy, featureDim: 23, sampleRate: 8000 },
    },
  };
  const worker = new SpeechWorker({ config, log: silentLogger });
  t.teardown(() => worker.stop());
  await worker.start();
  t.equal(worker.engines?.recognizer, 'sherpa-tdnn');
  const turn = worker.listen('open');
  speak(worker, await lineSpeech('do you deliver'));
  const heard = await turn.heard;
  t.match(heard.recognition.text, /^(YES)+$/, `toy model output ${heard.recognition.text}`);
});

t.test(
  'a garbage .onnx aborts the worker natively; the daemon side logs it, reports it and restarts with backoff',
  async (t) => {
    const dir = t.testdir();
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, 'this is not a protobuf'.repeat(50));
    const tokens = join(dir, 'tokens.txt');
    await writeFile(tokens, '<blk> 0\nYES 1\n');
    const { lines, log, waitFor } = capture();
    const worker = new SpeechWorker({
      config: { ...(await workerConfigFor(null)), testLoadUnverifiedOnnx: { model: garbage, tokens } },
      log,
      restartMinMs: 10,
      env: { LINEKEEPER_SPEECH_WORKER_TEST: '1' },
    });
    t.teardown(() => worker.stop());
    const lost: string[] = [];
    worker.onLost((reason) => lost.push(reason));
    await t.rejects(
      worker.start(),
      /speech worker exited unexpectedly \(code null, signal SIGABRT\): .*Ort::Exception/,
    );
    await waitFor(/restarting it in 20 ms/);
    t.match(
      lines[0],
      /speech worker exited unexpectedly \(code null, signal SIGABRT\).*Ort::Exception.*; calls in progress continue on keypad menus; restarting it in 10 ms/,
    );
    t.ok(lost.length >= 2, 'each crash is reported');
  },
);

t.test(
  'a worker killed in the middle of a turn fails that turn, reports it, and comes back for the next',
  async (t) => {
    const vad = await installVad(join(t.testdir(), 'models'));
    const { log, waitFor } = capture();
    const worker = new SpeechWorker({ config: await workerConfigFor(vad), log, restartMinMs: 10 });
    t.teardown(() => worker.stop());
    await worker.start();
    const lost = new Promise<string>((resolve) => worker.onLost(resolve));
    // Subscribed before the kill: the restart cannot be ready before anyone listens for it.
    const restarted = new Promise<void>((resolve) => worker.onReady(resolve));
    const turn = worker.listen('open');
    const failed = t.rejects(turn.heard, /speech worker exited \(code null, signal SIGKILL\)/);
    process.kill(worker.pid as number, 'SIGKILL');
    await failed;
    t.match(await lost, /signal SIGKILL/);
    t.notOk(worker.available);
    await t.rejects(worker.synthesize('hello', 'en'), /speech worker is not running/);
    await restarted;
    await waitFor(/speech worker ready/);
    const next = worker.listen('open');
    speak(worker, await lineSpeech('do you deliver'));
    t.equal((await next.heard).recognition.text, 'do you deliver');
  },
);

t.test(
  'Porcupine refusing its AccessKey leaves the worker hearing callers, with the reason logged',
  async (t) => {
    const { log, waitFor } = capture();
    const vad = await installVad(join(t.testdir(), 'models'));
    const keywordFile = createRequire(import.meta.url).resolve(
      '@picovoice/porcupine-node/resources/keyword_files/linux/porcupine_linux.ppn',
    );
    const config = {
      ...(await workerConfigFor(vad)),
      keywordSpotter: {
        type: 'porcupine' as const,
        spec: {
          accessKey: 'not-a-picovoice-key',
          keywords: [{ file: keywordFile, phrase: 'porcupine', sensitivity: 0.5 }],
        },
      },
    };
    const worker = new SpeechWorker({ config, log });
    t.teardown(() => worker.stop());
    await worker.start();
    // Porcupine's own words name the key as what it refused.
    await waitFor(
      /keyword spotter porcupine did not start \(.*AccessKey.*\); the recognizer hears keywords after a barge-in instead/,
    );
    const turn = worker.listen('open');
    speak(worker, await lineSpeech('do you deliver'));
    t.equal((await turn.heard).recognition.text, 'do you deliver');
  },
);
