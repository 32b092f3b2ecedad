import t from 'tap';
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from '../../src/audio/g711.js';
import { JitterBuffer } from '../../src/audio/jitter-buffer.js';
import { callerIdFromFields, parseCallerIdField, parseClip } from '../../src/modem/caller-id.js';
import { DleDecoder, type DleEvent, dleEscape } from '../../src/modem/dle.js';
import type { GsmDriver } from '../../src/modem/drivers/gsm-driver.js';
import { decodeUcs2Hex, encodeUcs2Submit } from '../../src/modem/sms.js';
import { startLineRig, until } from '../helpers/line-rig.js';

t.test('caller ID parsing: +CLIP and analog records with spaces around =', async (t) => {
  t.same(parseClip('+CLIP: "441632960001",145,,,,0'), { number: '+441632960001' });
  t.same(parseClip('+CLIP: "",128,,,,1'), { number: null, absent: 'withheld' });
  t.same(parseClip('+CLIP: "",128,,,,2'), { number: null, absent: 'unavailable' });
  t.same(parseCallerIdField('NMBR = 8055551234'), { key: 'NMBR', value: '8055551234' });
  t.same(parseCallerIdField('NMBR=0812345678'), { key: 'NMBR', value: '0812345678' });
  t.equal(parseCallerIdField('RING'), undefined);
  t.same(callerIdFromFields(new Map([['NMBR', 'P']])), { number: null, absent: 'withheld' });
  t.same(callerIdFromFields(new Map([['NMBR', 'O']])), { number: null, absent: 'unavailable' });
  t.same(
    callerIdFromFields(
      new Map([
        ['NMBR', '5551234'],
        ['NAME', 'SMITH JOHN'],
      ]),
    ),
    {
      number: '5551234',
      name: 'SMITH JOHN',
    },
  );
});

t.test('DLE shielding both ways, events and repeated-digit de-duplication', async (t) => {
  t.same([...dleEscape(Uint8Array.from([1, 0x10, 2]))], [1, 0x10, 0x10, 2], 'doubled on write');
  const audio: number[] = [];
  const events: DleEvent[] = [];
  const decoder = new DleDecoder(
    (bytes) => audio.push(...bytes),
    (e) => events.push(e),
  );
  const stream = [1, 0x10, 0x10, 2, 0x10, 0x1a, 0x10, 0x2f, 0x10, 0x35, 0x10, 0x35, 0x10, 0x7e];
  stream.push(0x10, 0x2f, 0x10, 0x35, 0x10, 0x7e, 0x10, 0x62, 3, 0x10, 0x03, 0x4f, 0x4b);
  const result = decoder.push(Uint8Array.from(stream));
  t.same(audio, [1, 0x10, 2, 0x10, 0x10, 3], 'un-doubled on read, <DLE><SUB> is two DLEs');
  t.same(
    events.map((e) => (e.kind === 'dtmf' ? e.digit : e.kind)),
    ['5', '5', 'busy', 'end-of-data'],
    'a held 5 once per shielded span, a second press counted again',
  );
  t.same(result, { used: stream.length - 2, ended: true }, 'stops after <DLE><ETX>');
});

t.test('G.711 round trips within quantisation', async (t) => {
  for (const s of [0, 100, -100, 1000, -5000, 12000, -32768, 32767]) {
    t.ok(Math.abs(ulawToLinear(linearToUlaw(s)) - s) <= Math.max(8, Math.abs(s) / 16), `µ-law ${s}`);
    t.ok(Math.abs(alawToLinear(linearToAlaw(s)) - s) <= Math.max(16, Math.abs(s) / 16), `A-law ${s}`);
  }
});

t.test('jitter buffer reassembles frames and bounds its backlog', async (t) => {
  const frames: Int16Array[] = [];
  const buffer = new JitterBuffer((f) => frames.push(f), 2);
  buffer.push(new Int16Array(100).fill(1));
  t.equal(frames.length, 0);
  buffer.push(new Int16Array(100).fill(2));
  t.equal(frames.length, 1);
  t.equal(frames[0]?.[99], 1);
  t.equal(frames[0]?.[100], 2);
  buffer.push(new Int16Array(1000));
  t.equal(buffer.dropped, 1000 + 40 - 320, 'the oldest audio past two frames was dropped');
});

t.test('UCS-2 PDU for Chinese text, split when longer than 70 characters', async (t) => {
  const [single] = encodeUcs2Submit('+8613800138000', '您好');
  t.equal(single?.pdu, '0011000D91683108108300F00008AA0460A8597D');
  t.equal(single?.tpduLength, 19);
  const long = encodeUcs2Submit('+8613800138000', '好'.repeat(100), 7);
  t.equal(long.length, 2);
  t.match(long[0]?.pdu, /^0051000D91683108108300F00008AA8C050003070201597D/);
  t.match(long[1]?.pdu, /^0051000D91683108108300F00008AA48050003070202597D/);
  t.equal(decodeUcs2Hex('60A8597D'), '您好');
});

