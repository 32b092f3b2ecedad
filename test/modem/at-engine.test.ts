import t from 'tap';
import { silentLogger } from '../../src/log/logger.js';
import { failedWith, nextCommandState } from '../../src/modem/at-command.js';
import { AtEngine } from '../../src/modem/at-engine.js';
import { UrcRouter } from '../../src/modem/urc-router.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { ScriptedPort } from '../helpers/scripted-port.js';

async function setup() {
  const port = new ScriptedPort();
  await port.open();
  const clock = new ManualClock();
  const urcs = new UrcRouter(silentLogger);
  urcs.declare('RING');
  urcs.declare('+CLIP:');
  urcs.declare('+CMT:', 1);
  const engine = new AtEngine({ binding: port, urcs, clock, log: silentLogger, defaultTimeoutMs: 1000 });
  engine.attach();
  return { port, clock, urcs, engine };
}

t.test('the command state machine has a closed failure set and ignores nonsense inputs', async (t) => {
  let s = nextCommandState({ phase: 'queued' }, { type: 'final', line: 'OK', ok: true }, false);
  t.same(s, { phase: 'queued' }, 'a final before the start is ignored');
  s = nextCommandState(s, { type: 'start' }, true);
  s = nextCommandState(s, { type: 'written' }, true);
  t.same(s, { phase: 'awaiting-prompt' });
  s = nextCommandState(s, { type: 'prompt' }, true);
  s = nextCommandState(s, { type: 'payload-written' }, true);
  t.same(s, { phase: 'awaiting-final' });
  s = nextCommandState(s, { type: 'final', line: '+CMS ERROR: 500', ok: false }, true);
  t.same(s, { phase: 'failed', failure: { reason: 'error-result', result: '+CMS ERROR: 500' } });
  t.same(nextCommandState(s, { type: 'timeout', timeoutMs: 5 }, true), s, 'settled states stay settled');
  t.same(nextCommandState({ phase: 'writing' }, { type: 'abort', why: 'x' }, false), {
    phase: 'failed',
    failure: { reason: 'aborted', why: 'x' },
  });
});

t.test('info lines, echo and interleaved URCs while a command is pending', async (t) => {
  const { port, engine, urcs } = await setup();
  const rings: string[] = [];
  urcs.on('RING', (line) => rings.push(line));
  const clips: string[] = [];
  urcs.on('+CLIP:', (line) => clips.push(line));
  port.respondWith((text) =>
    text === 'AT+CSQ\r'
      ? 'AT+CSQ\r\r\nRING\r\n+CSQ: 20,99\r\n+CLIP: "+4420",145,,,,0\r\n\r\nOK\r\n'
      : undefined,
  );
  const response = await engine.send({ text: 'AT+CSQ' });
  t.same(response.lines, ['+CSQ: 20,99'], 'echo dropped, URCs routed away');
  t.same(rings, ['RING']);
  t.same(clips, ['+CLIP: "+4420",145,,,,0']);
});

