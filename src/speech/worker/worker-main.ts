/**
 * The speech worker process (forked by SpeechWorker): VAD, recognition and synthesis away from the daemon, so
 * a native abort in sherpa-onnx ends only this process and the serial timing of the daemon stays free of model
 * work.
 *
 *   caller 8 kHz ──audio──> upsample 16 kHz ──> Silero VAD ──vad events──> daemon
 *                                        ├──(while listening)──> recognizer ──heard──> daemon
 *                                        └──(while the line talks)──> keyword spotter ──keyword──> daemon
 *   daemon ──synthesize──> sherpa voice, else flite / espeak-ng ──> low-pass + resample 8 kHz ──synthesized──> daemon
 */
import { joinSamples } from '../../audio/frame.js';
import { floatToInt16, int16ToFloat, Resampler, resampleClip } from '../../audio/resample.js';
import { LANGUAGES, type Lang } from '../../config/shop-schema.js';
import { describeError } from '../../errors.js';
import type {
  Expectation,
  KeywordSpotter,
  Recognizer,
  Synthesizer,
  VoiceActivityDetector,
} from '../engines.js';
import { createPorcupine } from '../keyword-spotting/porcupine.js';
import { createSherpaKws } from '../keyword-spotting/sherpa-kws.js';
import { createPocketsphinx } from '../recognize/pocketsphinx.js';
import { createSherpaOffline } from '../recognize/sherpa-offline.js';
import { createSherpaStreaming } from '../recognize/sherpa-streaming.js';
import { createEspeakMandarin } from '../synth/espeak.js';
import { createFlite } from '../synth/flite.js';
import { createSherpaTts, type SherpaVoice } from '../synth/sherpa-tts.js';
import { createSileroVad } from '../vad/silero-vad.js';
import { measureVoice, voiceFeatures } from '../voice-features.js';
import type { Pcm } from '../wav.js';
import { processTreeUsage } from './process-tree-usage.js';
import type { FromWorker, KeywordSpotterPlan, ToWorker, WorkerConfig } from './protocol.js';

const RATE = 16000;
/** Audio kept before the current moment, so a turn that starts mid-speech (barge-in) keeps its beginning. */
const HISTORY_MS = 2000;
/** Audio before the VAD's speech start fed to the recognizer (the VAD decides a little late). */
const PRE_ROLL_MS = 250;
/** Audio before the first frame the daemon judged to be the caller's voice (soft onsets fall below its level). */
const VOICE_PRE_ROLL_MS = 150;

function send(message: FromWorker): void {
  process.send?.(message);
}

interface Listening {
  id: number;
  expect: Expectation;
  /** Caller-stream time of the first sample fed to the recognizer, once the turn's speech started. */
  speechStartMs: number | undefined;
  /** Everything fed to the recognizer in this turn, from `speechStartMs` (the utterance is cut from it). */
  fed: Int16Array[];
}

class Worker {
  readonly #vad: VoiceActivityDetector | null;
  readonly #recognizer: Recognizer | null;
  readonly #spotter: KeywordSpotter | null;
  #spotting = false;
  /** Sherpa voices first, then the embedded ones: the first that speaks a language speaks it. */
  readonly #synthesizers: Synthesizer[];
  readonly #upsampler = new Resampler(8000, RATE);
  /** Recent 16 kHz caller audio and the stream time of its first sample. */
  #history = new Int16Array(0);
  #historyStartMs = 0;
  #nowMs = 0;
  #inSpeech: number | undefined;
  #listening: Listening | undefined;
  /** Turn recognitions run one at a time; audio keeps flowing meanwhile. */
  #finishing: Promise<void> = Promise.resolve();

  constructor(
    vad: VoiceActivityDetector | null,
    recognizer: Recognizer | null,
    spotter: KeywordSpotter | null,
    synthesizers: Synthesizer[],
  ) {
    this.#vad = vad;
    this.#recognizer = recognizer;
    this.#spotter = spotter;
    this.#synthesizers = synthesizers;
  }

