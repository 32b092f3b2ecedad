/**
 * A simulated shop line for `simulate --input audio` and the demo: the virtual modem plays the caller, and the
 * daemon's own line, speech and conversation answer it in-process, exactly as on a box with a SIM7600.
 *
 *   AudioCaller ──> VirtualModem ══ in-process serial ══> LineService ──connected──> SpeechChannel ──> conversation
 */
import { inProcessPorts } from '../../device/emulator/in-process-binding.js';
import { VirtualModem } from '../../device/emulator/virtual-modem.js';
import { profileById } from '../../device/profiles/index.js';
import { handoffResult } from '../app/call-handling.js';
import type { LineCall } from '../calls/line-call.js';
import { LineService } from '../calls/line-service.js';
import type { DeviceConfig } from '../config/device-schema.js';
import type { LoadedShop } from '../config/load.js';
import { validateDeviceConfig } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { IntentClassifier } from '../nlu/classifier.js';
import type { TurnRecord } from '../records/call-record.js';
import { SpeechService } from '../speech/speech-service.js';
import { AudioCaller } from './audio-caller.js';
import type { CallFile } from './call-file.js';
import { type LineEvent, ObservedChannel } from './observed-channel.js';
import { type SimulatedCall, simulateCall } from './simulate-call.js';

/**
 * Plays one call file in audio mode through the virtual modem and returns the checked call record with, per
 * caller input, the words the caller spoke for it; `onEvent` hears the call as it happens.
 */
export async function simulateAudioCall(options: {
  shop: LoadedShop;
  classifier: IntentClassifier;
  call: CallFile;
  speech: DeviceConfig['speech'];
  log: Logger;
  onTurn?: (turn: TurnRecord) => void;
  onEvent?: (event: LineEvent) => void;
}): Promise<SimulatedCall & { spoken: (string | null)[] }> {
  const { shop, classifier, call, log } = options;
  const profile = profileById('sim7600');
  const emulator = new VirtualModem(profile);
  // The owner's mobile answers a transfer (and hears the brief) unless the call file says they miss it.
  emulator.owner = { response: call.ownerAnswers ? 'answer' : 'no-answer' };
  const ports = inProcessPorts(emulator);
  const modemConfig = validateDeviceConfig({ modem: { ringsBeforeAnswer: 1 } }).config.modem;
  const line = new LineService({
    config: modemConfig,
    profile,
    log,
    ownerMobile: shop.profile.owner.mobile,
    openBinding: (path) => (path === modemConfig.port ? ports.at : ports.audio),
  });
  const speech = new SpeechService({
    speech: options.speech,
    profile: shop.profile,
    log: log.child('speech'),
  });
  try {
    await line.start();
    await speech.start();
    const connected = new Promise<LineCall>((resolve) => line.calls.once('connected', resolve));
    let channel: ObservedChannel | undefined;
    // The caller speaks only once the line has greeted them, so the channel exists by then.
    const caller = new AudioCaller(emulator, call, (text) => channel?.emit({ kind: 'spoken', text })).play();
    const answered = await connected;
    const speechChannel = speech.channelFor(
      answered,
      {
        handoff: async (number, options) => handoffResult(await answered.transfer(number, options)),
        sendText: (number, text) => line.modem.sendText(number, text),
      },
      log,
    );
    channel = new ObservedChannel(speechChannel, options.onEvent);
    const result = await simulateCall(shop, classifier, call, channel, options.onTurn, log);
    // Make sure the call is over (the conversation has usually hung up already; that is what the transcript says).
    await speechChannel.hangup();
    emulator.hangUp();
    await caller;
    return { ...result, spoken: channel.spokenPerInput() };
  } finally {
    await speech.stop();
    await line.stop();
    emulator.dispose();
  }
}
