/**
 * A generated month of realistic calls for a shop profile (`linekeeper report --demo`): demand that follows the
 * day and the week in the shop's timezone, FAQs, messages, bookings, escalations with briefs, questions the line
 * could not answer in both languages, mood curves and latencies. Deterministic for a seed and an end time.
 */
import { DateTime } from 'luxon';
import { ulid } from 'ulid';
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import type {
  CallRecord,
  Escalation,
  EscalationReason,
  Outcome,
  TurnRecord,
} from '../records/call-record.js';
import { describeOpening, openingStatus } from '../shop/hours.js';

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Bilingual = Record<Lang, string[]>;

// Relative call volume per local hour: a morning and an after-school peak, a trickle at night.
const HOURLY = [
  0.05, 0.02, 0.02, 0.02, 0.03, 0.08, 0.3, 1, 2, 2.5, 3, 3, 2, 1.8, 2, 2.5, 3, 3, 2.2, 1.5, 1, 0.8, 0.4, 0.15,
];
// Monday first: the weekend is busier for a bakery.
const WEEKDAY = [0.9, 0.9, 1, 1, 1.2, 1.5, 1.1];
const CALLS_PER_DAY = 18;

const HOURS_ASK: Bilingual = {
  en: [
    'what time do you close today',
    'are you open on sunday',
    'what are your opening hours',
    'when do you open tomorrow',
  ],
  zh: ['你们今天几点关门', '星期天开门吗', '营业时间是几点到几点', '明天几点开门'],
};
const WHERE_ASK: Bilingual = {
  en: ['where are you', "what's your address", 'how do I find the shop'],
  zh: ['你们在哪里', '地址是什么', '店怎么走'],
};
const ORDER_ASK: Bilingual = {
  en: ['is my order ready', "I'm calling about order A1022", 'can I pick up my cake now'],
  zh: ['我的订单好了吗', '订单A1022做好了吗', '我的蛋糕可以取了吗'],
};
// What callers ask that the example profile has no answer for, as people phrase it.
const UNANSWERED: { weight: number; ask: Bilingual }[] = [
  {
    weight: 5,
    ask: {
      en: ['do you sell coffee', 'can I get a coffee there', 'do you do lattes'],
      zh: ['你们有咖啡吗', '能买杯咖啡吗', '店里卖咖啡吗'],
    },
  },
  {
    weight: 4,
    ask: {
      en: ['can you print a photo on a cake', 'can I get a picture on my birthday cake'],
      zh: ['蛋糕上可以印照片吗', '能做照片蛋糕吗', '可以定制图案吗'],
    },
  },
  {
    weight: 3,
    ask: {
      en: ['do you have anything vegan', 'are any of your cakes vegetarian'],
      zh: ['有素食的面包吗', '有纯素蛋糕吗'],
    },
  },
  {
    weight: 3,
    ask: {
      en: ['do you have sugar free cakes', 'my father is diabetic is there anything he can eat'],
      zh: ['有无糖的蛋糕吗', '有没有低糖面包', '糖尿病人能吃什么'],
    },
  },
  {
    weight: 2,
    ask: { en: ['are you hiring', 'do you have any job openings'], zh: ['你们招人吗', '还招聘兼职吗'] },
  },
  {
    weight: 2,
    ask: {
      en: ['can I get an invoice for my company', 'do you give receipts'],
      zh: ['可以开发票吗', '能开公司的发票吗'],
    },
  },
  {
    weight: 1,
    ask: {
      en: ['do birthday cakes come with candles', 'are candles included'],
      zh: ['蛋糕送蜡烛吗', '买蛋糕有没有送生日蜡烛'],
    },
  },
];
const NAMES: Bilingual = {
  en: ['Anna Smith', 'David Chen', 'Maria Lopez', 'Tom Baker', 'Grace Liu'],
  zh: ['张敏', '王芳', '李强', '刘洋', '陈静'],
};
const LINE = {
  sorry: {
    en: "Sorry, I don't know that yet. Would you like to leave a message for the owner?",
    zh: '抱歉，这个我还不清楚。要给老板留言吗？',
  },
  again: {
    en: "Sorry, I didn't catch that. Could you say it another way?",
    zh: '不好意思，我没听懂，能换个说法吗？',
  },
  name: { en: 'Sure. What is your name?', zh: '好的，请问您贵姓？' },
  message: { en: 'What would you like to tell the owner?', zh: '请说您的留言。' },
  readBack: { en: 'I have your message. Shall I send it?', zh: '您的留言我记下了，确认发送吗？' },
  sent: { en: 'Thank you, the owner will get back to you.', zh: '谢谢，老板会尽快回复您。' },
  bye: { en: "You're welcome, goodbye.", zh: '不客气，再见。' },
  date: { en: 'For which date?', zh: '哪一天要？' },
  time: { en: 'What time would you like to pick it up?', zh: '几点来取？' },
  details: { en: 'What would you like on the cake?', zh: '蛋糕有什么要求？' },
  booked: {
    en: "Thank you, I've passed your cake order to the owner, who will confirm it.",
    zh: '谢谢，您的蛋糕预订已转给老板，老板会跟您确认。',
  },
  order: { en: 'Order A1022 is ready for pickup.', zh: '订单A1022已经做好了，可以来取。' },
  transfer: { en: "I'll put you through to the owner now.", zh: '我现在帮您转接老板。' },
  callback: {
    en: "The owner can't take the call now; I've asked them to call you back soon.",
    zh: '老板现在不方便接听，我已请老板尽快给您回电。',
  },
  offer: { en: 'Would you like me to get you a person?', zh: '要帮您转人工吗？' },
  listening: { en: 'Are you still there?', zh: '您还在吗？' },
};
const SAY = {
  bye: { en: 'thanks bye', zh: '谢谢，再见' },
  yes: { en: 'yes please', zh: '好的' },
  no: { en: 'no thanks bye', zh: '不用了，再见' },
  message: { en: 'can I leave a message for the owner', zh: '我想给老板留个言' },
  messageText: { en: 'please call me back about a large order for friday', zh: '星期五想订一批面包，请回电' },
  booking: { en: "I'd like to order a birthday cake", zh: '我想订一个生日蛋糕' },
  date: { en: 'this saturday', zh: '这个星期六' },
  time: { en: 'around three in the afternoon', zh: '下午三点' },
  details: { en: 'eight inch chocolate with happy birthday on it', zh: '八寸巧克力的，写生日快乐' },
};
const ESCALATIONS: Record<EscalationReason, { say: Bilingual; brief: Record<Lang, string> }> = {
  complaint: {
    say: {
      en: ['the cake I bought yesterday was stale', 'I want my money back'],
      zh: ['昨天买的蛋糕不新鲜', '我要退款'],
    },
    brief: {
      en: 'Caller says yesterday’s cake was stale and wants a refund; upset. The line could not promise anything.',
      zh: '顾客说昨天的蛋糕不新鲜，要求退款，情绪激动，线路无法答复。',
    },
  },
  emotion: {
    say: {
      en: ['my order was supposed to be ready an hour ago', "I've been waiting forever this is ridiculous"],
      zh: ['我的蛋糕说好十点好，现在还没好', '等了一个小时了，太慢了'],
    },
    brief: {
      en: 'Caller’s cake order is late and they have been waiting an hour; very upset.',
      zh: '顾客的蛋糕订单晚了，已经等了一个小时，非常生气。',
    },
  },
  requested: {
    say: { en: ['can I talk to someone please'], zh: ['我想跟人说话'] },
    brief: {
      en: 'Caller asked for a person straight away without saying why.',
      zh: '顾客一开始就要求转人工，没有说明原因。',
    },
  },
  keyword: {
    say: { en: ['let me speak to the manager'], zh: ['我要找老板'] },
    brief: { en: 'Caller asked for the manager.', zh: '顾客要求找老板。' },
  },
  not_understood: {
    say: {
      en: ['the thing for the party the big one', 'the one with the, you know, for the kids'],
      zh: ['那个，就是上次那种大的', '给小孩子的那个嘛'],
    },
    brief: {
      en: 'The line did not understand the caller twice (something for a children’s party); offered a person.',
      zh: '线路两次没听懂顾客（好像是儿童聚会要的东西），已转人工。',
    },
  },
};

