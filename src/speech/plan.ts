/**
 * Decides which speech engines a box runs from the config and the models that verify, and says so: every
 * missing or damaged model is logged with what is used instead. Only verified files reach the worker.
 */
import { existsSync } from 'node:fs';
import type { DeviceConfig } from '../config/device-schema.js';
import { LANGUAGES, type Lang, type ShopProfile } from '../config/shop-schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { porcupineInstalled } from './keyword-spotting/porcupine.js';
import { ESCALATION_PHRASES, escalationPhrases, hotwordPhrases } from './keywords.js';
import type { Manifest, ModelKind } from './models/manifest.js';
import { type ModelStatus, modelFile, optionalModelFile, verifyAll } from './models/verify.js';
import { decoderModelsFor } from './recognize/grammar.js';
import { POCKETSPHINX_MODULE } from './recognize/pocketsphinx.js';
import { POCKETSPHINX_DICT, readPronouncingDictionary } from './recognize/pronouncing-dictionary.js';
import {
  modelingUnit,
  readVocabulary,
  type Spelling,
  type SpellOptions,
  spell,
  type Vocabulary,
} from './sherpa/tokens.js';
import type { SherpaTtsFiles, SherpaVoice } from './synth/sherpa-tts.js';
import type { KeywordSpotterPlan, RecognizerPlan, WorkerConfig } from './worker/protocol.js';

/** The engines chosen and the model states behind the choice. */
export interface SpeechPlan {
  worker: WorkerConfig;
  models: ModelStatus[];
  /** Why speech input is off, when it is (then calls run on keypad menus). */
  noSpeechInput?: string;
  /** Which keyword spotter listens while the line talks, and why that one. */
  keywordSpotting: string;
  /** Which voice speaks each language, and why. */
  synthesis: string;
}

type Ok = Extract<ModelStatus, { state: 'ok' }>;

function firstOk(models: ModelStatus[], kind: ModelKind): Ok | undefined {
  return models.find((m): m is Ok => m.state === 'ok' && m.entry.kind === kind);
}

/** Spells phrases in a model's tokens; the ones it cannot spell are logged and left out. */
function spellAll(
  phrases: readonly string[],
  vocabulary: Vocabulary,
  what: string,
  log: Logger,
  options: SpellOptions = {},
) {
  const spellings = phrases.map((p) => spell(p, vocabulary, options));
  const spelled = spellings.filter((s): s is Extract<Spelling, { tokens: string[] }> => 'tokens' in s);
  const dropped = spellings.filter((s): s is Extract<Spelling, { reason: string }> => 'reason' in s);
  if (dropped.length > 0) {
    log.info(
      `${what}: left out what the model cannot spell: ${dropped.map((d) => `"${d.phrase}" (${d.reason})`).join('; ')}`,
    );
  }
  return spelled;
}

/** The files every sherpa transducer has. */
function transducerFiles(model: Ok) {
  return {
    encoder: modelFile(model, 'encoder'),
    decoder: modelFile(model, 'decoder'),
    joiner: modelFile(model, 'joiner'),
    tokens: modelFile(model, 'tokens'),
  };
}

/** The streaming transducer with the shop's hotwords. */
async function streamingPlan(
  model: Ok,
  options: { speech: DeviceConfig['speech']; profile: ShopProfile; log: Logger },
): Promise<RecognizerPlan> {
  const bpeModel = optionalModelFile(model, 'bpeModel');
  const files = { ...transducerFiles(model), ...(bpeModel === undefined ? {} : { bpeModel }) };
  let hotwords: string[] = [];
  let unit: ReturnType<typeof modelingUnit> = 'cjkchar';
  try {
    const vocabulary = await readVocabulary(files);
    unit = modelingUnit(vocabulary.tokens);
    const what = `hotwords for ${model.name}`;
    // sherpa spells hotword text itself (modelingUnit), so only what it can spell is checked here: no pinyin.
    hotwords = spellAll(hotwordPhrases(options.profile), vocabulary, what, options.log, {
      pinyin: false,
    }).map((s) => s.text);
  } catch (e) {
    options.log.error(
      `hotwords for ${model.name} are off: its token files do not read (${describeError(e)})`,
    );
  }
  return {
    type: 'sherpa-streaming',
    model: { ...files, modelingUnit: unit, hotwords, endpointSilenceMs: options.speech.endpointSilenceMs },
  };
}

