import t from 'tap';
import { joinSamples } from '../../src/audio/frame.js';
import { failedWith } from '../../src/modem/at-command.js';
import { startLineRig, tone, until } from '../helpers/line-rig.js';

// Every injected fault: which fault, what the daemon did, how long it took to recover; the call record is
// kept and the line is not left stuck (a following call is answered).

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

t.test('garbage bytes mid-call: discarded with a reason, the call goes on', async (t) => {
  const rig = await startLineRig(t, 'sim7600');
  const discarded: string[] = [];
  rig.modem.engine.on('discarded', (_b, reason) => discarded.push(reason));
  rig.emulator.ring({ number: '+441632960002', ringIntervalMs: 150 });
  const call = await rig.nextConnected();
  const digits: string[] = [];
  call.onDtmf((d) => digits.push(d));
  rig.emulator.injectGarbage();
  await rig.emulator.pressKeys('7');
  await until(() => digits.length === 1 && discarded.length > 0, 'DTMF after the garbage');
  t.comment(`fault: line noise; daemon: discarded it (${discarded.join(', ')}) and kept the call`);
  const ended = rig.nextEnded();
  rig.emulator.hangUp();
  t.equal((await ended).reason, 'caller-hangup');
});

t.test('lost end-of-call indication: AT+CLCC polling ends the call', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { clccPollMs: 200 });
  rig.emulator.ring({ number: '+441632960003', ringIntervalMs: 150 });
  await rig.nextConnected();
  rig.emulator.loseNextUrc(/^VOICE CALL: END/);
  rig.emulator.loseNextUrc(/^NO CARRIER/);
  const ended = rig.nextEnded();
  const start = Date.now();
  rig.emulator.hangUp();
  const history = await ended;
  const took = Date.now() - start;
  t.equal(history.reason, 'caller-hangup');
  t.match(history.events.at(-1)?.detail, /AT\+CLCC/);
  t.comment(
    `fault: lost VOICE CALL: END and NO CARRIER; daemon: AT+CLCC poll found no call; ended after ${took} ms`,
  );
});

t.test('duplicated unsolicited results: one call, one end', async (t) => {
  const rig = await startLineRig(t, 'ec25');
  rig.emulator.duplicateUrcs(true);
  rig.emulator.ring({ number: '+441632960004', ringIntervalMs: 150 });
  await rig.nextConnected();
  const ended = rig.nextEnded();
  rig.emulator.hangUp();
  const history = await ended;
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(rig.histories.length, 1, 'exactly one call record');
  t.same(
    history.events.map((e) => e.state),
    ['ringing', 'answering', 'connected', 'ended'],
  );
  t.comment('fault: every RING/+CLIP/NO CARRIER twice; daemon: one call, one end');
});

t.test('unresponsive modem: timeout, AT probe, reopen, power cycle, ready again', async (t) => {
  let powerCycles = 0;
  const rig = await startLineRig(t, 'sim7600', {
    commandTimeoutMs: 300,
    powerCycle: async () => {
      powerCycles++;
    },
  });
  rig.emulator.ignoreCommands(2);
  const start = Date.now();
  const health = await rig.modem.health().catch((e: unknown) => e);
  t.notOk(failedWith(health, 'error-result'));
  await rig.modem.waitForState('ready', 10000).catch(() => undefined);
  await until(
    () => rig.modem.state === 'ready' && !rig.modem.engine.unresponsive,
    'modem ready again',
    10000,
  );
  const took = Date.now() - start;
  const steps = rig.recoveries.map((r) => `${r.action}:${r.ok ? 'ok' : 'fail'}`);
  t.ok(
    rig.states.some((s) => s.state === 'unresponsive'),
    'marked unresponsive',
  );
  t.ok(steps.includes('probe:fail'), 'probed with AT first');
  t.equal(powerCycles, 1, 'the injected power cycle ran after the failed probe');
  t.ok(steps.includes('reopen:ok'), 'reopened the port');
  t.comment(`fault: modem ignored 2 commands; daemon: ${steps.join(' → ')}; ready after ${took} ms`);
  rig.emulator.ring({ number: '+441632960005', ringIntervalMs: 150 });
  const call = await rig.nextConnected();
  const ended = rig.nextEnded();
  await call.hangup();
  t.equal((await ended).reason, 'line-hangup', 'the next call is answered');
});

