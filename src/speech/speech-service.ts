/**
 * Speech as a daemon service: plans the engines from the verified models, starts the worker, renders the shop
 * profile's fixed prompts once, and gives each answered call its SpeechChannel. When the engines cannot start,
 * the daemon still answers: calls run on keypad menus and the worker keeps being restarted with backoff.
 */
import type { Service } from '../app/service.js';
import type { ActiveCall, TransferOptions } from '../calls/active-call.js';
import type { DeviceConfig } from '../config/device-schema.js';
import type { ShopProfile } from '../config/shop-schema.js';
import type { CallerChannel, HandoffResult } from '../dialog/channel.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { loadManifest } from './models/manifest.js';
import { planSpeech } from './plan.js';
import { fixedPrompts, PromptCache } from './prompt-cache.js';
import { SpeechChannel } from './speech-channel.js';
import { SpeechWorker } from './worker/speech-worker.js';

/** What a call's channel needs from the line besides audio. */
export interface CallActions {
  handoff: (number: string, options: TransferOptions) => Promise<HandoffResult>;
  sendText: (number: string, text: string) => Promise<void>;
}

/** The speech worker and prompt cache of the daemon. */
export class SpeechService implements Service {
  readonly name = 'speech';
  readonly cache: PromptCache;
  #worker: SpeechWorker | undefined;
  #noSpeechInput: string | undefined;

  constructor(
    private readonly options: { speech: DeviceConfig['speech']; profile: ShopProfile; log: Logger },
  ) {
    const { speech } = options;
    this.cache = new PromptCache({
      dir: speech.promptCacheDir,
      // The voice that speaks a language is the one the worker loaded (a sherpa voice may have failed to load).
      voiceId: (lang) => this.#worker?.engines?.voices[lang] ?? 'no worker yet',
      log: options.log,
    });
  }

  /** The worker, once started (it may be between restarts: see `available`). */
  get worker(): SpeechWorker | undefined {
    return this.#worker;
  }

  async start(): Promise<void> {
    const { speech, profile, log } = this.options;
    const plan = await planSpeech({ speech, manifest: await loadManifest(), profile, log });
    this.#noSpeechInput = plan.noSpeechInput;
    if (plan.noSpeechInput !== undefined)
      log.warn(`speech input is off: ${plan.noSpeechInput}; calls use keypad menus`);
    const worker = new SpeechWorker({ config: plan.worker, log, restartMaxMs: speech.workerRestartMaxMs });
    this.#worker = worker;
    try {
      await worker.start();
      const rendered = await this.cache.prerender(fixedPrompts(profile), async (p) => {
        return (await worker.synthesize(p.text, p.lang)).samples;
      });
      log.info(`speech ready: ${rendered} fixed prompts rendered`);
    } catch (e) {
      // The line must answer even without speech: calls fall back to keypad menus and the worker restarts.
      log.error(`speech engines did not start (${describeError(e)}); calls use keypad menus until they do`);
    }
  }

  async stop(): Promise<void> {
    await this.#worker?.stop();
  }

  /** The conversation's channel for an answered call. */
  channelFor(call: ActiveCall, actions: CallActions, log: Logger): CallerChannel {
    const worker = this.#worker;
    if (worker === undefined) throw new Error('the speech service has not started');
    return new SpeechChannel({
      call,
      worker,
      cache: this.cache,
      log,
      ...actions,
      bargeIn: this.options.speech.bargeIn,
      speechInputOff: this.#noSpeechInput !== undefined,
    });
  }
}
