import t from 'tap';
import { createLogger, personal } from '../../src/log/logger.js';

function capture(options: Parameters<typeof createLogger>[0] = { level: 'info' }) {
  const lines: string[] = [];
  const log = createLogger({ syslogPrefix: false, ...options, write: (l) => lines.push(l) });
  return { log, lines };
}

t.test('levels per namespace prefix, longest prefix wins', async (t) => {
  const { log, lines } = capture({
    level: 'warn',
    namespaces: { 'linekeeper:modem': 'debug', 'linekeeper:modem:at': 'error' },
  });
  log.child('modem').debug('modem debug');
  log.child('modem').child('at').warn('at warn');
  log.child('calls').info('calls info');
  log.child('calls').warn('calls warn');
  t.same(lines, ['DEBUG linekeeper:modem: modem debug', 'WARN  linekeeper:calls: calls warn']);
});

t.test('personal data appears only at debug and trace', async (t) => {
  const { log, lines } = capture({ level: 'trace' });
  log.info('call answered', { caller: personal('+8613912345678'), rings: 2 });
  log.debug('call answered', { caller: personal('+8613912345678') });
  t.equal(lines[0], 'INFO  linekeeper: call answered caller=[personal] rings=2');
  t.equal(lines[1], 'DEBUG linekeeper: call answered caller=+8613912345678');
});

t.test('JSON lines and syslog priorities', async (t) => {
  const json = capture({ level: 'info', json: true, now: () => new Date('2026-11-23T00:00:00Z') });
  json.log.child('sync').warn('broker unreachable', { text: personal('hello'), tries: 3 });
  t.same(JSON.parse(json.lines[0] ?? ''), {
    time: '2026-11-23T00:00:00.000Z',
    level: 'warn',
    ns: 'linekeeper:sync',
    msg: 'broker unreachable',
    text: '[personal]',
    tries: 3,
  });
  const journal = capture({ level: 'info', syslogPrefix: true });
  journal.log.error('boom');
  t.equal(journal.lines[0], '<3>ERROR linekeeper: boom');
});

t.test('lazy messages are not formatted when the level is off', async (t) => {
  const { log } = capture({ level: 'info' });
  let formatted = false;
  log.trace(() => {
    formatted = true;
    return 'hex dump';
  });
  t.equal(formatted, false);
  t.equal(log.isEnabled('trace'), false);
});
