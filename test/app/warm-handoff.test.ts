/**
 * Escalation during opening hours, end to end through the virtual modem: the caller presses 0, the daemon's
 * conversation, speech worker and GSM driver put them on hold, call the owner's mobile, speak the brief into the
 * owner's leg (recognised again here with pocketsphinx) and join the calls; or, when the owner does not answer
 * or turns the call down, take the caller back, take a callback request and text the owner the brief.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CallHandling } from '../../src/app/call-handling.js';
import { type LoadedShop, loadShopProfile, validateDeviceConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { speechShape } from '../../src/simulate/audio-caller.js';
import { normalisePhrase } from '../../src/speech/recognize/caller-speech.js';
import { SpeechService } from '../../src/speech/speech-service.js';
import { type LineRig, startLineRig, until } from '../helpers/line-rig.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { installVad, recogniseAgain, utterances } from '../helpers/speech.js';

const OWNER = '+8613800138000';
/** Monday noon in Shanghai: the bakery is open. */
const OPEN = { now: () => new Date('2026-11-23T12:00:00+08:00') };
const INTRO = 'A call for you from the Golden Crust Bakery line.';

/** The question an owner who must confirm hears, whole and in the halves a pause may split it into. */
const ASK = [
  'Press one to take the call, or two for a callback request.',
  'Press one to take the call,',
  'or two for a callback request.',
];
/** What the caller hears: on the owner's leg it would mean the audio went to the wrong leg. */
const CALLER_SIDE = [
  'Thank you for calling Golden Crust Bakery. How can I help you?',
  "Of course. I'll put you through to the owner now. Please hold.",
];

/** The owner's leg recognised again, utterance by utterance, against `phrases`. */
async function recogniseOwnerLeg(rig: LineRig, phrases: string[]): Promise<string[]> {
  const heard: string[] = [];
  for (const utterance of utterances(rig.emulator.ownerRecordedSamples()))
    heard.push(await recogniseAgain(utterance, phrases));
  return heard;
}

/** The bakery with English first (so the owner is briefed in English, which pocketsphinx can check). */
async function englishBakery(
  escalation: Partial<LoadedShop['profile']['escalation']> = {},
): Promise<LoadedShop> {
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
  const profile = {
    ...shop.profile,
    languages: ['en', 'zh'] as LoadedShop['profile']['languages'],
    escalation: { ...shop.profile.escalation, ...escalation },
  };
  return { ...shop, profile };
}

/** The sim7600 line with the daemon's call handling on it; records collected, texts sent through the modem. */
/** Models, rendered prompts and trained intents, shared by both boxes (the second starts from the first's cache). */
const dir = t.testdir();

async function startBox(t: Test, shop: LoadedShop) {
  const log = createLogger({ level: 'warn', write: () => {} });
  const modelsDir = join(dir, 'models');
  await installVad(modelsDir);
  const { config } = validateDeviceConfig({ speech: { modelsDir, promptCacheDir: join(dir, 'prompts') } });
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process', ringsBeforeAnswer: 1 });
  const speech = new SpeechService({ speech: config.speech, profile: shop.profile, log });
  await speech.start();
  t.teardown(() => speech.stop());
  const records: CallRecord[] = [];
  const handling = new CallHandling({
    calls: rig.calls,
    speech,
    records: {
      recordCall: async (record) => {
        records.push(record);
        return records.length;
      },
    },
    shop,
    nluDir: join(dir, 'nlu'),
    sendText: (number, text) => rig.modem.sendText(number, text),
    log,
    clock: OPEN,
  });
  await handling.start();
  t.teardown(() => handling.stop());
  return { rig, records };
}

/** One call: rings, the caller presses 0 for a person; resolves with its record. */
async function callForAPerson(
  rig: LineRig,
  records: CallRecord[],
  number: string | null,
): Promise<CallRecord> {
  const count = records.length;
  rig.emulator.ring({ number });
  await rig.nextConnected(10_000);
  await rig.emulator.pressKeys('0');
  await until(() => records.length > count, 'the call record', 90_000);
  return records[count] as CallRecord;
}

/** The box's commands of the last transfer, without the AT+CLCC polls. */
function transferCommands(rig: LineRig): string[] {
  const from = rig.emulator.commands.lastIndexOf('AT+CHLD=?');
  return rig.emulator.commands.slice(from).filter((c) => c !== 'AT+CLCC');
}

