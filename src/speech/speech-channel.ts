/**
 * The conversation's CallerChannel in audio mode, on an ActiveCall and the speech worker.
 *
 *   ActiveCall.onAudio ──> worker (VAD, recognizer)     ──heard──> listen() → CallerInput
 *                     └──> echo gate + VAD state ──barge-in──> ActiveCall.stopPlayback()
 *   worker keyword spotter (on while the line talks) ──"agent"/"人工"──> barge-in + a request for a person
 *   say(text) ──cache hit──────────────────────────────> ActiveCall.play
 *             └─sentences ──> worker synthesis ──(first sentence plays while the next renders)──┘
 *
 * Without the worker (it crashed, or speech input is off) the call goes on in keypad mode: listen() returns
 * keypad digits, silence or `unrecognized: speech-unavailable`, and say() plays what is cached.
 */
import type { ActiveCall, TransferOptions } from '../calls/active-call.js';
import type { Lang } from '../config/shop-schema.js';
import type {
  CallerChannel,
  CallerInput,
  HandoffOutcome,
  HandoffResult,
  ListenOptions,
  OwnerBriefing,
} from '../dialog/channel.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { EchoGate } from './echo-gate.js';
import { detectLanguage, warmLanguageId } from './lang-id.js';
import { briefOwner, renderBriefing } from './owner-briefing.js';
import { type PromptCache, splitSentences } from './prompt-cache.js';
import type { SpeechWorker } from './worker/speech-worker.js';

/** A spotted keyword counts only if the caller's own voice was heard this recently, ms (not the line's echo). */
const KEYWORD_NEAR_END_MS = 1000;
/** Longest a VAD segment that began in the echo of our words holds back the next turn after the echo window, ms. */
const ECHO_SEGMENT_MAX_MS = 1500;

/** What the channel needs besides the call. */
export interface SpeechChannelOptions {
  call: ActiveCall;
  worker: SpeechWorker;
  cache: PromptCache;
  log: Logger;
  /** Calls the owner, runs the brief on their leg and connects (the modem/calls layer). */
  handoff: (number: string, options: TransferOptions) => Promise<HandoffResult>;
  /** Sends a text message (the modem layer). */
  sendText: (number: string, text: string) => Promise<void>;
  /** Caller speech stops the line talking (config speech.bargeIn). */
  bargeIn?: boolean;
  /** Speech input is off for the whole box (no VAD/recognizer); keypad only. */
  speechInputOff?: boolean;
  /** After playback ends, how long the line's echo may still arrive, ms. Default 400. */
  echoTailMs?: number;
  /** Gap that ends a keypad number, ms. Default 2500. */
  interDigitMs?: number;
}

/** Timings of the last say(), for benchmarks and the call record. */
export interface SayTiming {
  /** say() called → first samples handed to the line, ms. */
  firstAudioMs: number;
  /** Rendering time of the first sentence (0 when cached). */
  synthesisMs: number;
  cached: boolean;
}

/** The longest a caller's turn may run past the listen timeout once they have started talking. */
const MAX_UTTERANCE_MS = 20_000;

/** CallerChannel over speech. */
export class SpeechChannel implements CallerChannel {
  readonly #o: SpeechChannelOptions;
  readonly #gate = new EchoGate();
  readonly #unsubscribe: (() => void)[] = [];
  #speechLost = false;
  #vadInSpeech = false;
  /** When the VAD last heard speech start (performance.now()). */
  #speechStartAt = Number.NEGATIVE_INFINITY;
  #playing = false;
  #lastPlayEnd = 0;
  #bargedIn = false;
  /** The turn started at a barge-in, handed to the next listen(). */
  #bargeTurn: ReturnType<SpeechWorker['listen']> | undefined;
  #onBargeIn: (() => void) | undefined;
  #digits: string[] = [];
  #onDigit: (() => void) | undefined;
  #onInputEnd: (() => void) | undefined;
  #ended = false;
  /** The worker's keyword spotter is listening (while the line talks, and through a barge-in turn). */
  #spotting = false;
  /** A keyword phrase spotted and not yet handed to listen(). */
  #spotted: string | undefined;
  /** performance.now() of the last caller frame the echo gate judged to be the caller's own voice. */
  #lastNearEndAt = Number.NEGATIVE_INFINITY;
  /** Timing of the last say(). */
  lastSay: SayTiming | undefined;

