import t from 'tap';
import { joinSamples } from '../../src/audio/frame.js';
import type { LineAudioFormat } from '../../src/audio/line-codec.js';
import type { ProfileId } from '../../src/modem/profile.js';
import { matchAudio, startLineRig, tone, until } from '../helpers/line-rig.js';

// The done-when of the line: for each profile, over a real pseudo-terminal, the daemon answers a virtual call,
// reads caller ID, receives and sends audio (compared with what was sent), gets DTMF, and the call ends
// whichever side hangs up.
// GSM PCM and 16-bit analog audio are lossless; G.711 and 8-bit linear quantise (≈ 35–40 dB at this level).
const PROFILES: { id: ProfileId; format?: LineAudioFormat; minSnrDb: number }[] = [
  { id: 'sim7600', minSnrDb: Number.POSITIVE_INFINITY },
  { id: 'ec25', minSnrDb: Number.POSITIVE_INFINITY },
  { id: 'usr5637', format: 'pcm16le', minSnrDb: Number.POSITIVE_INFINITY },
  { id: 'usr5637', format: 'ulaw', minSnrDb: 30 },
  { id: 'usr5637', format: 'alaw', minSnrDb: 30 },
  { id: 'usr5637', format: 'linear8', minSnrDb: 28 },
];

for (const { id, format, minSnrDb } of PROFILES) {
  t.test(
    `${id}${format ? ` (${format})` : ''}: answer, caller ID, audio both ways, DTMF, caller hangs up`,
    async (t) => {
      const rig = await startLineRig(t, id, { analogFormat: format });
      t.equal(rig.modem.state, 'ready');
      rig.emulator.ring({ number: '+441632960001', name: 'ALICE', ringIntervalMs: 150 });
      const call = await rig.nextConnected();
      t.equal(call.callerNumber, '+441632960001', 'caller ID read');
      t.equal(rig.emulator.callState, 'active');
      const heard: Int16Array[] = [];
      call.onAudio((frame) => heard.push(frame));
      const digits: string[] = [];
      call.onDtmf((d) => digits.push(d));

      const callerSays = tone(440, 400);
      const boxSays = tone(1000, 400);
      const [callerDone, boxDone] = await Promise.all([
        rig.emulator.sendAudio(callerSays),
        call.play(boxSays),
      ]);
      t.equal(callerDone, 'played');
      t.equal(boxDone, 'played');
      await until(
        () => matchAudio(callerSays, joinSamples(heard)).offset >= 0,
        'caller audio at the box',
        3000,
      );
      await until(
        () => matchAudio(boxSays, rig.emulator.recordedSamples()).offset >= 0,
        'box audio at the line',
        3000,
      );
      const inbound = matchAudio(callerSays, joinSamples(heard));
      const outbound = matchAudio(boxSays, rig.emulator.recordedSamples());
      t.ok(inbound.snrDb >= minSnrDb, `caller → box audio matches (SNR ${inbound.snrDb.toFixed(1)} dB)`);
      t.ok(outbound.snrDb >= minSnrDb, `box → caller audio matches (SNR ${outbound.snrDb.toFixed(1)} dB)`);

      await rig.emulator.pressKeys('1559#', 80);
      await until(() => digits.length === 5, 'five DTMF digits');
      t.equal(digits.join(''), '1559#', 'DTMF in order, a held key counted once, a repeated key twice');

      const ended = rig.nextEnded();
      rig.emulator.hangUp();
      const history = await ended;
      t.equal(history.reason, 'caller-hangup');
      t.same(
        history.events.map((e) => e.state),
        ['ringing', 'answering', 'connected', 'ended'],
      );
      t.equal(history.dtmf, '1559#');
      t.ok(
        history.events.every((e, i, all) => i === 0 || e.at >= (all[i - 1]?.at ?? e.at)),
        'timestamps in order',
      );
      t.equal(await call.play(tone(500, 100)), 'stopped', 'no audio into a call that is over');
      await until(() => rig.modem.state === 'ready' && rig.emulator.callState === 'idle', 'line idle again');
    },
  );

  if (format !== undefined && format !== 'pcm16le') continue;
  t.test(`${id}: the box hangs up`, async (t) => {
    const rig = await startLineRig(t, id, { analogFormat: format });
    rig.emulator.ring({ number: '0207946000', ringIntervalMs: 150 });
    const call = await rig.nextConnected();
    const hungUp = new Promise((resolve) => rig.emulator.once('hangup', resolve));
    const ended = rig.nextEnded();
    await call.hangup();
    t.equal(await hungUp, 'box');
    t.equal((await ended).reason, 'line-hangup');
    t.equal(rig.emulator.callState, 'idle');
    // The line works again: a second call is answered.
    rig.emulator.ring({ number: null, ringIntervalMs: 150 });
    const second = await rig.nextConnected();
    t.equal(second.callerNumber, null, 'withheld number');
    const secondEnd = rig.nextEnded();
    rig.emulator.hangUp();
    t.equal((await secondEnd).reason, 'caller-hangup');
  });
}
