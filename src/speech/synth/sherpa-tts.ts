/**
 * Synthesis with a sherpa-onnx voice (OfflineTts): VITS (MeloTTS zh_en with its lexicon, piper en_US with its
 * espeak-ng data) or Matcha (acoustic model + vocoder), as the files the manifest lists say. Loaded only from files
 * the daemon verified (a corrupt model aborts the process). Sentences render with `generateAsync`, on a libuv
 * thread, so caller audio keeps flowing through the worker meanwhile, one at a time per voice; sherpa-onnx-node
 * 1.13.8's synchronous `generate` segfaults on text without a single word the model knows, `generateAsync` rejects.
 * The worker resamples the output (16–44.1 kHz) to the 8 kHz line like every other voice.
 */
import { floatToInt16 } from '../../audio/resample.js';
import type { Lang } from '../../config/shop-schema.js';
import { describeError, ErrorCode, LinekeeperError } from '../../errors.js';
import type { Synthesizer } from '../engines.js';
import { loadSherpa } from '../sherpa/load.js';
import type { Pcm } from '../wav.js';

/** The verified files of a sherpa voice, by model type. */
export type SherpaTtsFiles =
  | { type: 'vits'; model: string; tokens: string; lexicon?: string; dataDir?: string }
  | {
      type: 'matcha';
      acousticModel: string;
      vocoder: string;
      tokens: string;
      lexicon?: string;
      dataDir?: string;
    };

/** A sherpa voice the worker loads: one manifest model, the languages it speaks on this box, the speaker. */
export interface SherpaVoice {
  /** The model's manifest name (part of the voice id). */
  name: string;
  languages: Lang[];
  /** Speaker id of a multi-speaker model (`speech.sherpaSpeaker`). */
  speaker: number;
  files: SherpaTtsFiles;
}

/** The voice id of a sherpa voice: model and speaker, so a change of either renders prompts anew. */
export function sherpaVoiceId(name: string, speaker: number): string {
  return `sherpa-onnx:${name}:speaker${speaker}`;
}

/** sherpa's config for the files; sherpa's own defaults for the noise and length scales. */
function ttsConfig(files: SherpaTtsFiles): Record<string, unknown> {
  const { type, ...paths } = files;
  // sherpa-onnx ≥ 1.12.15 carries the jieba dictionary itself (and says so on stderr when given a dictDir).
  const model = type === 'vits' ? { vits: paths } : { matcha: paths };
  return { model: { ...model, numThreads: 1, provider: 'cpu', debug: 0 } };
}

/**
 * Loads the voice; files must be verified first. A speaker the model does not have is reported through `warn`
 * and speaker 0 speaks instead (the voice id says which).
 */
export async function createSherpaTts(
  voice: SherpaVoice,
  warn: (message: string) => void,
): Promise<Synthesizer> {
  const sherpa = await loadSherpa();
  const tts = new sherpa.OfflineTts(ttsConfig(voice.files));
  const speakers = Math.max(1, tts.numSpeakers);
  let sid = voice.speaker;
  if (sid >= speakers) {
    warn(
      `sherpa voice ${voice.name} has ${speakers} speaker(s), not speaker ${sid} (speech.sherpaSpeaker); speaker 0 speaks`,
    );
    sid = 0;
  }
  const id = sherpaVoiceId(voice.name, sid);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    languages: voice.languages,
    voiceId: () => id,
    async synthesize(text: string, _lang: Lang): Promise<Pcm> {
      const rendering = queue.then(() => tts.generateAsync({ text, sid, speed: 1 }));
      queue = rendering.catch(() => undefined);
      try {
        const audio = await rendering;
        return { sampleRate: audio.sampleRate, samples: floatToInt16(audio.samples) };
      } catch (e) {
        throw new LinekeeperError(
          ErrorCode.Speech_EngineFailed,
          `sherpa voice ${voice.name} rendered no audio for "${text}" (${describeError(e)})`,
          { cause: e },
        );
      }
    },
  };
}
