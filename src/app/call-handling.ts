/**
 * Answered calls meet the conversation here: each call the line connects gets a speech channel, the
 * conversation plays it out, and its record is kept (and synced). This is the path every real call takes.
 *
 *   CallManager 'connected' ──> SpeechService.channelFor(call) ──> runConversation ──> records.recordCall
 */
import type { TransferResult } from '../calls/active-call.js';
import type { CallManager } from '../calls/call-manager.js';
import type { LineCall } from '../calls/line-call.js';
import type { LoadedShop } from '../config/load.js';
import type { HandoffResult } from '../dialog/channel.js';
import { type CallClock, runConversation } from '../dialog/conversation.js';
import { describeError } from '../errors.js';
import { type Logger, personal } from '../log/logger.js';
import type { IntentClassifier } from '../nlu/classifier.js';
import { loadOrTrain } from '../nlu/model-store.js';
import type { SpeechService } from '../speech/speech-service.js';
import type { CallRecordsService } from './call-records.js';
import type { Service } from './service.js';

/** What call handling is wired to. */
export interface CallHandlingOptions {
  calls: CallManager;
  speech: SpeechService;
  records: Pick<CallRecordsService, 'recordCall'>;
  shop: LoadedShop;
  /** Where the trained intent model is kept (keyed by the profile's hash, so a reboot does not retrain). */
  nluDir: string;
  /** Sends the owner's brief as a text message. */
  sendText: (number: string, text: string) => Promise<void>;
  log: Logger;
  /** The time calls happen at (opening hours); the wall clock by default. */
  clock?: CallClock;
}

/** How a network transfer maps onto the conversation's handoff result. */
export function handoffResult(result: TransferResult): HandoffResult {
  switch (result.status) {
    case 'connected':
      return 'connected';
    case 'no-answer':
    case 'busy':
      return 'no-answer';
    case 'declined':
      return 'declined';
    case 'unsupported':
      return 'unsupported';
    case 'failed':
      return 'failed';
  }
}

/** Runs the conversation on every answered call and keeps its record. */
export class CallHandling implements Service {
  readonly name = 'conversation';
  #classifier: IntentClassifier | undefined;
  readonly #active = new Set<Promise<void>>();
  readonly #onConnected = (call: LineCall) => {
    const done = this.#converse(call).finally(() => this.#active.delete(done));
    this.#active.add(done);
  };

  constructor(private readonly options: CallHandlingOptions) {}

  async start(): Promise<void> {
    const { shop, nluDir, log, calls } = this.options;
    const loaded = await loadOrTrain(shop, nluDir, log.child('nlu'));
    this.#classifier = loaded.classifier;
    log.info(`intent model ${loaded.source} in ${Math.round(loaded.ms)} ms`);
    calls.on('connected', this.#onConnected);
  }

  async stop(): Promise<void> {
    this.options.calls.off('connected', this.#onConnected);
    await Promise.allSettled([...this.#active]);
  }

  async #converse(call: LineCall): Promise<void> {
    const { speech, shop, records, sendText } = this.options;
    const log = this.options.log.child('call');
    const classifier = this.#classifier;
    if (classifier === undefined) return;
    try {
      const channel = speech.channelFor(
        call,
        {
          handoff: async (number, options) => handoffResult(await call.transfer(number, options)),
          sendText,
        },
        log,
      );
      const record = await runConversation({
        shop,
        classifier,
        channel,
        callerNumber: call.callerNumber,
        id: call.id,
        ...(this.options.clock ? { clock: this.options.clock } : {}),
        logger: log,
        onTurn: (turn) => log.debug('turn', { said: personal(turn.transcript), intent: turn.intent }),
      });
      await channel.hangup();
      await records.recordCall(record);
      log.info(
        `call ${record.id}: ${record.outcome}${record.escalation ? ` (${record.escalation.reason})` : ''}`,
        {
          turns: record.turns.length,
        },
      );
    } catch (e) {
      log.error(`call ${call.id}: the conversation failed: ${describeError(e)}`);
      // The call still happened: keep what is known of it rather than lose it.
      await records
        .recordCall({
          id: call.id,
          startedAt: call.answeredAt.toISOString(),
          answeredAt: call.answeredAt.toISOString(),
          endedAt: new Date().toISOString(),
          callerNumber: call.callerNumber,
          turns: [],
          outcome: 'abandoned',
          endedBy: 'error',
        })
        .catch((failure: unknown) =>
          log.error(`call ${call.id}: its record could not be kept: ${describeError(failure)}`),
        );
    }
  }
}
