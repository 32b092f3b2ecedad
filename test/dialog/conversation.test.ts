import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { runConversation } from '../../src/dialog/conversation.js';
import { IntentClassifier } from '../../src/nlu/classifier.js';
import { InputChannel, speech } from '../helpers/input-channel.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const classifier = IntentClassifier.train(shop.profile);
const MONDAY_2PM = '2026-11-23T14:00:00+08:00';
const MONDAY_930PM = '2026-11-23T21:30:00+08:00';

function call(
  channel: InputChannel,
  at: string,
  callerNumber: string | null = '+8613700001234',
  profile = shop.profile,
) {
  return runConversation({
    shop: { ...shop, profile },
    classifier,
    channel,
    callerNumber,
    clock: { now: () => new Date(at) },
  });
}

t.test('greets in both languages, then answers in the caller language', async (t) => {
  const channel = new InputChannel([speech('where are you'), speech('bye')]);
  const record = await call(channel, MONDAY_2PM);
  t.same(
    channel.said.slice(0, 2).map((s) => s.lang),
    ['zh', 'en'],
  );
  t.match(channel.said[2]?.text, /Wenhua Road/);
  t.equal(channel.said[2]?.lang, 'en');
  t.equal(record.outcome, 'resolved');
  t.equal(record.lang, 'en');
  t.ok(channel.hungUp);
});

t.test(
  'after hours, a request for a person becomes a callback request and a text to the owner',
  async (t) => {
    const channel = new InputChannel([
      speech('my name is Anna Li'),
      speech('I want to talk to a real human please'),
    ]);
    const record = await call(channel, MONDAY_930PM);
    t.equal(channel.handoffs.length, 0, 'no transfer after hours');
    t.equal(channel.texts.length, 1);
    t.equal(channel.texts[0]?.number, '+8613800138000');
    t.match(channel.texts[0]?.text, /Anna Li/);
    t.match(channel.texts[0]?.text, /\+8613700001234/);
    t.match(record.escalation, { reason: 'requested', action: 'callback', priority: 'normal' });
    t.match(channel.transcript, /closed right now/);
    t.match(channel.transcript, /call you back on \+86 137 0000 1234 when we open/);
    t.equal(record.outcome, 'escalated');
  },
);

t.test(
  'the owner not answering a transfer leaves a callback, asking for a number when none was shown',
  async (t) => {
    const channel = new InputChannel(
      [{ kind: 'dtmf', digits: '0' }, speech('one three nine one two three four five six seven eight')],
      {
        handoff: 'no-answer',
      },
    );
    const record = await call(channel, MONDAY_2PM, null);
    t.equal(channel.handoffs.length, 1);
    t.match(channel.transcript, /Li Wei现在接不了电话/);
    t.match(channel.transcript, /请问回电号码是多少/);
    t.match(record.escalation, { reason: 'requested', action: 'callback' });
    t.match(channel.texts[0]?.text, /\+8613912345678/);
  },
);

t.test(
  'a transfer briefs the owner in the shop language, with their ring time and confirmation',
  async (t) => {
    const profile = {
      ...shop.profile,
      escalation: { ...shop.profile.escalation, owner_confirms: true, owner_ring_seconds: 15 },
    };
    const channel = new InputChannel([{ kind: 'dtmf', digits: '0' }]);
    const record = await call(channel, MONDAY_2PM, '+8613700001234', profile);
    t.match(channel.handoffs[0], {
      number: '+8613800138000',
      lang: 'zh',
      acceptKey: '1',
      confirm: true,
      ringTimeoutMs: 15_000,
      brief: /^金冠面包坊热线有来电转给您。 来电者（\+86 137 0000 1234）要求转人工/,
      askAccept: /请按1/,
    });
    t.match(record.escalation, { action: 'transferred', briefSpoken: true });
    t.match(record.escalation?.brief, /（\+8613700001234）/, 'the record keeps the number as written');
    t.same(channel.texts, [], 'the owner heard the brief: no text');
  },
);

t.test('a transfer the owner took without hearing the brief texts it to them', async (t) => {
  const channel = new InputChannel([{ kind: 'dtmf', digits: '0' }], { briefSpoken: false });
  const record = await call(channel, MONDAY_2PM);
  t.match(record.escalation, { action: 'transferred', briefSpoken: false });
  t.equal(channel.texts.length, 1);
  t.match(channel.texts[0]?.text, /^\[normal\] 来电者（\+8613700001234）要求转人工/);
});

