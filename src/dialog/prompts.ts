/**
 * Everything the line says that is not the shop's own text, in English and Mandarin, with variants so that the
 * line never says the same prompt more than twice in a call and acknowledgements do not sound canned.
 */
import type { Lang } from '../config/shop-schema.js';

/** Values a prompt may use. */
export type PromptVars = Record<string, string>;
type Render = (v: PromptVars) => string;

const PROMPTS = {
  ack: {
    en: [() => 'Sure.', () => 'Of course.', () => 'Okay.', () => 'Got it.'],
    zh: [() => '好的。', () => '没问题。', () => '明白。', () => '好。'],
  },
  anythingElse: {
    en: [
      () => 'Anything else I can help with?',
      () => 'Is there anything else?',
      () => 'What else can I do for you?',
    ],
    zh: [() => '还有什么可以帮您？', () => '还有别的问题吗？', () => '还需要什么帮助吗？'],
  },
  anythingElseNamed: {
    en: [
      (v: PromptVars) => `Anything else, ${v.name}?`,
      (v: PromptVars) => `Is there anything else, ${v.name}?`,
    ],
    zh: [
      (v: PromptVars) => `${v.name}，还有什么可以帮您？`,
      (v: PromptVars) => `${v.name}，还有别的问题吗？`,
    ],
  },
  whatElse: {
    en: [() => 'Go ahead, what else?', () => 'Sure, what would you like to know?'],
    zh: [() => '好的，请说。', () => '您请讲。'],
  },
  recording: { en: [() => 'This call is recorded.'], zh: [() => '本次通话将会录音。'] },
  notUnderstood: {
    en: [
      (v: PromptVars) =>
        `Sorry, I didn't catch that. You can ask about ${v.topics}, or press 0 for a person.`,
      () => "Sorry, I'm not sure what you mean. Could you say it another way?",
      () => "I'm sorry, I still didn't get that.",
    ],
    zh: [
      (v: PromptVars) => `抱歉，我没听明白。您可以问${v.topics}，或者按0转人工。`,
      () => '不好意思，我没太明白，能换个说法吗？',
      () => '抱歉，我还是没听懂。',
    ],
  },
  offerPerson: {
    en: [
      () => "I'm sorry I'm not getting this. Would you like me to get a person for you?",
      () => 'Shall I get someone from the shop for you?',
    ],
    zh: [() => '抱歉，我没能理解。需要我帮您转给工作人员吗？', () => '要不要我帮您找店里的人？'],
  },
  yesOrNo: {
    en: [() => 'Sorry, was that a yes or a no?', () => 'Please say yes or no.'],
    zh: [() => '抱歉，是还是不是呢？', () => '请说"是"或者"不是"。'],
  },
  stillThere: {
    en: [() => 'Are you still there?', () => 'Hello, are you still there?'],
    zh: [() => '您还在吗？', () => '喂，您还在吗？'],
  },
  hangUpSilent: {
    en: [() => "I'll hang up now. Please call again any time. Goodbye."],
    zh: [() => '我先挂了，欢迎随时再打来。再见。'],
  },
  goodbye: {
    en: [
      (v: PromptVars) => `Thanks for calling ${v.shop}. Goodbye!`,
      (v: PromptVars) => `Thank you for calling ${v.shop}. Have a nice day!`,
    ],
    zh: [(v: PromptVars) => `感谢致电${v.shop}，再见！`, () => '谢谢您的来电，祝您愉快，再见！'],
  },
  welcome: { en: [() => "You're welcome."], zh: [() => '不客气。'] },
  keypadMenu: {
    en: [
      (v: PromptVars) => `Let's use the keypad. ${v.items} Press 0 for a person, or star to hear this again.`,
    ],
    zh: [(v: PromptVars) => `请用电话按键选择。${v.items}按0转人工，按星号键重听。`],
  },
  keypadItem: {
    en: [(v: PromptVars) => `Press ${v.key} for ${v.topic}.`],
    zh: [(v: PromptVars) => `${v.topic}请按${v.key}。`],
  },
  keypadUnknown: { en: [() => "That key isn't on the menu."], zh: [() => '没有这个选项。'] },
  askName: {
    en: [() => 'May I have your name, please?', () => 'Could you tell me your name again?'],
    zh: [() => '请问您怎么称呼？', () => '麻烦再说一下您的姓名？'],
  },
  askCallback: {
    en: [
      () => 'What number should we call you back on?',
      () => 'Could you say your phone number again, digit by digit?',
    ],
    zh: [() => '请问回电号码是多少？', () => '麻烦再一位一位地说一下您的电话号码？'],
  },
  askMessage: {
    en: [() => "What's the message?", () => 'Please tell me the message again.'],
    zh: [() => '请说您要留的话。', () => '请再说一下您的留言。'],
  },
  askDate: {
    en: [
      (v: PromptVars) => `What day would you like for the ${v.what}?`,
      () => 'Which day was that? For example, this Saturday, or the fifth of December.',
    ],
    zh: [(v: PromptVars) => `${v.what}想约哪一天？`, () => '请问是哪一天？比如"这周六"或者"12月5号"。'],
  },
  askTime: {
    en: [() => 'And what time?', () => 'What time would suit you? For example, three in the afternoon.'],
    zh: [() => '几点呢？', () => '请问几点合适？比如"下午三点"。'],
  },
  askDetails: {
    en: [
      (v: PromptVars) => `What would you like for the ${v.what}? Tell me the details.`,
      () => 'Could you tell me the details again?',
    ],
    zh: [(v: PromptVars) => `请说一下${v.what}的具体要求。`, () => '麻烦再说一下具体要求？'],
  },
  askPartySize: {
    en: [() => 'For how many people?', () => 'How many people will there be?'],
    zh: [() => '请问几位？', () => '一共几个人？'],
  },
  readBackMessage: {
    en: [
      (v: PromptVars) =>
        `Let me read that back. From ${v.name}, call back on ${v.callback}: "${v.text}". Is that right?`,
    ],
    zh: [(v: PromptVars) => `我复述一下：${v.name}，回电号码${v.callback}，留言："${v.text}"。对吗？`],
  },
  messageTaken: {
    en: [(v: PromptVars) => `Thank you, ${v.name}. I'll pass your message to ${v.owner}.`],
    zh: [(v: PromptVars) => `谢谢${v.name}，我会把留言转给${v.owner}。`],
  },
  readBackBooking: {
    en: [(v: PromptVars) => `Let me read that back: a ${v.what} request${v.summary}. Is that right?`],
    zh: [(v: PromptVars) => `我复述一下：${v.what}申请${v.summary}。对吗？`],
  },
  bookingTaken: {
    en: [
      (v: PromptVars) =>
        `Thank you, ${v.name}. This is a request, not yet confirmed: ${v.owner} will call you on ${v.callback} to confirm it.`,
    ],
    zh: [(v: PromptVars) => `谢谢${v.name}。这是预约申请，还没有确认：${v.owner}会打${v.callback}跟您确认。`],
  },
  startOver: { en: [() => "Sorry about that, let's try again."], zh: [() => '抱歉，我们重新来一遍。'] },
  bookingsOff: {
    en: [
      (v: PromptVars) =>
        `I can't take bookings over the phone, but I can take a message for ${v.owner}. Would you like to leave one?`,
    ],
    zh: [(v: PromptVars) => `电话里暂时不能预约，不过我可以帮您给${v.owner}留言。需要留言吗？`],
  },
  askOrderId: {
    en: [() => "What's your order number?", () => 'Could you say the order number again, letter by letter?'],
    zh: [() => '请问您的订单号是多少？', () => '麻烦再一位一位地说一下订单号？'],
  },
  orderNotFound: {
    en: [
      (v: PromptVars) =>
        `I can't find an order ${v.id}. I can take a message for ${v.owner} instead. Would you like that?`,
    ],
    zh: [(v: PromptVars) => `没有找到订单${v.id}。我可以帮您给${v.owner}留言，需要吗？`],
  },
  ordersOff: {
    en: [
      (v: PromptVars) =>
        `I can't look up orders here, but I can take a message for ${v.owner}. Would you like that?`,
    ],
    zh: [(v: PromptVars) => `这里查不了订单，不过可以帮您给${v.owner}留言，需要吗？`],
  },
  sorryComplaint: {
    en: [
      (v: PromptVars) =>
        `I'm really sorry about that. Would you like me to pass this straight to ${v.owner}?`,
    ],
    zh: [(v: PromptVars) => `非常抱歉给您带来不好的体验。需要我直接转告${v.owner}吗？`],
  },
  transferring: {
    en: [(v: PromptVars) => `${v.lead}I'll put you through to ${v.owner} now. Please hold.`],
    zh: [(v: PromptVars) => `${v.lead}我现在帮您转接${v.owner}，请稍等。`],
  },
  ownerIntro: {
    en: [(v: PromptVars) => `A call for you from the ${v.shop} line.`],
    zh: [(v: PromptVars) => `${v.shop}热线有来电转给您。`],
  },
  ownerConnecting: {
    en: [() => 'Putting them through now.'],
    zh: [() => '现在为您接通。'],
  },
  ownerAsk: {
    en: [() => 'Press 1 to take the call, or 2 for a callback request.'],
    zh: [() => '接听请按1，改为回电请按2。'],
  },
  ownerNoAnswer: {
    en: [(v: PromptVars) => `I'm sorry, ${v.owner} can't pick up right now.`],
    zh: [(v: PromptVars) => `抱歉，${v.owner}现在接不了电话。`],
  },
  closedNow: {
    en: [() => "We're closed right now, so nobody can take the call."],
    zh: [() => '我们现在不营业，暂时没有人接听。'],
  },
  callbackTaken: {
    en: [
      (v: PromptVars) =>
        `${v.lead}I've asked ${v.owner} to call you back on ${v.callback} ${v.when}. Thank you for your patience. Goodbye.`,
    ],
    zh: [
      (v: PromptVars) => `${v.lead}我已经请${v.owner}${v.when}打${v.callback}给您回电。感谢您的耐心，再见。`,
    ],
  },
  leadUpset: { en: [() => "I'm sorry this has been frustrating. "], zh: [() => '很抱歉让您不愉快。'] },
  leadRequested: { en: [() => 'Of course. '], zh: [() => '好的。'] },
  noNumber: { en: [() => 'no number'], zh: [() => '无号码'] },
} satisfies Record<string, Record<Lang, Render[]>>;

/** A prompt's name. */
export type PromptKey = keyof typeof PROMPTS;

/** Picks prompt variants for one call: each variant in turn, so no text is said more than twice. */
export class Prompter {
  readonly #used = new Map<string, number>();

  /** The text of a prompt in a language, advancing to its next variant. */
  say(key: PromptKey, lang: Lang, vars: PromptVars = {}): string {
    const variants = PROMPTS[key][lang] as Render[];
    const id = `${key}:${lang}`;
    const count = this.#used.get(id) ?? 0;
    this.#used.set(id, count + 1);
    return (variants[count % variants.length] as Render)(vars);
  }

  /** How many times a prompt was said. */
  count(key: PromptKey, lang: Lang): number {
    return this.#used.get(`${key}:${lang}`) ?? 0;
  }
}
