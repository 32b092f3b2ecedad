/**
 * Warm transfer through the real drivers and the virtual modem: the caller is held, the owner's leg rings, the
 * brief goes into the owner's leg only, and the calls are joined, or the caller is taken back.
 */
import t from 'tap';
import type { OwnerDecision, OwnerLeg } from '../../src/calls/active-call.js';
import type { OwnerBriefing } from '../../src/dialog/channel.js';
import { briefOwner } from '../../src/speech/owner-briefing.js';
import { type LineRig, matchAudio, startLineRig, tone, until } from '../helpers/line-rig.js';

const OWNER = '+447700900123';

/** A brief the test can recognise: a 700 Hz tone, then the owner's key decides (or no question at all). */
function toneBrief(options: { ask?: boolean; waitMs?: number } = {}) {
  const seen: { answerSignalled: boolean; played?: 'played' | 'stopped' }[] = [];
  const brief = async (owner: OwnerLeg): Promise<OwnerDecision> => {
    const entry: (typeof seen)[number] = { answerSignalled: owner.answerSignalled };
    seen.push(entry);
    entry.played = await owner.play(tone(700, 600));
    if (!options.ask) return owner.gone ? 'silent' : 'connect';
    const key = await owner.nextKey(options.waitMs ?? 5000);
    if (key === undefined) return 'silent';
    return key === '1' ? 'connect' : 'decline';
  };
  return { brief, seen };
}

/** The speech layer's briefing (brief, then "press 1…" or "putting them through"), with tones for its words. */
function speechBrief(confirm: boolean) {
  const briefing: OwnerBriefing = {
    lang: 'en',
    brief: 'the brief',
    connecting: 'putting them through',
    askAccept: 'press 1',
    acceptKey: '1',
    confirm,
    ringTimeoutMs: 10_000,
  };
  const audio = { brief: tone(700, 600), connecting: tone(900, 200), askAccept: tone(1100, 200) };
  const spoken: boolean[] = [];
  const brief = async (owner: OwnerLeg) => {
    const result = await briefOwner(owner, briefing, audio);
    spoken.push(result.spoken);
    return result.decision;
  };
  return { brief, spoken };
}

/** Commands the box sent from the first AT+CHLD=? on, without the AT+CLCC polls. */
function transferCommands(rig: LineRig): string[] {
  const from = rig.emulator.commands.indexOf('AT+CHLD=?');
  return rig.emulator.commands.slice(from).filter((c) => c !== 'AT+CLCC');
}

/** Rings the rig and returns the connected call. */
async function connect(rig: LineRig, number: string) {
  rig.emulator.ring({ number, ringIntervalMs: 100 });
  return rig.nextConnected();
}

/** The caller hears the box again: a tone played to the call arrives in the caller's recording. */
async function callerHearsTheBox(rig: LineRig, call: Awaited<ReturnType<LineRig['nextConnected']>>) {
  const before = rig.emulator.recordedSamples().length;
  const probe = tone(1100, 300);
  await call.play(probe);
  await until(() => rig.emulator.recordedSamples().length - before >= probe.length + 1600, 'caller audio');
  return matchAudio(probe, rig.emulator.recordedSamples().subarray(before)).snrDb;
}