t.test('an owner who declines the transfer leaves the caller a callback request', async (t) => {
  const channel = new InputChannel([{ kind: 'dtmf', digits: '0' }], { handoff: 'declined' });
  const record = await call(channel, MONDAY_2PM);
  t.match(record.escalation, { action: 'callback' });
  t.match(channel.transcript, /Li Wei现在接不了电话/);
  t.match(channel.texts[0]?.text, /尝试转接但老板没空/);
});

t.test('profile keywords escalate with reason keyword; refunds with reason complaint', async (t) => {
  const keyword = await call(new InputChannel([speech('is the manager around')]), MONDAY_2PM);
  t.equal(keyword.escalation?.reason, 'keyword');
  const zh = await call(new InputChannel([speech('老板在吗')]), MONDAY_2PM);
  t.equal(zh.escalation?.reason, 'keyword');
  const request = await call(new InputChannel([speech('帮我转人工')]), MONDAY_2PM);
  t.equal(request.escalation?.reason, 'requested', 'a request recognised without the keyword');
  const refund = await call(
    new InputChannel([speech('the cake I bought was stale and I want a refund')]),
    MONDAY_2PM,
  );
  t.equal(refund.escalation?.reason, 'complaint');
  t.equal(refund.escalation?.priority, 'high');
});

t.test('a keyword spotted over the reply is a request for a person, whatever the words say', async (t) => {
  const inputs = [speech('I would like to order a cake for this saturday at 3 pm')];
  // Recognised words decide by themselves: the shop's keyword "manager" escalates with reason keyword.
  const heard = await call(new InputChannel([...inputs, speech('manager')]), MONDAY_2PM);
  t.equal(heard.escalation?.reason, 'keyword');
  const channel = new InputChannel([
    ...inputs,
    speech('manager', { lang: 'en', bargedIn: true, spottedKeyword: 'manager' }),
  ]);
  const spotted = await call(channel, MONDAY_2PM);
  t.match(spotted.escalation, { reason: 'requested', action: 'transferred' });
  t.equal(channel.handoffs.length, 1);
  t.equal(spotted.turns.at(-1)?.intent, 'human');
});