for (const id of ['sim7600', 'usr5637'] as const) {
  t.test(`${id}: modem reset mid-call: call recorded as lost, modem re-initialised`, async (t) => {
    const rig = await startLineRig(t, id);
    rig.emulator.ring({ number: '+441632960006', ringIntervalMs: 150 });
    await rig.nextConnected();
    const ended = rig.nextEnded();
    const start = Date.now();
    const before = rig.emulator.commands.length;
    rig.emulator.reset();
    const history = await ended;
    t.equal(history.reason, 'modem-lost');
    await until(() => rig.recoveries.some((r) => r.action === 'reinit' && r.ok), 'init after reset');
    const took = Date.now() - start;
    const resent = rig.emulator.commands.slice(before);
    t.ok(resent.includes('ATE0'), 'echo turned off again');
    if (id === 'usr5637') t.ok(resent.includes('AT+VCID=1'), 'caller ID re-enabled');
    t.comment(
      `fault: reset mid-call; daemon: recorded the call as modem-lost, re-ran init; ready after ${took} ms`,
    );
    rig.emulator.ring({ number: '+441632960007', ringIntervalMs: 150 });
    const next = await rig.nextConnected();
    t.equal(next.callerNumber, '+441632960007', 'caller ID works after the reset');
    const nextEnd = rig.nextEnded();
    rig.emulator.hangUp();
    await nextEnd;
  });
}

t.test('port vanishes mid-call and returns: reopened with backoff', async (t) => {
  const rig = await startLineRig(t, 'sim7600');
  rig.emulator.ring({ number: '+441632960008', ringIntervalMs: 150 });
  await rig.nextConnected();
  const ended = rig.nextEnded();
  const start = Date.now();
  await rig.vanish();
  const history = await ended;
  t.equal(history.reason, 'modem-lost', 'the call record is kept, ended as modem-lost');
  await until(() => rig.modem.state === 'port-lost', 'port-lost state');
  await rig.comeBack();
  await until(() => rig.modem.state === 'ready', 'ready after the port returned', 10000);
  const took = Date.now() - start;
  t.ok(rig.recoveries.some((r) => r.action === 'reopen' && r.ok));
  t.comment(`fault: PTY removed mid-call; daemon: port-lost, reopened with backoff; ready after ${took} ms`);
  rig.emulator.ring({ number: '+441632960009', ringIntervalMs: 150 });
  const call = await rig.nextConnected();
  const frames: Int16Array[] = [];
  call.onAudio((f) => frames.push(f));
  await rig.emulator.sendAudio(tone(600, 200));
  await until(() => frames.length >= 10, 'audio after the port returned');
  const nextEnd = rig.nextEnded();
  rig.emulator.hangUp();
  await nextEnd;
});

t.test('audio stall: the call stays up and audio resumes', async (t) => {
  const rig = await startLineRig(t, 'sim7600');
  rig.emulator.ring({ number: '+441632960010', ringIntervalMs: 150 });
  const call = await rig.nextConnected();
  const arrivals: number[] = [];
  call.onAudio(() => arrivals.push(Date.now()));
  await until(() => arrivals.length > 5, 'audio flowing');
  rig.emulator.stallAudio(300);
  const stalledAt = Date.now();
  await until(() => arrivals.some((a) => a > stalledAt + 300), 'audio after the stall', 3000);
  const gaps = arrivals.slice(1).map((a, i) => a - (arrivals[i] as number));
  t.ok(Math.max(...gaps) >= 250, `a gap of ${Math.max(...gaps)} ms was seen`);
  t.equal(rig.calls.state, 'connected', 'still connected');
  t.comment(`fault: caller audio stalled 300 ms; daemon: kept the call; audio resumed`);
  const ended = rig.nextEnded();
  rig.emulator.hangUp();
  await ended;
});

t.test('call waiting and a handset picked up: never answered, never played into', async (t) => {
  const gsm = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  gsm.emulator.ring({ number: '+441632960011', ringIntervalMs: 100 });
  await gsm.nextConnected();
  const atas = () => gsm.emulator.commands.filter((c) => c === 'ATA').length;
  gsm.emulator.ring({ number: '+441632960012' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(atas(), 1, 'the waiting call was not answered');
  t.equal(gsm.calls.state, 'connected');

  const analog = await startLineRig(t, 'usr5637', { transport: 'in-process', ringsBeforeAnswer: 3 });
  const ended = analog.nextEnded();
  analog.emulator.ring({ number: '5551234', ringIntervalMs: 100 });
  await until(() => analog.calls.state === 'ringing', 'ringing');
  analog.emulator.pickUpHandset();
  const history = await ended;
  t.equal(history.reason, 'answered-elsewhere');
  t.notOk(analog.emulator.commands.includes('AT+VLS=1'), 'never went off-hook');
});

t.test('line echo: the box hears its own audio, delayed and attenuated', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  rig.emulator.setEcho(60, 0.3);
  rig.emulator.ring({ number: '+441632960013', ringIntervalMs: 100 });
  const call = await rig.nextConnected();
  const heard: Int16Array[] = [];
  call.onAudio((f) => heard.push(f));
  const prompt = tone(800, 300, 10000);
  await call.play(prompt);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const level = rms(joinSamples(heard));
  t.ok(level > 300, `echo reaches the box (rms ${level.toFixed(0)})`);
  t.ok(level < rms(prompt) * 0.5, 'attenuated');
  await call.hangup();
});