t.test('priority queue: recovery before control before normal, one in flight', async (t) => {
  const { port, engine } = await setup();
  const order: string[] = [];
  port.respondWith(() => undefined);
  const first = engine.send({ text: 'AT+FIRST' });
  const normal = engine.send({ text: 'AT+NORMAL' });
  const control = engine.send({ text: 'ATA', priority: 'control' });
  const recovery = engine.send({ text: 'AT', priority: 'recovery' });
  for (const p of [first, normal, control, recovery]) p.then((r) => order.push(r.command));
  await new Promise((r) => setImmediate(r));
  t.same(port.writes, ['AT+FIRST\r'], 'only one command written');
  for (let i = 0; i < 4; i++) {
    port.emit('OK\r\n');
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all([first, normal, control, recovery]);
  t.same(order, ['AT+FIRST', 'AT', 'ATA', 'AT+NORMAL']);
});

t.test('timeout marks the modem unresponsive until a recovery command succeeds', async (t) => {
  const { port, engine, clock } = await setup();
  let unresponsive = 0;
  let responsive = 0;
  engine.on('unresponsive', () => unresponsive++);
  engine.on('responsive', () => responsive++);
  const slow = engine.send({ text: 'AT+SLOW', timeoutMs: 500 });
  const rejected = t.rejects(slow, /AT\+SLOW: no final result within 500 ms/);
  await clock.advance(499);
  t.equal(engine.unresponsive, false);
  await clock.advance(1);
  await rejected;
  t.equal(engine.unresponsive, true);
  t.equal(unresponsive, 1);
  const queued = engine.send({ text: 'AT+CSQ' });
  const probe = engine.send({ text: 'AT', priority: 'recovery' });
  await new Promise((r) => setImmediate(r));
  t.same(port.writes.at(-1), 'AT\r', 'only the recovery probe is written while unresponsive');
  port.emit('OK\r\n');
  await probe;
  t.equal(responsive, 1);
  await new Promise((r) => setImmediate(r));
  t.same(port.writes.at(-1), 'AT+CSQ\r');
  port.emit('+CSQ: 1,1\r\nOK\r\n');
  t.same((await queued).lines, ['+CSQ: 1,1']);
});

t.test('error results, port closed and the SMS prompt', async (t) => {
  const { port, engine } = await setup();
  port.respondWith((text) => {
    if (text === 'AT+CPIN?\r') return '+CME ERROR: 10\r\n';
    if (text.startsWith('AT+CMGS')) return '> ';
    if (text.endsWith('\x1a')) return '+CMGS: 7\r\nOK\r\n';
    return undefined;
  });
  const err = await engine.send({ text: 'AT+CPIN?' }).catch((e: unknown) => e);
  t.ok(failedWith(err, 'error-result'));
  t.match(String(err), /modem answered \+CME ERROR: 10/);
  const sms = await engine.send({ text: 'AT+CMGS="+441"', payload: 'hello' });
  t.same(sms.lines, ['+CMGS: 7']);
  t.equal(port.writes.at(-1), 'hello\x1a');
  port.respondWith(() => undefined);
  const hanging = engine.send({ text: 'AT+HANG' });
  const queued = engine.send({ text: 'AT+NEXT' });
  await new Promise((r) => setImmediate(r));
  port.vanish();
  t.ok(failedWith(await hanging.catch((e: unknown) => e), 'port-closed'));
  t.ok(failedWith(await queued.catch((e: unknown) => e), 'port-closed'));
});

t.test('garbage is discarded with a reason and never throws', async (t) => {
  const { port, engine, urcs } = await setup();
  const discarded: string[] = [];
  engine.on('discarded', (_bytes, reason) => discarded.push(reason));
  const lines: string[] = [];
  urcs.on(/.*/, (line) => lines.push(line));
  port.emit(Uint8Array.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]));
  port.emit('\x01\x02junk\r\nRING\r\n');
  port.emit(Buffer.alloc(3000, 0x41));
  port.emit('\r\n+CMT: "+44",,"26/01/01"\r\nhello there\r\n');
  t.same(discarded, ['not UTF-8 text', 'control characters in a line', 'line longer than 2048 bytes']);
  t.same(lines, ['RING', '+CMT: "+44",,"26/01/01"']);
});

t.test('CONNECT switches to data mode synchronously; commands wait until the stream ends', async (t) => {
  const { port, engine } = await setup();
  const received: number[] = [];
  port.respondWith((text) => (text === 'AT+VTR\r' ? 'CONNECT\r\n\x01\x02\x10\x03\r\nOK\r\n' : undefined));
  const vtr = await engine.send({
    text: 'AT+VTR',
    onConnect: () =>
      engine.enterDataMode({
        push(data) {
          const etx = data.findIndex((b, i) => b === 0x03 && data[i - 1] === 0x10);
          const used = etx < 0 ? data.length : etx + 1;
          received.push(...data.subarray(0, used));
          return { used, ended: etx >= 0 };
        },
      }),
  });
  t.equal(vtr.final, 'CONNECT');
  t.same(received, [1, 2, 0x10, 3]);
  t.equal(engine.inDataMode, false);
});