t.test('GSM: the owner answers, hears the brief on their own leg, and the calls are joined', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'pty', ringsBeforeAnswer: 1 });
  const call = await connect(rig, '+441632960001');
  const callerHeardBefore = rig.emulator.recordedSamples().length;
  const { brief, seen } = toneBrief();
  const ended = rig.nextEnded();
  t.same(await call.transfer(OWNER, { brief }), { status: 'connected' });
  t.equal((await ended).reason, 'transferred');
  await until(() => transferCommands(rig).includes('AT+CPCMREG=0'), 'call audio switched off');
  t.same(transferCommands(rig), ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=4', 'AT+CPCMREG=0']);
  t.ok(
    rig.emulator.commands.lastIndexOf('AT+CLCC') > rig.emulator.commands.indexOf(`ATD${OWNER};`),
    'the box watched the owner leg with AT+CLCC before joining',
  );
  t.same(seen, [{ answerSignalled: true, played: 'played' }], 'the brief played once the owner answered');
  const match = matchAudio(tone(700, 600), rig.emulator.ownerRecordedSamples());
  t.ok(match.snrDb > 30, `the owner's leg carried the brief (SNR ${match.snrDb.toFixed(1)} dB)`);
  const callerAudio = rig.emulator.recordedSamples().subarray(callerHeardBefore);
  t.ok(
    callerAudio.every((s) => Math.abs(s) < 1000),
    'the held caller heard none of it',
  );
  t.same(rig.emulator.transfers, [{ to: OWNER, method: 'explicit-call-transfer' }]);
});

t.test('GSM: a busy owner or one who never answers gives the caller back', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process', ringsBeforeAnswer: 1 });
  const call = await connect(rig, '+441632960001');

  rig.emulator.owner = { response: 'busy', afterMs: 200 };
  const { brief, seen } = toneBrief();
  t.same(await call.transfer(OWNER, { brief }), { status: 'busy' });
  t.same(transferCommands(rig), ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=1']);
  t.same(await rig.modem.listCalls(), [
    { index: 1, direction: 'incoming', state: 'active', number: '+441632960001' },
  ]);

  rig.emulator.owner = { response: 'no-answer', afterMs: 200 };
  t.same(await call.transfer(OWNER, { brief }), { status: 'no-answer' }, 'the network gave up');

  // The owner's phone rings on: the box gives up itself, ends the ringing leg (1x) and retrieves the caller.
  rig.emulator.owner = { response: 'ring' };
  // The number of commands when the module reported the end: the line may ask AT+CLCC before this test's
  // continuation runs, so counting afterwards could miss it.
  const lateEnd = new Promise<number>((resolve) =>
    rig.emulator.on('output', (_port, bytes) => {
      if (Buffer.from(bytes).toString('latin1').includes('VOICE CALL: END'))
        resolve(rig.emulator.commands.length);
    }),
  );
  const commandsBefore = rig.emulator.commands.length;
  t.same(await call.transfer(OWNER, { brief, ringTimeoutMs: 1200 }), { status: 'no-answer' });
  t.same(
    rig.emulator.commands.slice(commandsBefore).filter((c) => c !== 'AT+CLCC'),
    ['AT+CHLD=?', 'AT+CHLD=2', `ATD${OWNER};`, 'AT+CHLD=12', 'AT+CHLD=1'],
  );
  // The module reports the released leg's end after the caller is back: it must not end the caller's call.
  const afterEnd = await lateEnd;
  await until(() => rig.emulator.commands.slice(afterEnd).includes('AT+CLCC'), 'the end report checked');
  t.equal(rig.calls.state, 'connected', "the owner leg's end report did not end the caller's call");
  t.same(seen, [], 'no brief without an answer');
  t.ok((await callerHearsTheBox(rig, call)) > 30, 'the caller hears the line again');
});

t.test('GSM: the owner declines with a key, or hangs up during the brief', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process', ringsBeforeAnswer: 1 });
  const call = await connect(rig, '+441632960001');
  const asking = speechBrief(true);
  const declined = call.transfer(OWNER, { brief: asking.brief });
  await until(() => rig.emulator.ownerRecordedSamples().some((s) => Math.abs(s) > 1000), 'the brief playing');
  await rig.emulator.ownerPressKeys('2');
  t.same(await declined, { status: 'declined' });
  t.same(asking.spoken, [true], 'a key during the brief counts as having heard it');
  t.equal(
    transferCommands(rig).at(-1),
    'AT+CHLD=1',
    'released the owner and retrieved the caller in one step',
  );
  t.equal(rig.calls.state, 'connected');
  t.same(rig.histories, []);

  const heardBefore = rig.emulator.ownerRecordedSamples().length;
  const hanging = call.transfer(OWNER, { brief: toneBrief().brief });
  await until(
    () =>
      rig.emulator
        .ownerRecordedSamples()
        .subarray(heardBefore)
        .some((s) => Math.abs(s) > 1000),
    'the brief playing',
  );
  rig.emulator.ownerHangsUp();
  t.same(await hanging, { status: 'no-answer' });
  t.equal(rig.calls.state, 'connected', "the owner's NO CARRIER did not end the caller's call");
  t.ok(
    (await callerHearsTheBox(rig, call)) > 30,
    'the caller hears the line again, not the rest of the brief',
  );
});