/** Options of the demo month. */
export interface DemoOptions {
  /** The moment the month ends (calls after it are not generated). */
  end: Date;
  days?: number;
  seed?: number;
}

/** Generates a month (by default) of calls for a profile, oldest first. */
export function generateDemoCalls(profile: ShopProfile, options: DemoOptions): CallRecord[] {
  const random = seededRandom(options.seed ?? 20261123);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const weighted = <T>(entries: readonly (readonly [T, number])[]): T => {
    let r = random() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  };
  const zone = profile.timezone;
  const end = DateTime.fromJSDate(options.end, { zone });
  const days = options.days ?? 30;
  const langs = profile.languages;
  const records: CallRecord[] = [];

  for (let d = days - 1; d >= 0; d--) {
    const day = end.startOf('day').minus({ days: d });
    const count = Math.round(CALLS_PER_DAY * (WEEKDAY[day.weekday - 1] ?? 1) * (0.75 + 0.5 * random()));
    for (let c = 0; c < count; c++) {
      const hour = weighted(HOURLY.map((w, h) => [h, w] as const));
      const start = day.set({ hour, minute: Math.floor(random() * 60), second: Math.floor(random() * 60) });
      if (start > end) continue;
      const lang: Lang =
        langs.length > 1 ? (random() < 0.62 ? (langs[0] ?? 'zh') : (langs[1] ?? 'en')) : (langs[0] ?? 'en');
      records.push(oneCall(start, lang));
    }
  }
  return records.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));

  function oneCall(start: DateTime, lang: Lang): CallRecord {
    const open = openingStatus(profile, start.toJSDate()).open;
    let clock = start.plus({ seconds: 6 });
    let mood = random() * 0.15;
    const turns: TurnRecord[] = [];
    const turn = (
      reply: string,
      heard: {
        transcript?: string;
        dtmf?: string;
        intent?: string;
        confidence?: number;
        slots?: Record<string, string>;
      },
      moodChange = 0,
    ) => {
      mood = Math.min(1, Math.max(0, mood + moodChange + (random() - 0.5) * 0.06));
      const endpointing = 200 + Math.round(random() * 150);
      const recognition = 180 + Math.round(-Math.log(1 - random()) * 220);
      const understanding = 20 + Math.round(random() * 40);
      const synthesis = 150 + Math.round(-Math.log(1 - random()) * 120);
      turns.push({
        at: clock.toISO() ?? '',
        ...heard,
        ...(heard.transcript || heard.dtmf ? { lang } : {}),
        frustration: Math.round(mood * 100) / 100,
        reply,
        latency: {
          endpointing,
          recognition,
          understanding,
          synthesis,
          total: endpointing + recognition + understanding + synthesis,
        },
      });
      clock = clock.plus({ seconds: 5 + Math.round(random() * 10) });
    };
    const confident = () => 0.72 + Math.round(random() * 26) / 100;
    const unsure = () => 0.15 + Math.round(random() * 30) / 100;
    const goodbye = () =>
      turn(LINE.bye[lang], { transcript: SAY.bye[lang], intent: 'thanks', confidence: confident() });
    const leaveMessage = () => {
      turn(LINE.message[lang], { transcript: pick(NAMES[lang]) });
      turn(LINE.readBack[lang], { transcript: SAY.messageText[lang] });
      turn(LINE.sent[lang], { transcript: SAY.yes[lang], intent: 'affirm', confidence: confident() });
    };
    const callerNumber =
      random() < 0.1 ? null : `+86139${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    let outcome: Outcome = 'resolved';
    let escalation: Escalation | undefined;
    let message: CallRecord['message'];
    let booking: CallRecord['booking'];

    const kind = weighted<string>([
      ['hours', open ? 14 : 26],
      ['location', 7],
      ['faq', 24],
      ['order', open ? 8 : 4],
      ['message', open ? 6 : 12],
      ['booking', 9],
      ['unanswered', 13],
      ['escalation', 7],
      ['abandoned', 4],
    ]);
    switch (kind) {
      case 'hours':
      case 'location': {
        const asks = kind === 'hours' ? HOURS_ASK : WHERE_ASK;
        const reply =
          kind === 'hours'
            ? describeOpening(openingStatus(profile, start.toJSDate()), lang)
            : (profile.address[lang] ?? '');
        turn(reply, { transcript: pick(asks[lang]), intent: kind, confidence: confident() });
        goodbye();
        break;
      }
      case 'faq': {
        const entry = pick(profile.faq);
        turn(entry.answer[lang] ?? '', {
          transcript: pick(entry.examples[lang] ?? [entry.id]),
          intent: `faq:${entry.id}`,
          confidence: confident(),
        });
        if (random() < 0.3) {
          const other = pick(profile.faq);
          turn(other.answer[lang] ?? '', {
            transcript: pick(other.examples[lang] ?? [other.id]),
            intent: `faq:${other.id}`,
            confidence: confident(),
          });
        }
        goodbye();
        break;
      }
      case 'order':
        turn(LINE.order[lang], {
          transcript: pick(ORDER_ASK[lang]),
          intent: 'order_status',
          confidence: confident(),
        });
        goodbye();
        break;
      case 'message': {
        const name = pick(NAMES[lang]);
        turn(LINE.name[lang], {
          transcript: SAY.message[lang],
          intent: 'leave_message',
          confidence: confident(),
        });
        leaveMessage();
        outcome = 'message';
        message = { name, text: SAY.messageText[lang], ...(callerNumber ? { callback: callerNumber } : {}) };
        break;
      }
      case 'booking': {
        const name = pick(NAMES[lang]);
        turn(LINE.name[lang], { transcript: SAY.booking[lang], intent: 'booking', confidence: confident() });
        turn(LINE.date[lang], { transcript: name });
        turn(LINE.time[lang], { transcript: SAY.date[lang] });
        turn(LINE.details[lang], { transcript: SAY.time[lang] });
        turn(LINE.readBack[lang], { transcript: SAY.details[lang] });
        turn(LINE.booked[lang], { transcript: SAY.yes[lang], intent: 'affirm', confidence: confident() });
        outcome = 'booking';
        booking = { name, date: SAY.date[lang], time: SAY.time[lang], details: SAY.details[lang] };
        if (callerNumber) booking.callback = callerNumber;
        break;
      }
      case 'unanswered': {
        const topic = weighted(UNANSWERED.map((u) => [u, u.weight] as const));
        const none = random() < 0.7;
        turn(
          LINE.sorry[lang],
          {
            transcript: pick(topic.ask[lang]),
            intent: none ? 'none' : 'faq:birthday_cakes',
            confidence: unsure(),
          },
          0.1,
        );
        const next = random();
        if (next < 0.45) {
          turn(LINE.name[lang], { transcript: SAY.yes[lang], intent: 'affirm', confidence: confident() });
          leaveMessage();
          outcome = 'message';
          message = { name: pick(NAMES[lang]), text: pick(topic.ask[lang]) };
        } else if (next < 0.8) {
          turn(LINE.bye[lang], { transcript: SAY.no[lang], intent: 'deny', confidence: confident() });
        } else {
          outcome = 'abandoned';
        }
        break;
      }
      case 'escalation': {
        const reason = weighted<EscalationReason>([
          ['complaint', 2],
          ['emotion', 3],
          ['requested', 2],
          ['keyword', 2],
          ['not_understood', 2],
        ]);
        const script = ESCALATIONS[reason];
        if (reason === 'requested' && random() < 0.4) turn(LINE.transfer[lang], { dtmf: '0' });
        else if (reason === 'not_understood') {
          for (const said of script.say[lang])
            turn(LINE.again[lang], { transcript: said, intent: 'none', confidence: unsure() }, 0.2);
          turn(
            LINE.offer[lang],
            { transcript: SAY.yes[lang], intent: 'affirm', confidence: confident() },
            0.05,
          );
        } else {
          const intent =
            reason === 'complaint' ? 'complaint' : reason === 'emotion' ? 'order_status' : 'human';
          const rise = reason === 'emotion' ? 0.35 : reason === 'complaint' ? 0.3 : 0.05;
          for (const said of script.say[lang])
            turn(LINE.again[lang], { transcript: said, intent, confidence: confident() }, rise);
        }
        const action = open && profile.escalation.transfer_during_hours ? 'transferred' : 'callback';
        const last = turns[turns.length - 1];
        if (last) last.reply = action === 'transferred' ? LINE.transfer[lang] : LINE.callback[lang];
        outcome = 'escalated';
        escalation = {
          reason,
          brief: script.brief[lang],
          priority: reason === 'complaint' || reason === 'emotion' ? 'high' : 'normal',
          action,
        };
        break;
      }
      default:
        turn(LINE.listening[lang], {});
        outcome = 'abandoned';
    }
    const perTurn = turns.map((t) => t.frustration ?? 0);
    const record: CallRecord = {
      id: ulid(start.toMillis(), random),
      startedAt: start.toUTC().toISO() ?? '',
      answeredAt: start.plus({ seconds: 4 }).toUTC().toISO() ?? '',
      endedAt: clock.toUTC().toISO() ?? '',
      callerNumber,
      lang,
      turns,
      outcome,
      emotion: { perTurn, peak: Math.max(0, ...perTurn) },
      endedBy: outcome === 'abandoned' ? 'caller' : 'line',
    };
    if (escalation) record.escalation = escalation;
    if (message) record.message = message;
    if (booking) record.booking = booking;
    return record;
  }
}
