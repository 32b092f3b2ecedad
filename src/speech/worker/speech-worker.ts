/**
 * The daemon's handle on the speech worker process: forks it, relays audio and requests, and survives its
 * crashes. When the worker dies (sherpa-onnx aborts on a corrupt model, a decoder dies), every pending request
 * fails, listeners hear `onLost` so calls switch to keypad menus, and the worker is restarted with exponential
 * backoff (250 ms doubling to `restartMaxMs`), so the next call has speech again. A worker that dies while loading
 * a sherpa voice restarts without that voice: its languages fall back to the embedded voices instead of the box
 * staying mute through every restart.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lang } from '../../config/shop-schema.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { Expectation, VadEvent } from '../engines.js';
import { projectRoot } from '../models/manifest.js';
import type { FromWorker, Heard, ToWorker, WorkerConfig } from './protocol.js';

/** The compiled worker entry (tests run TypeScript sources, the worker always runs from dist/). */
export function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'worker-main.js');
  return join(projectRoot(), 'dist', 'src', 'speech', 'worker', 'worker-main.js');
}

/** Options of the worker handle. */
export interface SpeechWorkerOptions {
  config: WorkerConfig;
  log: Logger;
  /** First restart delay; doubles per crash in a row. Default 250 ms. */
  restartMinMs?: number;
  /** Longest restart delay. Default 30 s. */
  restartMaxMs?: number;
  /** Extra environment for the child (tests set LINEKEEPER_SPEECH_WORKER_TEST). */
  env?: NodeJS.ProcessEnv;
}

/** Resource use of the worker process and the engine processes it runs. */
export interface WorkerUsage {
  rssMb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

type Pending = { resolve: (value: never) => void; reject: (e: unknown) => void };

/** A supervised speech worker. */
export class SpeechWorker {
  readonly #options: SpeechWorkerOptions;
  /** The config the next worker starts with (less any sherpa voice a worker died loading). */
  #config: WorkerConfig;
  /** The sherpa voice the starting worker is loading. */
  #loadingVoice: string | undefined;
  readonly #log: Logger;
  #child: ChildProcess | undefined;
  #ready = false;
  #stopping = false;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #crashesInRow = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #stableTimer: NodeJS.Timeout | undefined;
  #stderrTail: string[] = [];
  #engines: Extract<FromWorker, { type: 'ready' }>['engines'] | undefined;
  readonly #vadListeners = new Set<(event: VadEvent) => void>();
  readonly #keywordListeners = new Set<(phrase: string) => void>();
  readonly #lostListeners = new Set<(reason: string) => void>();
  readonly #readyListeners = new Set<() => void>();

  constructor(options: SpeechWorkerOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#log = options.log;
  }

  /** True while a worker is up and its engines are loaded. */
  get available(): boolean {
    return this.#ready;
  }

  /** What the running worker loaded. */
  get engines() {
    return this.#engines;
  }

  /** Starts the worker; resolves when its engines are ready, rejects if it dies while starting. */
  start(): Promise<void> {
    this.#stopping = false;
    return new Promise((resolve, reject) => {
      const offReady = this.onReady(() => {
        offLost();
        offReady();
        resolve();
      });
      const offLost = this.onLost((reason) => {
        offLost();
        offReady();
        reject(new LinekeeperError(ErrorCode.Speech_EngineFailed, reason));
      });
      this.#spawn();
    });
  }