  get engines() {
    const voices = Object.fromEntries(
      LANGUAGES.map((lang) => [lang, this.#speakers(lang)[0]?.voiceId(lang) ?? 'none']),
    ) as Record<Lang, string>;
    return {
      vad: this.#vad !== null,
      recognizer: this.#recognizer?.name ?? 'none',
      keywordSpotter: this.#spotter?.name ?? 'none',
      voices,
    };
  }

  #speakers(lang: Lang): Synthesizer[] {
    return this.#synthesizers.filter((s) => s.languages.includes(lang));
  }

  audio(samples8k: Int16Array): void {
    const up = floatToInt16(this.#upsampler.process(int16ToFloat(samples8k)));
    this.#appendHistory(up);
    const startOfChunk = this.#nowMs;
    this.#nowMs += (up.length * 1000) / RATE;
    if (this.#spotting && this.#spotter !== null) {
      const phrase = this.#spotter.accept(up);
      if (phrase !== undefined) send({ type: 'keyword', phrase, atMs: this.#nowMs });
    }
    const turn = this.#listening;
    if (turn?.speechStartMs !== undefined && this.#recognizer !== null) {
      this.#recognizer.accept(up);
      turn.fed.push(up);
      // A streaming recognizer may decide the utterance is over before the VAD does.
      const trailingMs = this.#recognizer.endpoint?.();
      if (trailingMs !== undefined) {
        this.#endTurn(this.#inSpeech ?? turn.speechStartMs, this.#nowMs - trailingMs);
        // This VAD segment has been heard: the next turn waits for new speech instead of replaying it.
        this.#inSpeech = undefined;
      }
    }
    for (const event of this.#vad?.accept(int16ToFloat(up)) ?? []) {
      send({ type: 'vad', event });
      if (event.type === 'speech-start') {
        this.#inSpeech = event.atMs;
        this.#startFeeding(Math.min(startOfChunk, event.atMs - PRE_ROLL_MS));
      } else {
        this.#inSpeech = undefined;
        this.#endTurn(event.startMs, event.atMs);
      }
    }
  }

  #appendHistory(up: Int16Array): void {
    const keep = (RATE * HISTORY_MS) / 1000;
    const joined = new Int16Array(Math.min(keep, this.#history.length + up.length));
    const fromOld = joined.length - up.length;
    if (fromOld > 0) joined.set(this.#history.subarray(this.#history.length - fromOld));
    joined.set(up.subarray(Math.max(0, up.length - joined.length)), Math.max(0, fromOld));
    this.#historyStartMs += ((this.#history.length + up.length - joined.length) * 1000) / RATE;
    this.#history = joined;
  }

  #historySince(ms: number): Int16Array {
    const index = Math.max(0, Math.round(((ms - this.#historyStartMs) * RATE) / 1000));
    return this.#history.subarray(index);
  }

  /** Speech started while listening: feed the recognizer from a little before the VAD's start. */
  #startFeeding(fromMs: number): void {
    const turn = this.#listening;
    if (turn === undefined || turn.speechStartMs !== undefined || this.#recognizer === null) return;
    const fed = this.#historySince(fromMs).slice();
    turn.speechStartMs = this.#nowMs - (fed.length * 1000) / RATE;
    turn.fed = [fed];
    this.#recognizer.begin(turn.expect);
    this.#recognizer.accept(fed);
  }

  listen(id: number, expect: Expectation, voiceMs: number | undefined): void {
    this.#listening = { id, expect, speechStartMs: undefined, fed: [] };
    // The caller may already be talking: from where the daemon heard their voice begin (the VAD segment may have
    // begun in the line's echo of our words), otherwise from the segment's start.
    if (this.#inSpeech !== undefined) {
      this.#startFeeding(
        voiceMs === undefined ? this.#inSpeech - PRE_ROLL_MS : this.#nowMs - voiceMs - VOICE_PRE_ROLL_MS,
      );
    }
  }

  /** Spotting runs only while the line talks; each new stretch starts without old partial matches. */
  spot(on: boolean): void {
    if (on && !this.#spotting) this.#spotter?.reset();
    this.#spotting = on;
  }

  cancel(id: number): void {
    if (this.#listening?.id !== id) return;
    const started = this.#listening.speechStartMs !== undefined;
    this.#listening = undefined;
    // Ended now, before any next turn begins; nobody waits for what it heard.
    if (started) this.#recognizer?.finish().catch(() => {});
  }

  #endTurn(startMs: number, endMs: number): void {
    const turn = this.#listening;
    if (turn === undefined || turn.speechStartMs === undefined || this.#recognizer === null) return;
    this.#listening = undefined;
    const endpointingMs = this.#nowMs - endMs;
    // The caller's words, for their voice: the VAD segment, from what the recognizer heard of it (a turn that
    // started in the line's echo was fed from where the caller's voice began). Cut from the turn's own audio, not
    // the history, which holds only the last seconds.
    const fedFrom = turn.speechStartMs;
    const sampleAt = (ms: number) => Math.round(((ms - fedFrom) * RATE) / 1000);
    const utterance = joinSamples(turn.fed).subarray(Math.max(0, sampleAt(startMs)), sampleAt(endMs));
    const recognizer = this.#recognizer;
    const began = performance.now();
    // Finished now, so that a next turn beginning while an earlier result is still awaited cannot be taken for
    // this one; an out-of-process recognizer (pocketsphinx) finalises while this process measures the voice.
    const recognizing = recognizer.finish();
    recognizing.catch(() => {});
    this.#finishing = this.#finishing.then(async () => {
      try {
        const measure = measureVoice(utterance, RATE);
        const recognition = await recognizing;
        const voice = voiceFeatures(measure, recognition.text);
        send({
          type: 'heard',
          id: turn.id,
          heard: {
            recognition,
            recognizer: recognizer.name,
            voice,
            speechStartMs: startMs,
            speechEndMs: endMs,
            endpointingMs,
            recognitionMs: performance.now() - began,
          },
        });
      } catch (e) {
        send({ type: 'failed', id: turn.id, message: `recognition failed: ${describeError(e)}` });
      }
    });
  }

  async synthesize(id: number, text: string, lang: Lang): Promise<void> {
    const began = performance.now();
    try {
      const pcm = await this.#render(text, lang);
      const samples = resampleClip(pcm.samples, pcm.sampleRate, 8000);
      send({ type: 'synthesized', id, samples, renderMs: performance.now() - began });
    } catch (e) {
      send({ type: 'failed', id, message: `synthesis failed: ${describeError(e)}` });
    }
  }

  /**
   * Renders with the first voice of the language; a sentence it cannot say (a sherpa voice whose lexicon has
   * none of its words) goes to the next, so the caller hears it in the embedded voice rather than not at all.
   */
  async #render(text: string, lang: Lang): Promise<Pcm> {
    const speakers = this.#speakers(lang);
    for (const [i, synthesizer] of speakers.entries()) {
      const next = speakers[i + 1];
      try {
        return await synthesizer.synthesize(text, lang);
      } catch (e) {
        if (next === undefined) throw e;
        send({
          type: 'log',
          level: 'warn',
          message: `${synthesizer.voiceId(lang)} could not say a sentence (${describeError(e)}); ${next.voiceId(lang)} says it`,
        });
      }
    }
    throw new Error(`no voice speaks ${lang}`);
  }

  reset(): void {
    this.#vad?.reset();
    this.#inSpeech = undefined;
    this.#listening = undefined;
    this.#spotting = false;
  }

  async close(): Promise<void> {
    await this.#recognizer?.close();
    await this.#spotter?.close();
  }
}

async function start(config: WorkerConfig): Promise<Worker> {
  if (config.testLoadUnverifiedOnnx !== undefined && process.env.LINEKEEPER_SPEECH_WORKER_TEST === '1') {
    // Deliberately the unsafe thing the daemon never does: hand an unchecked file to onnxruntime.
    await createSherpaOffline({
      type: 'tdnn',
      ...config.testLoadUnverifiedOnnx,
      featureDim: 23,
      sampleRate: 8000,
    });
  }
  const vad =
    config.vadModel === null
      ? null
      : await createSileroVad({ model: config.vadModel, minSilenceMs: config.endpointSilenceMs });
  const plan = config.recognizer;
  const recognizer =
    plan.type === 'pocketsphinx'
      ? await createPocketsphinx(plan.decoders, {
          onCrash: (why) => {
            // A dead decoder cannot be trusted for the rest of the process: let the daemon restart us.
            send({ type: 'log', level: 'error', message: why });
            process.exit(70);
          },
        })
      : plan.type === 'sherpa-offline'
        ? await createSherpaOffline(plan.model)
        : plan.type === 'sherpa-streaming'
          ? await createSherpaStreaming(plan.model)
          : null;
  const spotter = await startSpotter(config.keywordSpotter);
  const embedded = [createFlite(config.englishVoice), createEspeakMandarin()];
  const voices = await loadSherpaVoices(config.sherpaVoices ?? []);
  // Compile flite and run the embedded voices once now, so the first reply of the first call does not pay for it.
  for (const synthesizer of embedded) await synthesizer.synthesize('ok', synthesizer.languages[0] ?? 'en');
  return new Worker(vad, recognizer, spotter, [...voices, ...embedded]);
}

/**
 * Loads the sherpa voices; one that will not load leaves its languages to the embedded voices. The daemon hears
 * which voice is loading, so a native abort while loading one restarts the worker without it.
 */
async function loadSherpaVoices(plans: readonly SherpaVoice[]): Promise<Synthesizer[]> {
  const loaded: Synthesizer[] = [];
  for (const plan of plans) {
    send({ type: 'loading-voice', name: plan.name });
    try {
      loaded.push(await createSherpaTts(plan, (message) => send({ type: 'log', level: 'warn', message })));
    } catch (e) {
      send({
        type: 'log',
        level: 'error',
        message: `sherpa voice ${plan.name} did not load (${describeError(e)}); ${plan.languages.join(', ')} use the embedded voices`,
      });
    }
  }
  send({ type: 'loading-voice', name: null });
  return loaded;
}

/** A spotter that will not start (Porcupine refusing its key, say) leaves speech running without one. */
async function startSpotter(plan: KeywordSpotterPlan | undefined): Promise<KeywordSpotter | null> {
  if (plan === undefined || plan.type === 'none') return null;
  try {
    return plan.type === 'sherpa-kws' ? await createSherpaKws(plan.model) : await createPorcupine(plan.spec);
  } catch (e) {
    send({
      type: 'log',
      level: 'error',
      // One log line: Porcupine's errors list their causes on lines of their own.
      message: `keyword spotter ${plan.type} did not start (${describeError(e).replace(/\s*\n\s*/g, ' ')}); the recognizer hears keywords after a barge-in instead`,
    });
  }
  return null;
}

let worker: Worker | undefined;
process.on('message', (raw) => {
  const message = raw as ToWorker;
  switch (message.type) {
    case 'init':
      start(message.config).then(
        (w) => {
          worker = w;
          send({ type: 'ready', engines: w.engines });
        },
        (e: unknown) => {
          send({
            type: 'log',
            level: 'error',
            message: `speech engines failed to start: ${describeError(e)}`,
          });
          process.exit(71);
        },
      );
      break;
    case 'audio':
      worker?.audio(message.samples);
      break;
    case 'listen':
      worker?.listen(message.id, message.expect, message.voiceMs);
      break;
    case 'cancel-listen':
      worker?.cancel(message.id);
      break;
    case 'synthesize':
      void worker?.synthesize(message.id, message.text, message.lang);
      break;
    case 'spot':
      worker?.spot(message.on);
      break;
    case 'reset':
      worker?.reset();
      break;
    case 'sync':
      // Audio is handled as it arrives, in order: everything sent before this has been heard.
      send({ type: 'synced', id: message.id });
      break;
    case 'usage': {
      void processTreeUsage().then((usage) => send({ type: 'usage', id: message.id, ...usage }));
      break;
    }
  }
});
process.on('disconnect', () => {
  void (worker?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