/** The keyword spotter for "agent"/"person"/"人工" while the line talks, and why it is that one. */
async function keywordSpotterPlan(
  model: Ok | undefined,
  options: { speech: DeviceConfig['speech']; profile: ShopProfile; log: Logger },
): Promise<{ plan: KeywordSpotterPlan; why: string }> {
  const { speech, profile, log } = options;
  const wanted = speech.keywordSpotter;
  const notUsed: string[] = [];
  if (wanted === 'auto' || wanted === 'sherpa') {
    if (model === undefined) notUsed.push('the sherpa keyword model is not installed');
    else {
      const lexicon = optionalModelFile(model, 'lexicon');
      const bpeModel = optionalModelFile(model, 'bpeModel');
      const files = transducerFiles(model);
      try {
        const vocabulary = await readVocabulary(
          { tokens: files.tokens, ...(lexicon ? { lexicon } : {}), ...(bpeModel ? { bpeModel } : {}) },
          speech.keywordTokens,
        );
        const phrases = escalationPhrases(profile).map((p) => p.phrase);
        const keywords = spellAll(phrases, vocabulary, `keywords for ${model.name}`, log).map((k) => ({
          phrase: k.phrase,
          tokens: k.tokens,
        }));
        if (keywords.length > 0) {
          return {
            plan: { type: 'sherpa-kws', model: { ...files, keywords } },
            why: `sherpa KeywordSpotter (${model.name}) spots ${keywords.map((k) => `"${k.phrase}"`).join(', ')}`,
          };
        }
        notUsed.push(`the sherpa keyword model ${model.name} cannot spell any of the keywords`);
      } catch (e) {
        notUsed.push(`the token files of ${model.name} do not read (${describeError(e)})`);
      }
    }
  }
  if (wanted === 'auto' || wanted === 'porcupine') {
    const porcupine = speech.porcupine;
    if (porcupine.accessKey === '') {
      notUsed.push(
        'Porcupine needs a Picovoice AccessKey in speech.porcupine.accessKey and none is configured',
      );
    } else if (porcupine.keywords.length === 0) {
      notUsed.push('speech.porcupine.keywords lists no keyword (.ppn) files');
    } else if (!porcupineInstalled()) {
      notUsed.push('the optional package @picovoice/porcupine-node is not installed');
    } else {
      return {
        plan: {
          type: 'porcupine',
          spec: {
            accessKey: porcupine.accessKey,
            ...(porcupine.modelPath === '' ? {} : { modelPath: porcupine.modelPath }),
            keywords: porcupine.keywords,
          },
        },
        why: `Porcupine spots ${porcupine.keywords.map((k) => `"${k.phrase}"`).join(', ')}`,
      };
    }
  }
  if (wanted === 'recognizer') notUsed.push('speech.keywordSpotter is recognizer');
  const said = [...ESCALATION_PHRASES.en, ...ESCALATION_PHRASES.zh].map((p) => `"${p}"`).join('/');
  return {
    plan: { type: 'none' },
    why: `no keyword spotter (${notUsed.join('; ')}): the recognizer hears ${said} after a barge-in`,
  };
}

const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', zh: 'Mandarin' };
/** The embedded voice of each language (the worker's fallback too). */
const EMBEDDED: Record<Lang, string> = { en: 'flite', zh: 'espeak-ng' };

/** The files of a verified sherpa voice model by what they say it is: a VITS model, or a Matcha pair. */
function ttsFiles(model: Ok): SherpaTtsFiles | { reason: string } {
  const tokens = optionalModelFile(model, 'tokens');
  if (tokens === undefined) return { reason: 'lists no tokens file' };
  const lexicon = optionalModelFile(model, 'lexicon');
  const dataDir = optionalModelFile(model, 'dataDir');
  const frontEnd = { tokens, ...(lexicon ? { lexicon } : {}), ...(dataDir ? { dataDir } : {}) };
  const vits = optionalModelFile(model, 'model');
  if (vits !== undefined) return { type: 'vits', model: vits, ...frontEnd };
  const acousticModel = optionalModelFile(model, 'acousticModel');
  const vocoder = optionalModelFile(model, 'vocoder');
  if (acousticModel !== undefined && vocoder !== undefined)
    return { type: 'matcha', acousticModel, vocoder, ...frontEnd };
  return { reason: 'lists neither a VITS model nor a Matcha acoustic model and vocoder' };
}

/**
 * The sherpa voices the worker loads and the voice of each language. Each language goes to the verified voice
 * made for the fewest languages (piper en_US speaks English when MeloTTS zh_en is installed too), then the first
 * in the manifest; a language no verified voice speaks keeps its embedded voice, and a voice left with no
 * language is not loaded.
 */
