import t from 'tap';
import type { CallRecord, Escalation, TurnRecord } from '../../src/records/call-record.js';
import { coachingCards, whatWouldHaveHelped } from '../../src/report/coaching.js';

function turn(transcript: string, intent: string, extra: Partial<TurnRecord> = {}): TurnRecord {
  return { at: '2026-11-23T02:00:00Z', transcript, intent, confidence: 0.9, reply: 'ok', ...extra };
}

function escalated(
  turns: TurnRecord[],
  escalation: Partial<Escalation>,
  extra: Partial<CallRecord> = {},
): CallRecord {
  return {
    id: 'c1',
    startedAt: '2026-11-23T02:00:00Z',
    callerNumber: '+8613912345678',
    outcome: 'escalated',
    turns,
    escalation: { reason: 'requested', brief: 'b', priority: 'normal', action: 'transferred', ...escalation },
    ...extra,
  };
}

const rules = (record: CallRecord) => whatWouldHaveHelped(record).map((a) => a.rule);

t.test('an unanswered topic suggests a FAQ', async (t) => {
  const record = escalated(
    [turn('do you sell coffee', 'none', { confidence: 0.2 }), turn('get me a person', 'human')],
    { reason: 'requested' },
  );
  t.same(rules(record), ['add_faq']);
  t.match(whatWouldHaveHelped(record)[0]?.text, /“do you sell coffee”: add an FAQ/);
});

t.test('repeated not-understood turns suggest examples', async (t) => {
  const record = escalated(
    [
      turn('the thing for the party', 'none', { confidence: 0.1 }),
      turn('the big one you know', 'faq:delivery', { confidence: 0.3 }),
      turn('yes', 'affirm'),
    ],
    { reason: 'not_understood' },
  );
  t.same(rules(record), ['add_examples']);
  t.match(whatWouldHaveHelped(record)[0]?.text, /2 turns in a row, e\.g\. “the thing for the party”/);
});

t.test('angry at waiting: call back faster and offer a person sooner', async (t) => {
  const record = escalated(
    [
      turn('my order was supposed to be ready an hour ago', 'order_status', { frustration: 0.5 }),
      turn('I have been waiting forever', 'order_status', { frustration: 0.8 }),
      turn('这太慢了', 'complaint', { frustration: 0.9, lang: 'zh' }),
    ],
    { reason: 'emotion', action: 'callback', priority: 'high' },
    { emotion: { perTurn: [0.5, 0.8, 0.9], peak: 0.9 } },
  );
  t.same(rules(record), ['call_back_faster', 'offer_person_sooner', 'call_back']);
  t.match(whatWouldHaveHelped(record)[1]?.text, /rose to 90%/);
});

t.test('a complaint with a refund asks for an owner policy', async (t) => {
  t.same(
    rules(
      escalated([turn('昨天的蛋糕坏了，我要退款', 'complaint', { lang: 'zh' })], { reason: 'complaint' }),
    ),
    ['refund_policy'],
  );
  t.same(rules(escalated([turn('I want my money back', 'complaint')], { reason: 'keyword' })), [
    'refund_policy',
  ]);
});

t.test('a person asked for at once; a callback without caller ID; nothing obvious', async (t) => {
  t.same(rules(escalated([turn('manager', 'human')], { reason: 'keyword' })), ['say_what_line_does']);
  t.same(rules(escalated([{ at: '2026-11-23T02:00:00Z', dtmf: '0', reply: 'ok' }], {})), [
    'say_what_line_does',
  ]);
  const withheld = escalated([turn('hello', 'hours'), turn('a', 'affirm'), turn('b', 'affirm')], {
    action: 'callback',
  });
  t.same(rules({ ...withheld, callerNumber: null }), ['call_back']);
  t.match(whatWouldHaveHelped({ ...withheld, callerNumber: null })[0]?.text, /no caller ID/);
  t.same(rules(escalated([turn('a', 'hours'), turn('b', 'human')], {})), ['listen']);
});

t.test('cards: escalated calls only, newest first, with mood and the last words of the line', async (t) => {
  const older = escalated([turn('manager', 'human', { frustration: 0.3, reply: 'Putting you through.' })], {
    reason: 'keyword',
  });
  const newer = {
    ...escalated([turn('refund', 'complaint', { frustration: 0.6 })], { reason: 'complaint' }),
    id: 'c2',
    startedAt: '2026-11-23T05:00:00Z',
  };
  const resolved: CallRecord = { ...older, id: 'r', outcome: 'resolved' };
  const cards = coachingCards([older, resolved, newer]);
  t.same(
    cards.map((c) => c.callId),
    ['c2', 'c1'],
  );
  t.same(cards[1]?.mood, [0.3]);
  t.equal(cards[1]?.lineSaid, 'Putting you through.');
  t.equal(cards[0]?.escalation.reason, 'complaint');
});