  #spawn(): void {
    this.#restartTimer = undefined;
    this.#loadingVoice = undefined;
    this.#stderrTail = [];
    const child = fork(workerScript(), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--disable-warning=ExperimentalWarning'],
      env: { ...process.env, ...this.#options.env },
    });
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    let partial = '';
    child.stderr?.on('data', (chunk: string) => {
      // Chunks split lines anywhere: keep the unfinished last line for the next chunk.
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      const full = lines.filter((l) => l.trim() !== '');
      this.#stderrTail.push(...full.map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l)));
      this.#stderrTail = this.#stderrTail.slice(-5);
    });
    child.on('message', (message) => this.#onMessage(message as FromWorker));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
    child.on('error', (e) => this.#log.error(`speech worker process error: ${e.message}`));
    this.#post({ type: 'init', config: this.#config });
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'loading-voice':
        this.#loadingVoice = message.name ?? undefined;
        break;
      case 'ready': {
        this.#ready = true;
        this.#engines = message.engines;
        const voices = Object.entries(message.engines.voices).map(([lang, voice]) => `${lang} ${voice}`);
        this.#log.info(
          `speech worker ready (pid ${this.#child?.pid}): VAD ${message.engines.vad ? 'silero' : 'none'}, recognizer ${message.engines.recognizer}, keyword spotter ${message.engines.keywordSpotter}, voices ${voices.join(', ')}`,
        );
        // Up for a minute counts as recovered: the next crash starts the backoff again.
        this.#stableTimer = setTimeout(() => {
          this.#crashesInRow = 0;
        }, 60_000);
        this.#stableTimer.unref();
        for (const listener of this.#readyListeners) listener();
        break;
      }
      case 'vad':
        for (const listener of this.#vadListeners) listener(message.event);
        break;
      case 'keyword':
        for (const listener of this.#keywordListeners) listener(message.phrase);
        break;
      case 'heard':
        this.#settle(message.id, message.heard);
        break;
      case 'synthesized':
        this.#settle(message.id, { samples: message.samples, renderMs: message.renderMs });
        break;
      case 'synced':
        this.#settle(message.id, undefined);
        break;
      case 'usage':
        this.#settle(message.id, {
          rssMb: message.rssMb,
          cpuUserMs: message.cpuUserMs,
          cpuSystemMs: message.cpuSystemMs,
        });
        break;
      case 'failed': {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        pending?.reject(new LinekeeperError(ErrorCode.Speech_EngineFailed, message.message));
        break;
      }
      case 'log':
        this.#log[message.level](`speech worker: ${message.message}`);
        break;
    }
  }

  #settle(id: number, value: unknown): void {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    pending?.resolve(value as never);
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    this.#ready = false;
    clearTimeout(this.#stableTimer);
    const error = new LinekeeperError(
      ErrorCode.Speech_EngineFailed,
      `speech worker exited (code ${code}, signal ${signal})`,
    );
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    if (this.#stopping) return;
    const voice = this.#loadingVoice;
    if (voice !== undefined) {
      this.#loadingVoice = undefined;
      this.#config = {
        ...this.#config,
        sherpaVoices: (this.#config.sherpaVoices ?? []).filter((v) => v.name !== voice),
      };
      this.#log.error(
        `speech worker died loading sherpa voice ${voice}; it restarts without it and the embedded voices speak its languages`,
      );
    }
    const delay = Math.min(
      this.#options.restartMaxMs ?? 30_000,
      (this.#options.restartMinMs ?? 250) * 2 ** this.#crashesInRow,
    );
    this.#crashesInRow++;
    const why = this.#stderrTail.length > 0 ? `: ${this.#stderrTail.join(' | ')}` : '';
    const reason = `speech worker exited unexpectedly (code ${code}, signal ${signal})${why}`;
    this.#log.error(`${reason}; calls in progress continue on keypad menus; restarting it in ${delay} ms`);
    for (const listener of this.#lostListeners) listener(reason);
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
  }

  #post(message: ToWorker): void {
    if (this.#child?.connected === true) this.#child.send(message);
  }

  #request<T>(build: (id: number) => ToWorker): Promise<T> {
    if (!this.#ready) {
      return Promise.reject(
        new LinekeeperError(ErrorCode.Speech_EngineFailed, 'speech worker is not running'),
      );
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.#post(build(id));
    });
  }

  /** Sends one 8 kHz frame of caller audio (binary, no JSON). */
  sendAudio(samples: Int16Array): void {
    if (this.#ready) this.#post({ type: 'audio', samples });
  }

  /** Spots keywords in the caller audio while `on` (the line is talking). */
  spotKeywords(on: boolean): void {
    if (this.#ready) this.#post({ type: 'spot', on });
  }

  /** A new call: the worker forgets VAD state. */
  reset(): void {
    if (this.#ready) this.#post({ type: 'reset' });
  }

  /**
   * Waits for the caller's next utterance; `cancel()` gives up (timeout, DTMF, hang-up). `voiceMs`: the caller is
   * already talking and their voice began this long ago (the turn starts there, not in the echo before it).
   */
  listen(expect: Expectation, voiceMs?: number): { heard: Promise<Heard>; cancel: () => void } {
    const id = this.#nextId;
    const heard = this.#request<Heard>((i) => ({
      type: 'listen',
      id: i,
      expect,
      ...(voiceMs === undefined ? {} : { voiceMs }),
    }));
    return {
      heard,
      cancel: () => {
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        this.#post({ type: 'cancel-listen', id });
        pending?.reject(new LinekeeperError(ErrorCode.Speech_EngineFailed, 'listening cancelled'));
      },
    };
  }

  /** Renders one sentence to 8 kHz line audio. */
  synthesize(text: string, lang: Lang): Promise<{ samples: Int16Array; renderMs: number }> {
    return this.#request((id) => ({ type: 'synthesize', id, text, lang }));
  }

  /**
   * Resolves once the worker has handled all the audio sent so far, and the VAD events it raised have arrived: on a
   * busy box the worker can run behind the line.
   */
  caughtUp(): Promise<void> {
    return this.#request((id) => ({ type: 'sync', id }));
  }

  /** Memory and CPU of the worker process. */
  usage(): Promise<WorkerUsage> {
    return this.#request((id) => ({ type: 'usage', id }));
  }

  /** Voice-activity events on the caller stream; returns an unsubscribe function. */
  onVad(listener: (event: VadEvent) => void): () => void {
    this.#vadListeners.add(listener);
    return () => this.#vadListeners.delete(listener);
  }

  /** Keyword phrases spotted while spotting is on; returns an unsubscribe function. */
  onKeyword(listener: (phrase: string) => void): () => void {
    this.#keywordListeners.add(listener);
    return () => this.#keywordListeners.delete(listener);
  }

  /** The worker died; speech is unavailable until `onReady`. */
  onLost(listener: (reason: string) => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  /** A worker (re)started and is ready. */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** The pid of the running worker (tests kill it to exercise recovery). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Stops the worker and any pending restart. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#stableTimer);
    const child = this.#child;
    if (child === undefined) return;
    this.#ready = false;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill();
    });
  }
}

/** True when the compiled worker exists (the daemon refuses speech with a clear message otherwise). */
export function workerBuilt(): boolean {
  return existsSync(workerScript());
}
