/**
 * Decides which speech engines a box runs from the config and the models that verify, and says so: every
 * missing or damaged model is logged with what is used instead. Only verified files reach the worker.
 */
import { existsSync } from 'node:fs';
import type { DeviceConfig } from '../config/device-schema.js';
import type { ShopProfile } from '../config/shop-schema.js';
import type { Logger } from '../log/logger.js';
import type { Manifest, ModelKind } from './models/manifest.js';
import { type ModelStatus, modelFile, verifyAll } from './models/verify.js';
import { decoderModelsFor } from './recognize/grammar.js';
import { POCKETSPHINX_DICT, readPronouncingDictionary } from './recognize/pronouncing-dictionary.js';
import type { RecognizerPlan, WorkerConfig } from './worker/protocol.js';

/** The engines chosen and the model states behind the choice. */
export interface SpeechPlan {
  worker: WorkerConfig;
  models: ModelStatus[];
  /** Why speech input is off, when it is (then calls run on keypad menus). */
  noSpeechInput?: string;
}

type Ok = Extract<ModelStatus, { state: 'ok' }>;

function firstOk(models: ModelStatus[], kind: ModelKind): Ok | undefined {
  return models.find((m): m is Ok => m.state === 'ok' && m.entry.kind === kind);
}

/** Verifies the installed models and plans the worker's engines. */
export async function planSpeech(options: {
  speech: DeviceConfig['speech'];
  manifest: Manifest;
  profile: ShopProfile;
  log: Logger;
  /** Extra phrases for the recognizer's language model (e.g. keypad-menu words from the conversation). */
  extraPhrases?: readonly string[];
}): Promise<SpeechPlan> {
  const { speech, log } = options;
  const models = await verifyAll(options.manifest, speech.modelsDir);
  const vad = firstOk(models, 'vad');
  const senseVoice = firstOk(models, 'asr-offline');
  const pocketsphinx = existsSync('/usr/bin/pocketsphinx_continuous') && existsSync(POCKETSPHINX_DICT);

  let recognizer: RecognizerPlan = { type: 'none' };
  const wanted = speech.recognizer;
  if (wanted !== 'none') {
    if ((wanted === 'auto' || wanted === 'sherpa-sensevoice') && senseVoice !== undefined) {
      recognizer = {
        type: 'sherpa-offline',
        model: {
          type: 'sense-voice',
          model: modelFile(senseVoice, 'model'),
          tokens: modelFile(senseVoice, 'tokens'),
        },
      };
    } else if (pocketsphinx) {
      recognizer = {
        type: 'pocketsphinx',
        decoders: decoderModelsFor(options.profile, await readPronouncingDictionary(), options.extraPhrases),
      };
    }
  }
  const recognizerName = recognizer.type === 'sherpa-offline' ? 'sherpa SenseVoice' : recognizer.type;

  for (const model of models) {
    if (model.state === 'ok') continue;
    const instead =
      model.entry.kind === 'vad'
        ? 'no VAD: speech input is off and calls use keypad menus'
        : model.entry.kind === 'tts'
          ? 'flite (English) and espeak-ng (Mandarin)'
          : model.entry.kind === 'kws'
            ? `the recognizer (${recognizerName}) spots "agent"/"person"`
            : `recognizer ${recognizerName}`;
    const what = model.state === 'missing' ? 'is missing' : `is damaged (${model.reason}) and is not loaded`;
    const line = `speech model ${model.name} ${what}; using ${instead} instead`;
    if (model.state === 'bad') log.error(line);
    else if (model.entry.kind === 'vad') log.warn(line);
    else log.info(line);
  }
  if (wanted === 'sherpa-streaming') {
    log.warn(
      `speech.recognizer sherpa-streaming is not available in this build; using ${recognizerName} instead`,
    );
  }

  const worker: WorkerConfig = {
    vadModel: vad === undefined ? null : modelFile(vad, 'model'),
    endpointSilenceMs: speech.endpointSilenceMs,
    recognizer,
    englishVoice: speech.englishVoice,
  };
  const noSpeechInput =
    vad === undefined
      ? 'the Silero VAD model is missing or damaged'
      : recognizer.type === 'none'
        ? wanted === 'none'
          ? 'speech.recognizer is none'
          : 'no recognizer is installed'
        : undefined;
  if (noSpeechInput !== undefined) log.warn(`speech input is off (${noSpeechInput}); calls use keypad menus`);
  return { worker, models, ...(noSpeechInput === undefined ? {} : { noSpeechInput }) };
}
