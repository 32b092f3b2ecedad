/** Plays a call file against the conversation over a pluggable channel and checks the result. */
import type { LoadedShop } from '../config/load.js';
import type { CallerChannel } from '../dialog/channel.js';
import { runConversation } from '../dialog/conversation.js';
import type { Logger } from '../log/logger.js';
import type { IntentClassifier } from '../nlu/classifier.js';
import type { CallRecord, TurnRecord } from '../records/call-record.js';
import type { CallFile } from './call-file.js';
import { checkExpectations } from './expectations.js';

/** The result of a simulated call. */
export interface SimulatedCall {
  record: CallRecord;
  /** Failed expectations; empty when the call passed. */
  failures: string[];
}

/**
 * Runs a call: the clock starts at the file's `at` and advances with real elapsed time, so opening hours are those
 * of the moment the file names.
 */
export async function simulateCall(
  shop: Pick<LoadedShop, 'profile' | 'orders'>,
  classifier: IntentClassifier,
  call: CallFile,
  channel: CallerChannel,
  onTurn?: (turn: TurnRecord) => void,
  logger?: Logger,
): Promise<SimulatedCall> {
  const origin = performance.now();
  const record = await runConversation({
    shop,
    classifier,
    channel,
    callerNumber: call.caller,
    clock: { now: () => new Date(call.at.getTime() + (performance.now() - origin)) },
    ...(onTurn !== undefined ? { onTurn } : {}),
    ...(logger !== undefined ? { logger } : {}),
  });
  return { record, failures: checkExpectations(record, call.expect) };
}
