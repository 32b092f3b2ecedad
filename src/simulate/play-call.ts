/**
 * Plays a call file in either mode, for `simulate` and the demo: `text` injects the caller's turns as
 * transcripts, `audio` speaks them into the virtual line. Either way `onEvent` hears the call as it happens.
 */
import type { DeviceConfig } from '../config/device-schema.js';
import type { LoadedShop } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { IntentClassifier } from '../nlu/classifier.js';
import type { TurnRecord } from '../records/call-record.js';
import type { CallFile } from './call-file.js';
import { type LineEvent, ObservedChannel } from './observed-channel.js';
import { ScriptedTextChannel } from './scripted-channel.js';
import { type SimulatedCall, simulateCall } from './simulate-call.js';
import { simulateAudioCall } from './virtual-line.js';

/** How the caller's turns reach the line. */
export type InputMode = 'text' | 'audio';

/** A played call: the checked record and, per caller input (turn), the words the caller said, if any. */
export type PlayedCall = SimulatedCall & { spoken: (string | null)[] };

/** Plays one call file. */
export async function playCall(options: {
  shop: LoadedShop;
  classifier: IntentClassifier;
  call: CallFile;
  input: InputMode;
  /** Speech config of the virtual line (audio mode). */
  speech: DeviceConfig['speech'];
  log: Logger;
  onEvent?: (event: LineEvent) => void;
  onTurn?: (turn: TurnRecord) => void;
}): Promise<PlayedCall> {
  const { shop, classifier, call } = options;
  if (options.input === 'audio') return simulateAudioCall(options);
  const channel = new ObservedChannel(new ScriptedTextChannel(call), options.onEvent);
  const result = await simulateCall(shop, classifier, call, channel, options.onTurn, options.log);
  // In text mode the caller's words are the transcripts the line was given.
  return { ...result, spoken: result.record.turns.map((t) => t.transcript ?? null) };
}