t.test('not understood twice: offers a person and waits for a yes or no', async (t) => {
  const channel = new InputChannel([
    speech('purple monkey dishwasher'),
    speech('zebra quantum lasagna'),
    speech('yes please'),
  ]);
  const record = await call(channel, MONDAY_2PM);
  t.match(channel.transcript, /Sorry, I didn't catch that/);
  t.match(channel.transcript, /Would you like me to get a person/);
  t.equal(channel.listens[2]?.expect, 'yesno');
  t.equal(record.escalation?.reason, 'not_understood');
  t.equal(channel.handoffs.length, 1);
  t.match(channel.handoffs[0]?.brief, /could not be understood|没能听懂/);
});

t.test('recognition failing twice hands the call to the keypad menu', async (t) => {
  const channel = new InputChannel([
    { kind: 'unrecognized', reason: 'no result' },
    { kind: 'unrecognized', reason: 'no result' },
    { kind: 'dtmf', digits: '1' },
    { kind: 'dtmf', digits: '*' },
    { kind: 'hangup' },
  ]);
  const record = await call(channel, MONDAY_2PM);
  const menu = channel.said.findIndex((s) => /按1|Press 1/.test(s.text));
  t.ok(menu > 0, channel.transcript);
  t.equal(channel.listens[2]?.expect, 'digits');
  t.match(channel.said[menu + 1]?.text, /19:00/, 'key 1 gives the opening hours');
  t.equal(channel.said[menu + 2]?.text, channel.said[menu + 1]?.text, '* repeats');
  t.equal(record.outcome, 'resolved');
  t.equal(record.endedBy, 'caller');
});

t.test('without a recognizer for the shop languages, the keypad runs the call from the start', async (t) => {
  const channel = new InputChannel([{ kind: 'dtmf', digits: '2' }, { kind: 'hangup' }], { recognizes: [] });
  await call(channel, MONDAY_2PM);
  t.match(channel.said[2]?.text, /按1|Press 1/);
  t.match(channel.said[3]?.text, /文化路/);
});

t.test('recording consent is announced when the profile records', async (t) => {
  const profile = { ...shop.profile, privacy: { ...shop.profile.privacy, announce_recording: true } };
  const channel = new InputChannel([{ kind: 'hangup' }]);
  await call(channel, MONDAY_2PM, null, profile);
  t.match(channel.said[0]?.text, /录音/);
  t.match(channel.said[1]?.text, /This call is recorded/);
});

t.test('a louder, higher, faster voice over the call escalates on emotion', async (t) => {
  const channel = new InputChannel([
    speech('do you deliver', { voice: { energyDb: -30, pitchHz: 180, rate: 4 } }),
    speech('how much is a birthday cake', { voice: { energyDb: -26, pitchHz: 200, rate: 4.4 } }),
    speech('can I pay by card then', { voice: { energyDb: -20, pitchHz: 240, rate: 5.2 } }),
    speech('where is the shop', { voice: { energyDb: -14, pitchHz: 280, rate: 6 }, emotion: 'ANGRY' }),
  ]);
  const record = await call(channel, MONDAY_2PM);
  t.equal(record.escalation?.reason, 'emotion');
  const course = record.emotion?.perTurn ?? [];
  t.equal(course.length, 3, 'rising over three turns hands over before the fourth');
  t.ok(
    course.every((s, i) => i === 0 || s > (course[i - 1] as number)),
    `rising: ${course.join(', ')}`,
  );
  t.match(channel.handoffs[0]?.brief, /情绪/);
});

t.test('hours for a named day and a closed date; order status by spoken order id', async (t) => {
  const christmas = new InputChannel([
    speech('are you open on the 25th of december'),
    speech('are you open on sunday'),
  ]);
  await call(christmas, MONDAY_2PM);
  t.match(christmas.said[2]?.text, /closed all day/);
  t.match(christmas.said[3]?.text, /08:00 to 12:00 and 14:00 to 18:00/);
  const order = new InputChannel([speech('is my order ready'), speech('it is A one zero two two')]);
  await call(order, MONDAY_2PM, null);
  t.match(order.said[2]?.text, /order number/);
  t.match(order.said[3]?.text, /A1022 is being prepared and should be ready at 10:00 tomorrow/);
});

t.test('a message from a withheld number asks for the callback number and reads it back', async (t) => {
  const channel = new InputChannel([
    speech('can you take a message'),
    speech('Tom'),
    speech('my number is one three eight double zero one three eight zero zero zero'),
    speech('the cake was lovely thank you'),
    speech('no'),
    speech('Tom Baker'),
    speech('one three eight double zero one three eight zero zero zero'),
    speech('the cake was lovely'),
    speech('yes'),
  ]);
  const record = await call(channel, MONDAY_930PM, null);
  t.match(channel.transcript, /\+86 138 0013 8000/);
  t.match(channel.transcript, /let's try again/);
  t.same(record.message, { name: 'Tom Baker', callback: '+8613800138000', text: 'the cake was lovely' });
  t.equal(record.outcome, 'message');
});

t.test('a booking is read back and stored as a request, never promised', async (t) => {
  const channel = new InputChannel([
    speech('I would like to order a cake for this saturday at 3 pm'),
    speech('my name is Sara'),
    speech('a ten inch lemon cake'),
    speech('yes'),
  ]);
  const record = await call(channel, MONDAY_2PM);
  t.same(record.booking, {
    callback: '+8613700001234',
    name: 'Sara',
    date: '2026-11-28',
    time: '15:00',
    details: 'a ten inch lemon cake',
  });
  t.match(channel.transcript, /for Sara on Saturday 28 November at 15:00: a ten inch lemon cake/);
  t.match(channel.transcript, /not yet confirmed/);
  t.equal(record.outcome, 'booking');
});

t.test('never the same prompt more than twice', async (t) => {
  const channel = new InputChannel([
    speech('do you deliver'),
    speech('do you take wechat pay'),
    speech('is there parking'),
    speech('where are you'),
    speech('what time do you close'),
    { kind: 'silence' },
    { kind: 'silence' },
  ]);
  await call(channel, MONDAY_2PM);
  const counts = new Map<string, number>();
  for (const s of channel.said.slice(2))
    for (const sentence of s.text.split(/(?<=[.?!])\s+/))
      counts.set(sentence, (counts.get(sentence) ?? 0) + 1);
  for (const [sentence, n] of counts) t.ok(n <= 2, `"${sentence}" said ${n} times`);
});