t.test('SMS in text and PDU mode reach the emulator', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  const driver = rig.modem.driver as GsmDriver;
  await driver.sendSms('+441632960001', 'Your order is ready');
  await driver.sendSms('+8613800138000', '您的订单好了');
  t.same(rig.emulator.sms[0], { destination: '+441632960001', mode: 'text', body: 'Your order is ready' });
  t.equal(rig.emulator.sms[1]?.mode, 'pdu');
  t.match(rig.emulator.sms[1]?.body, /^0011000D91683108108300F00008AA0C60A876848BA25355597D4E86$/);
});

t.test('incoming SMS: read on +CMTI (UCS-2 decoded), reported, deleted from storage', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  const received: { from: string; text: string }[] = [];
  rig.modem.onEvent((e) => {
    if (e.type === 'sms') received.push({ from: e.from, text: e.text });
  });
  rig.emulator.receiveSms('+447700900123', 'Call me back please');
  rig.emulator.receiveSms('+8613800138000', '明天几点开门？');
  await until(() => received.length === 2 && rig.emulator.inboxSize === 0, 'both messages read and deleted');
  t.same(received, [
    { from: '+447700900123', text: 'Call me back please' },
    { from: '+8613800138000', text: '明天几点开门？' },
  ]);
});

t.test('transfer: explicit call transfer where the network has it, a clear failure where not', async (t) => {
  const rig = await startLineRig(t, 'sim7600', { transport: 'in-process' });
  rig.emulator.ring({ number: '+441632960001', ringIntervalMs: 100 });
  let call = await rig.nextConnected();
  const ended = rig.nextEnded();
  t.same(await call.transfer('+447700900123'), { status: 'connected' });
  t.equal((await ended).reason, 'transferred');
  t.same(rig.emulator.transfers, [{ to: '+447700900123', method: 'explicit-call-transfer' }]);

  rig.emulator.ect = false;
  rig.emulator.ring({ number: '+441632960001', ringIntervalMs: 100 });
  call = await rig.nextConnected();
  const result = await call.transfer('+447700900123');
  t.equal(result.status, 'unsupported');
  t.match(result, { reason: /no explicit call transfer/ });
  t.equal(rig.calls.state, 'connected', 'the caller stays connected');
  await call.hangup();

  const analog = await startLineRig(t, 'usr5637', { transport: 'in-process' });
  analog.emulator.ring({ number: '5551234', ringIntervalMs: 100 });
  const analogCall = await analog.nextConnected();
  t.same(await analogCall.transfer('5559876'), { status: 'connected' });
  t.same(analog.emulator.transfers, [{ to: '5559876', method: 'hook-flash' }]);
});

t.test('forwarding to the owner is checked and set on no-reply and not-reachable', async (t) => {
  const rig = await startLineRig(t, 'ec25', { transport: 'in-process' });
  const driver = rig.modem.driver as GsmDriver;
  t.same(await driver.ensureForwarding('+447700900123', 20), [
    { reason: 2, changed: true },
    { reason: 3, changed: true },
  ]);
  t.ok(rig.emulator.commands.includes('AT+CCFC=2,3,"+447700900123",145,1,,,20'), 'no-reply timer sent');
  t.same(await driver.ensureForwarding('+447700900123', 20), [
    { reason: 2, changed: false },
    { reason: 3, changed: false },
  ]);
});

t.test('EC25: without the URC port setting, RING goes to another port and is never heard', async (t) => {
  const rig = await startLineRig(t, 'ec25', { transport: 'in-process' });
  t.ok(rig.emulator.commands.includes('AT+QURCCFG="urcport","usbat"'), 'init pins URCs to the AT port');
  rig.emulator.ring({ number: '+441632960001', ringIntervalMs: 100 });
  await until(() => rig.calls.state !== 'idle', 'the call is seen');
  t.pass('RING arrived on the AT port');
});

t.test('analog caller ID is re-enabled after every call', async (t) => {
  const rig = await startLineRig(t, 'usr5637', { transport: 'in-process' });
  rig.emulator.ring({ number: '5551234', name: 'O', ringIntervalMs: 100 });
  const call = await rig.nextConnected();
  const before = rig.emulator.commands.length;
  await call.hangup();
  await until(() => rig.emulator.commands.slice(before).includes('AT+VCID=1'), 'AT+VCID=1 re-sent');
  t.pass();
});
