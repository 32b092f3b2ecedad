import t from 'tap';
import {
  chineseIdValid,
  digitsOf,
  hashCaller,
  luhnValid,
  redactRecord,
  redactText,
} from '../../src/privacy/redact.js';
import type { CallRecord } from '../../src/records/call-record.js';

t.test('check digits', async (t) => {
  t.ok(luhnValid('4111111111111111'));
  t.notOk(luhnValid('4111111111111112'));
  t.ok(chineseIdValid('11010519491231002X'));
  t.ok(chineseIdValid('110105194912310021') === false);
  t.equal(digitsOf('four one double one'), '4111');
  t.equal(digitsOf('幺三八 一二三四'), '1381234');
});

t.test('written numbers in English and Chinese', async (t) => {
  t.equal(redactText('my card is 4111 1111 1111 1111 thanks'), 'my card is [CARD] thanks');
  t.equal(redactText('卡号是4111-1111-1111-1111。'), '卡号是[CARD]。');
  t.equal(redactText('身份证 11010519491231002X 对'), '身份证 [ID] 对');
  t.equal(redactText('call me on 07700 900123 please'), 'call me on [PHONE] please');
  t.equal(redactText('我的电话是13812345678'), '我的电话是[PHONE]');
  t.equal(redactText('mail bob.smith@example.co.uk or 王@例子.中国'), 'mail [EMAIL] or [EMAIL]');
  t.equal(
    redactText('2 cakes for 2026-12-24 at 10:30'),
    '2 cakes for 2026-12-24 at 10:30',
    'dates and counts stay',
  );
});

t.test('numbers spoken as words', async (t) => {
  t.equal(
    redactText('it is four one one one one one one one one one one one one one one one ok'),
    'it is [CARD] ok',
  );
  t.equal(redactText('ring oh seven seven double oh nine oh oh one two three'), 'ring [PHONE]');
  t.equal(redactText('电话是幺三八一二三四五六七八'), '电话是[PHONE]');
  t.equal(redactText('号码 一三八 一二三四 五六七八 谢谢'), '号码 [PHONE] 谢谢');
  t.equal(redactText('身份证号一一〇一〇五一九四九一二三一〇〇二叉'), '身份证号[ID]');
  t.equal(redactText('write to bob at example dot com'), 'write to [EMAIL]');
  t.equal(redactText('I want one or two loaves'), 'I want one or two loaves');
});

t.test('a record leaves the box redacted with the caller hashed', async (t) => {
  const record: CallRecord = {
    id: '01JTEST',
    startedAt: '2026-11-24T10:00:00.000Z',
    callerNumber: '+447700900123',
    turns: [{ at: '2026-11-24T10:00:05.000Z', transcript: 'card 4111111111111111', reply: 'Thanks' }],
    outcome: 'message',
    message: { name: 'Ann', callback: '07700 900456', text: 'email ann@example.com' },
    recording: '/var/lib/linekeeper/recordings/01JTEST.lkrec',
  };
  const out = redactRecord(record, { sendCallerNumber: false, salt: 'fleet-salt' });
  t.equal(out.callerNumber, null);
  t.equal(out.callerHash, hashCaller('+447700900123', 'fleet-salt'));
  t.equal(out.turns[0]?.transcript, 'card [CARD]');
  t.same(out.message, { name: 'Ann', callback: '[PHONE]', text: 'email [EMAIL]' });
  t.notOk('recording' in out);
  t.equal(redactRecord(record, { sendCallerNumber: true, salt: 's' }).callerNumber, '+447700900123');
});