function synthesisPlan(
  models: ModelStatus[],
  speech: DeviceConfig['speech'],
  log: Logger,
): { voices: SherpaVoice[]; voiceOf: (lang: Lang) => string; why: string } {
  const wanted = speech.synthesizer;
  const candidates: { name: string; languages: Lang[]; files: SherpaTtsFiles }[] = [];
  if (wanted !== 'embedded') {
    for (const model of models) {
      if (model.state !== 'ok' || model.entry.kind !== 'tts') continue;
      const files = ttsFiles(model);
      if ('reason' in files) {
        log.error(`speech model ${model.name} ${files.reason} and is not loaded`);
        continue;
      }
      const languages = LANGUAGES.filter((l) => model.entry.languages.includes(l));
      candidates.push({ name: model.name, languages, files });
    }
  }
  const speaker = new Map<Lang, string>();
  for (const lang of LANGUAGES) {
    const best = candidates
      .filter((c) => c.languages.includes(lang))
      .sort((a, b) => a.languages.length - b.languages.length)[0];
    if (best !== undefined) speaker.set(lang, best.name);
  }
  const voices = candidates
    .map((c) => ({
      name: c.name,
      languages: c.languages.filter((l) => speaker.get(l) === c.name),
      speaker: speech.sherpaSpeaker,
      files: c.files,
    }))
    .filter((v) => v.languages.length > 0);
  const voiceOf = (lang: Lang) => {
    const name = speaker.get(lang);
    return name === undefined ? EMBEDDED[lang] : `sherpa ${name}`;
  };
  const notes: string[] = [];
  if (wanted === 'embedded') notes.push('speech.synthesizer is embedded');
  else if (candidates.length === 0) notes.push('no sherpa voice model is installed and verified');
  for (const unused of candidates.filter((c) => !voices.some((v) => v.name === c.name)))
    notes.push(`${unused.name} is not loaded: other sherpa voices speak its languages`);
  const said = LANGUAGES.map((l) => `${LANGUAGE_NAMES[l]} by ${voiceOf(l)}`).join(', ');
  return { voices, voiceOf, why: notes.length === 0 ? said : `${said} (${notes.join('; ')})` };
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
  const streaming = firstOk(models, 'asr-streaming');
  const pocketsphinx = existsSync(POCKETSPHINX_MODULE) && existsSync(POCKETSPHINX_DICT);

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
    } else if ((wanted === 'auto' || wanted === 'sherpa-streaming') && streaming !== undefined) {
      recognizer = await streamingPlan(streaming, options);
    } else if (pocketsphinx) {
      recognizer = {
        type: 'pocketsphinx',
        decoders: decoderModelsFor(options.profile, await readPronouncingDictionary(), options.extraPhrases),
      };
    }
  }
  const recognizerName =
    recognizer.type === 'sherpa-offline'
      ? 'sherpa SenseVoice'
      : recognizer.type === 'sherpa-streaming'
        ? 'sherpa streaming zipformer'
        : recognizer.type;
  const spotting = await keywordSpotterPlan(firstOk(models, 'kws'), options);
  const synthesis = synthesisPlan(models, speech, log);

  for (const model of models) {
    if (model.state === 'ok') {
      if (model.unverified !== undefined) log.warn(`speech model ${model.name} is ${model.unverified}`);
      continue;
    }
    const instead =
      model.entry.kind === 'vad'
        ? 'no VAD: speech input is off and calls use keypad menus'
        : model.entry.kind === 'tts'
          ? LANGUAGES.filter((l) => model.entry.languages.includes(l))
              .map((l) => `${synthesis.voiceOf(l)} (${LANGUAGE_NAMES[l]})`)
              .join(' and ')
          : model.entry.kind === 'kws'
            ? spotting.plan.type === 'porcupine'
              ? 'Porcupine for keywords'
              : `the recognizer (${recognizerName}) for "agent"/"person"/"人工" after a barge-in`
            : `recognizer ${recognizerName}`;
    const what = model.state === 'missing' ? 'is missing' : `is damaged (${model.reason}) and is not loaded`;
    const line = `speech model ${model.name} ${what}; using ${instead} instead`;
    if (model.state === 'bad') log.error(line);
    else if (model.entry.kind === 'vad') log.warn(line);
    else log.info(line);
  }
  const chosen = { 'sherpa-sensevoice': 'sherpa-offline', 'sherpa-streaming': 'sherpa-streaming' } as const;
  if (
    (wanted === 'sherpa-sensevoice' || wanted === 'sherpa-streaming') &&
    recognizer.type !== chosen[wanted]
  ) {
    log.warn(`speech.recognizer ${wanted} has no verified model installed; using ${recognizerName} instead`);
  }
  log.info(`keyword spotting: ${spotting.why}`);
  if (speech.synthesizer === 'sherpa' && synthesis.voices.length === 0)
    log.warn(`speech.synthesizer is sherpa but no sherpa voice can be loaded: ${synthesis.why}`);
  else log.info(`speech synthesis: ${synthesis.why}`);

  const worker: WorkerConfig = {
    vadModel: vad === undefined ? null : modelFile(vad, 'model'),
    endpointSilenceMs: speech.endpointSilenceMs,
    recognizer,
    keywordSpotter: spotting.plan,
    englishVoice: speech.englishVoice,
    sherpaVoices: synthesis.voices,
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
  return {
    worker,
    models,
    keywordSpotting: spotting.why,
    synthesis: synthesis.why,
    ...(noSpeechInput === undefined ? {} : { noSpeechInput }),
  };
}