t.test('GSM: the caller hanging up while on hold ends the call and the owner leg', async (t) => {
  const rig = await startLineRig(t, 'ec25', { transport: 'in-process', ringsBeforeAnswer: 1 });
  const call = await connect(rig, '+441632960001');
  rig.emulator.owner = { response: 'ring' };
  const ended = rig.nextEnded();
  const transfer = call.transfer(OWNER, { brief: toneBrief().brief });
  await until(() => rig.emulator.ownerLegState === 'alerting', 'the owner ringing');
  rig.emulator.hangUp();
  t.match(await transfer, { status: 'failed', reason: /hung up while on hold/ });
  t.equal((await ended).reason, 'caller-hangup');
});

t.test(
  'analog: hook flash, the brief repeats into the owner leg until they press 1, on-hook joins',
  async (t) => {
    const rig = await startLineRig(t, 'usr5637', { transport: 'in-process', ringsBeforeAnswer: 1 });
    const call = await connect(rig, '5551234');
    rig.emulator.owner = { response: 'answer', afterMs: 400 };
    // No confirmation wanted by the profile: on an analog line the owner is asked all the same.
    const { brief, spoken } = speechBrief(false);
    const ended = rig.nextEnded();
    const transfer = call.transfer('5559876', { brief });
    const loud = () => rig.emulator.ownerRecordedSamples().filter((s) => Math.abs(s) > 1000).length;
    // The owner presses 1 while the brief plays (which cuts it short): 250 ms of it reach their leg first.
    await until(() => loud() > 1500, 'the brief on the owner leg');
    await rig.emulator.ownerPressKeys('1');
    t.same(await transfer, { status: 'connected' });
    t.equal((await ended).reason, 'transferred');
    t.same(spoken, [true], 'the owner answered the question, so they heard the brief');
    const from = rig.emulator.commands.indexOf('AT+VTS=!');
    t.same(rig.emulator.commands.slice(from), [
      'AT+VTS=!',
      'ATDT5559876;',
      'AT+VTR',
      'AT+VLS=0',
      'AT+VCID=1',
    ]);
    t.same(rig.emulator.transfers, [{ to: '5559876', method: 'hook-flash' }]);
    const match = matchAudio(tone(700, 200), rig.emulator.ownerRecordedSamples());
    t.ok(match.snrDb > 20, `the owner's leg carried the brief (SNR ${match.snrDb.toFixed(1)} dB)`);
  },
);

t.test('analog: busy tone on the owner leg flashes back to the caller', async (t) => {
  const rig = await startLineRig(t, 'usr5637', { transport: 'in-process', ringsBeforeAnswer: 1 });
  const call = await connect(rig, '5551234');
  rig.emulator.owner = { response: 'busy', afterMs: 200 };
  const { brief } = speechBrief(true);
  t.same(await call.transfer('5559876', { brief }), { status: 'busy' });
  const from = rig.emulator.commands.indexOf('AT+VTS=!');
  t.same(rig.emulator.commands.slice(from), ['AT+VTS=!', 'ATDT5559876;', 'AT+VTR', 'AT+VTS=!', 'AT+VTR']);
  t.equal(rig.calls.state, 'connected');
  t.ok((await callerHearsTheBox(rig, call)) > 20, 'the caller hears the line again');
});