  constructor(options: SpeechChannelOptions) {
    this.#o = options;
    const { call, worker } = options;
    worker.reset();
    this.#unsubscribe.push(
      call.onAudio((frame) => this.#onAudio(frame)),
      call.onDtmf((digit) => {
        this.#digits.push(digit);
        this.#onDigit?.();
      }),
      call.onEnded(() => {
        this.#ended = true;
        this.#onInputEnd?.();
        this.close();
      }),
      worker.onVad((event) => {
        this.#vadInSpeech = event.type === 'speech-start';
        if (event.type === 'speech-start') this.#speechStartAt = performance.now();
        this.#checkBargeIn();
        this.#onLine?.();
      }),
      worker.onKeyword((phrase) => this.#onKeyword(phrase)),
      worker.onLost((reason) => {
        if (this.#speechLost) return;
        this.#speechLost = true;
        options.log.error(
          `call ${call.id}: speech lost (${reason}); the rest of this call uses keypad menus`,
        );
        this.#onInputEnd?.();
      }),
    );
    // Transcripts without a language tag go through language ID: load it while the greeting plays.
    warmLanguageId().catch((e: unknown) =>
      options.log.warn(`language identification could not load: ${describeError(e)}`),
    );
    if (!worker.available || options.speechInputOff === true) {
      this.#speechLost = true;
      options.log.warn(`call ${call.id}: speech is not available; this call uses keypad menus`);
    }
  }

  /** True while caller speech can be recognised on this call (false = keypad menus for the rest of the call). */
  get speechAvailable(): boolean {
    return !this.#speechLost;
  }

  #recentNearEnd = false;
  /** Hears every caller frame and VAD event while listen() waits for the echo to settle. */
  #onLine: (() => void) | undefined;

  #onAudio(frame: Int16Array): void {
    if (!this.#speechLost) this.#o.worker.sendAudio(frame);
    this.#recentNearEnd = this.#gate.caller(frame, performance.now());
    if (this.#recentNearEnd) this.#lastNearEndAt = performance.now();
    this.#checkBargeIn();
    this.#onLine?.();
  }

  #checkBargeIn(): void {
    if (!this.#playing || this.#o.bargeIn === false || this.#speechLost) return;
    if (this.#vadInSpeech && this.#recentNearEnd) this.#interrupt();
  }

  /** The caller talks over the line: stop playback and start their turn. */
  #interrupt(): void {
    this.#bargedIn = true;
    // Start the caller's turn where the gate heard their voice begin (the echo before it is not their words).
    this.#bargeTurn ??= this.#o.worker.listen('open', this.#gate.voiceMs);
    this.#o.call.stopPlayback();
    this.#gate.stopped(performance.now());
    this.#onBargeIn?.();
  }

  #setSpotting(on: boolean): void {
    if (this.#spotting === on || this.#speechLost) return;
    this.#spotting = on;
    this.#o.worker.spotKeywords(on);
  }

  /** "agent"/"人工" over the reply stops it and is handed to listen() as a request for a person. */
  #onKeyword(phrase: string): void {
    if (!this.#spotting || performance.now() - this.#lastNearEndAt > KEYWORD_NEAR_END_MS) return;
    this.#spotted = phrase;
    if (this.#playing) this.#interrupt();
    this.#onInputEnd?.();
  }

  async #play(samples: Int16Array): Promise<'played' | 'stopped'> {
    this.#gate.played(samples, performance.now());
    const result = await this.#o.call.play(samples);
    this.#lastPlayEnd = performance.now();
    return result;
  }

  async say(text: string, lang: Lang): Promise<{ interrupted: boolean }> {
    const began = performance.now();
    this.#bargedIn = false;
    this.#playing = true;
    this.#setSpotting(true);
    const interrupted = new Promise<void>((resolve) => {
      this.#onBargeIn = resolve;
    });
    try {
      const whole = this.#o.cache.get(text, lang);
      if (whole !== undefined) {
        this.lastSay = { firstAudioMs: performance.now() - began, synthesisMs: 0, cached: true };
        return { interrupted: (await this.#play(whole)) === 'stopped' || this.#bargedIn };
      }
      // Render sentence by sentence; sentence n+1 renders while sentence n plays.
      const sentences = splitSentences(text);
      const render = (sentence: string) => this.#render(sentence, lang);
      let next = render(sentences[0] ?? text);
      for (let i = 0; i < sentences.length; i++) {
        const rendered = await Promise.race([next, interrupted.then(() => 'stopped' as const)]);
        if (rendered === 'stopped' || this.#bargedIn) return { interrupted: true };
        if (i + 1 < sentences.length) next = render(sentences[i + 1] as string);
        if (rendered === undefined) {
          this.#o.log.warn(
            `call ${this.#o.call.id}: a reply sentence has no audio (speech unavailable); skipped`,
          );
          continue;
        }
        if (this.lastSay === undefined || i === 0) {
          this.lastSay = {
            firstAudioMs: performance.now() - began,
            synthesisMs: rendered.renderMs,
            cached: false,
          };
        }
        if ((await this.#play(rendered.samples)) === 'stopped' || this.#bargedIn)
          return { interrupted: true };
      }
      return { interrupted: false };
    } finally {
      this.#playing = false;
      this.#onBargeIn = undefined;
      // After a barge-in the spotter keeps listening through the caller's turn.
      if (!this.#bargedIn) this.#setSpotting(false);
    }
  }

  async listen(options: ListenOptions): Promise<CallerInput> {
    if (this.#ended) return { kind: 'hangup' };
    const bargedIn = this.#bargedIn;
    this.#bargedIn = false;
    const calledAt = performance.now();
    const deadline = calledAt + options.timeoutMs;
    const voiceMs = bargedIn || this.#speechLost ? undefined : await this.#echoSettled();
    const pending = this.#bargeTurn;
    this.#bargeTurn = undefined;
    const turn = this.#speechLost
      ? undefined
      : (pending ?? this.#o.worker.listen(options.expect ?? 'open', voiceMs));
    // A caller already talking (over the line, or heard over its echo) has spoken in this turn.
    const turnStart = bargedIn || voiceMs !== undefined ? Number.NEGATIVE_INFINITY : calledAt;
    // Silence is the timeout only while the caller has not spoken in this turn: a caller who started talking
    // near its end gets what they said (the worker ends the turn at their pause), within a long-utterance cap.
    const endOfTurn = () => (this.#speechStartAt < turnStart ? deadline : deadline + MAX_UTTERANCE_MS);
    const heard = turn?.heard.then(
      (h) => ({ heard: h }),
      (e: unknown) => ({ error: e }),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        if (this.#ended) return { kind: 'hangup' };
        if (this.#spotted !== undefined) return this.#spottedInput();
        if (this.#digits.length > 0) return await this.#collectDigits(options);
        if (turn === undefined && !this.#lostNoticed) return this.#unavailable();
        const wait = new Promise<'tick'>((resolve) => {
          this.#onDigit = () => resolve('tick');
          this.#onInputEnd = () => resolve('tick');
          timer = setTimeout(() => resolve('tick'), Math.max(0, endOfTurn() - performance.now()));
        });
        const got = await Promise.race([wait, heard ?? new Promise<never>(() => {})]);
        clearTimeout(timer);
        if (got !== 'tick') {
          if ('error' in got) {
            if (this.#speechLost) return this.#unavailable();
            return { kind: 'unrecognized', reason: describeError(got.error) };
          }
          const h = got.heard;
          const text = h.recognition.text;
          if (text === '') return { kind: 'unrecognized', reason: 'no-match' };
          const lang =
            h.recognition.lang === 'zh' || h.recognition.lang === 'en'
              ? h.recognition.lang
              : await detectLanguage(text);
          return {
            kind: 'speech',
            text,
            lang,
            ...(h.recognition.confidence === undefined ? {} : { confidence: h.recognition.confidence }),
            ...(h.recognition.emotion === undefined ? {} : { emotion: h.recognition.emotion }),
            voice: h.voice,
            timing: {
              endpointingMs: Math.round(h.endpointingMs),
              recognitionMs: Math.round(h.recognitionMs),
            },
            ...(bargedIn ? { bargedIn: true } : {}),
          };
        }
        if (this.#speechLost && turn !== undefined) return this.#unavailable();
        const silent = () =>
          performance.now() >= endOfTurn() && !this.#vadInSpeech && this.#digits.length === 0 && !this.#ended;
        if (silent()) {
          // Silence is judged on the caller's audio up to the deadline, not on what the worker has got to: on a
          // busy box it runs behind the line, and a caller who began just in time is not yet a VAD event.
          if (turn !== undefined) await this.#o.worker.caughtUp().catch(() => undefined);
          if (silent()) return { kind: 'silence' };
        }
      }
    } finally {
      clearTimeout(timer);
      this.#onDigit = undefined;
      this.#onInputEnd = undefined;
      turn?.cancel();
      this.#setSpotting(false);
    }
  }

  #spottedInput(): CallerInput {
    const text = this.#spotted as string;
    this.#spotted = undefined;
    const lang = /\p{Script=Han}/u.test(text) ? 'zh' : 'en';
    return { kind: 'speech', text, lang, bargedIn: true, spottedKeyword: text };
  }

  /**
   * Before a turn, lets the line's echo of our last words die away without losing a caller who starts at once.
   * Resolves with undefined once no echo can be in the VAD's current segment (the worker starts a turn already
   * under way at the segment's start), or with how long ago the caller's voice began when the echo gate hears
   * them over the echo (the turn starts there). An echo segment that outlasts the echo window by
   * ECHO_SEGMENT_MAX_MS no longer holds the turn back.
   */
  #echoSettled(): Promise<number | undefined> {
    const echoEnd = this.#lastPlayEnd + (this.#o.echoTailMs ?? 400);
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const settle = (voiceMs: number | undefined) => {
        for (const timer of timers) clearTimeout(timer);
        this.#onLine = undefined;
        resolve(voiceMs);
      };
      const check = () => {
        const now = performance.now();
        if (this.#ended || this.#speechLost) settle(undefined);
        else if (now >= echoEnd && (!this.#vadInSpeech || this.#speechStartAt >= echoEnd)) settle(undefined);
        else if (this.#vadInSpeech && this.#recentNearEnd) settle(this.#gate.voiceMs);
        else if (now >= echoEnd + ECHO_SEGMENT_MAX_MS) settle(undefined);
      };
      this.#onLine = check;
      const now = performance.now();
      timers.push(
        setTimeout(check, Math.max(0, echoEnd - now)),
        setTimeout(check, Math.max(0, echoEnd + ECHO_SEGMENT_MAX_MS - now)),
      );
      check();
    });
  }

  /** Only one listen reports losing speech (the one it happened in, or the next); later ones wait for keys. */
  #lostNoticed = false;
  #unavailable(): CallerInput {
    this.#lostNoticed = true;
    return { kind: 'unrecognized', reason: 'speech-unavailable' };
  }

  /** Keypad input: one key, or for `digits` a number ended by # or a pause. */
  async #collectDigits(options: ListenOptions): Promise<CallerInput> {
    if (options.expect === 'digits') {
      for (;;) {
        if (this.#digits.at(-1) === '#') break;
        const before = this.#digits.length;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#o.interDigitMs ?? 2500);
          this.#onDigit = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (this.#digits.length === before) break;
      }
      const digits = this.#digits.join('').replace(/#$/, '');
      this.#digits = [];
      return { kind: 'dtmf', digits };
    }
    return { kind: 'dtmf', digits: this.#digits.shift() as string };
  }

  /** Cached audio of `text`, or the worker's rendering of it; undefined when speech is unavailable. */
  #render(text: string, lang: Lang): Promise<{ samples: Int16Array; renderMs: number } | undefined> {
    const cached = this.#o.cache.get(text, lang);
    if (cached !== undefined) return Promise.resolve({ samples: cached, renderMs: 0 });
    if (!this.#o.worker.available) return Promise.resolve(undefined);
    return this.#o.worker.synthesize(text, lang).catch((e: unknown) => {
      this.#o.log.warn(`could not synthesise speech: ${describeError(e)}`);
      return undefined;
    });
  }

  async handoff(number: string, briefing: OwnerBriefing): Promise<HandoffOutcome> {
    // The brief renders while the owner's phone rings, so it is ready when they pick up.
    const audio = renderBriefing(briefing, async (text, lang) => (await this.#render(text, lang))?.samples);
    let briefSpoken = false;
    const result = await this.#o.handoff(number, {
      ringTimeoutMs: briefing.ringTimeoutMs,
      brief: async (owner) => {
        const briefed = await briefOwner(owner, briefing, await audio);
        briefSpoken = briefed.spoken;
        return briefed.decision;
      },
    });
    return { result, briefSpoken };
  }

  sendText(number: string, text: string): Promise<void> {
    return this.#o.sendText(number, text);
  }

  async hangup(): Promise<void> {
    this.close();
    await this.#o.call.hangup();
  }

  /** Detaches from the call and the worker. */
  close(): void {
    this.#setSpotting(false);
    this.#bargeTurn?.cancel();
    this.#bargeTurn = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