t.test('during opening hours the owner hears the brief on their mobile and is put through', async (t) => {
  const { rig, records } = await startBox(t, await englishBakery());

  const record = await callForAPerson(rig, records, null);
  t.match(record.escalation, { reason: 'requested', action: 'transferred', briefSpoken: true });
  t.equal(record.outcome, 'escalated');
  t.same(transferCommands(rig).slice(0, 4), ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=4']);
  t.same(rig.emulator.transfers, [{ to: OWNER, method: 'explicit-call-transfer' }], 'the calls were joined');
  const brief = record.escalation?.brief ?? '';
  t.match(brief, /number withheld\) asked for a person/);
  const heard = await recogniseOwnerLeg(rig, [
    `${INTRO} ${brief}`,
    `${INTRO} ${brief.replace('asked for a person', 'is frustrated')}`,
    'Putting them through now.',
    ...ASK,
    ...CALLER_SIDE,
  ]);
  t.same(
    heard,
    [normalisePhrase(`${INTRO} ${brief}`), 'putting them through now'],
    `the owner's leg, recognised: ${JSON.stringify(heard)}`,
  );
  // The owner's leg is recorded from their answer on: its leading quiet is how long they waited for the brief.
  const owner = rig.emulator.ownerRecordedSamples();
  t.comment(
    `the brief began ${Math.round(owner.findIndex((s) => Math.abs(s) > 1000) / 8)} ms after the answer`,
  );
  t.same(rig.emulator.sms, [], 'no text: the owner heard the brief');

  // The owner's mobile rings out: the caller is taken back, leaves a callback request, the owner gets a text.
  rig.emulator.owner = { response: 'no-answer', afterMs: 1500 };
  const ownerHeardBefore = rig.emulator.ownerRecorded.length;
  let callerBackAt = -1;
  rig.emulator.on('command', (command) => {
    if (command === 'AT+CHLD=1') callerBackAt = rig.emulator.recordedSamples().length;
  });
  const missed = await callForAPerson(rig, records, '+8613700004444');
  const afterHold = speechShape(rig.emulator.recordedSamples().subarray(callerBackAt));
  t.ok(
    callerBackAt > 0 && afterHold.spokeMs > 3000,
    `the caller, back from hold, heard ${afterHold.spokeMs} ms`,
  );
  t.match(missed.escalation, { reason: 'requested', action: 'callback' });
  t.same(transferCommands(rig).slice(0, 4), ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=1']);
  t.equal(
    rig.emulator.ownerRecorded.length,
    ownerHeardBefore,
    'nobody answered, so nothing went to the owner',
  );
  t.match(missed.turns.at(-1)?.reply, /can't pick up right now[\s\S]*call you back on/);
  t.equal(rig.emulator.sms.length, 1);
  t.match(rig.emulator.sms[0], { destination: OWNER, mode: 'text' });
  t.match(rig.emulator.sms[0]?.body, /^\[normal\] A caller \(\+8613700004444\) asked for a person/);
  t.match(rig.emulator.sms[0]?.body, /tried to transfer the call \(no answer\)/);
});

t.test('an owner who must confirm hears the question and can send the caller to a callback', async (t) => {
  const { rig, records } = await startBox(t, await englishBakery({ owner_confirms: true }));
  const calling = callForAPerson(rig, records, null);
  // The brief and the question play, then the owner's leg goes quiet while the line waits for a key.
  await until(
    () => {
      const shape = speechShape(rig.emulator.ownerRecordedSamples());
      return shape.spokeMs > 3000 && shape.quietTailMs >= 800;
    },
    'the brief and the question on the owner leg',
    60_000,
  );
  const brief = 'A caller (number withheld) asked for a person; mood: calm.';
  const heard = (
    await recogniseOwnerLeg(rig, [`${INTRO} ${brief}`, 'Putting them through now.', ...ASK, ...CALLER_SIDE])
  ).join(' ');
  t.match(
    heard,
    /asked for a person mood calm press one to take the call or two for a callback request$/,
    `the owner's leg, recognised: "${heard}"`,
  );
  await rig.emulator.ownerPressKeys('2');
  // Back with the caller, who has no caller ID: they key in a number for the callback.
  await until(() => transferCommands(rig).includes('AT+CHLD=1'), 'the caller taken back', 10_000);
  await rig.emulator.pressKeys('13912345678#');
  const record = await calling;
  t.match(record.escalation, { reason: 'requested', action: 'callback' });
  t.same(transferCommands(rig).slice(0, 4), ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=1']);
  t.same(rig.emulator.transfers, [], 'not joined');
  t.match(rig.emulator.sms[0]?.body, /tried to transfer the call \(the owner was busy\)/);
  t.match(rig.emulator.sms[0]?.body, /13912345678/);
});
