/**
 * What English callers are expected to say to a shop's line, as weighted training sentences for the open-speech
 * language model: the shop profile (FAQ examples, its answers' words, escalation keywords, names, address), the
 * NLU's built-in intent examples (off-topic ones weakly) and synonym words, the questions again after a greeting,
 * and generic answers to the line's own questions (names, numbers, dates and times, order codes) and frustrated
 * remarks, which the intent examples do not cover.
 *
 * Answer templates have slots (`{given}`, `{digit}` …); each template is spread over many fillers with its weight
 * shared between them, so the model knows "my name is" is followed by some name without favouring one.
 */
import type { ShopProfile } from '../../config/shop-schema.js';
import { BUILTIN_EXAMPLES, BUILTIN_INTENTS } from '../../nlu/data/builtin-intents.js';
import { CONCEPTS } from '../../nlu/data/concepts.js';
import { prng } from '../../nlu/softmax.js';
import type { WeightedSentence } from './language-model.js';

/** Lowercases and drops what a pronouncing dictionary cannot read (digits, punctuation other than apostrophes). */
export function normalisePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’']/g, "'")
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const SLOTS: Record<string, readonly string[]> = {
  given: [
    'david',
    'michael',
    'john',
    'james',
    'robert',
    'william',
    'richard',
    'thomas',
    'daniel',
    'paul',
    'mark',
    'peter',
    'kevin',
    'steven',
    'andrew',
    'brian',
    'tony',
    'eric',
    'jason',
    'alex',
    'sam',
    'tom',
    'ben',
    'jack',
    'harry',
    'chris',
    'mary',
    'anna',
    'sarah',
    'lisa',
    'emma',
    'linda',
    'susan',
    'karen',
    'nancy',
    'laura',
    'helen',
    'amy',
    'emily',
    'jessica',
    'grace',
    'lucy',
    'kate',
    'maria',
    'sophie',
    'rachel',
    'jenny',
    'alice',
    'wei',
    'ming',
    'jing',
    'fang',
    'lei',
    'jun',
    'yan',
    'ling',
    'hong',
    'hui',
    'ping',
    'min',
  ],
  surname: [
    'smith',
    'johnson',
    'brown',
    'jones',
    'miller',
    'davis',
    'wilson',
    'taylor',
    'clark',
    'lewis',
    'walker',
    'hall',
    'young',
    'king',
    'green',
    'baker',
    'adams',
    'nelson',
    'hill',
    'moore',
    'white',
    'martin',
    'lee',
    'wang',
    'li',
    'zhang',
    'liu',
    'chen',
    'yang',
    'huang',
    'zhao',
    'wu',
    'zhou',
    'xu',
    'sun',
    'ma',
    'zhu',
    'hu',
    'guo',
    'he',
    'lin',
    'luo',
    'gao',
    'liang',
    'song',
    'tang',
    'han',
    'feng',
    'deng',
    'cao',
    'peng',
    'zeng',
    'xiao',
    'tian',
    'dong',
    'pan',
    'yuan',
    'cai',
    'jiang',
    'yu',
    'du',
    'ye',
    'cheng',
    'wei',
    'shen',
    'lu',
    'ding',
    'ren',
  ],
  digit: ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  letter: [
    'a',
    'b',
    'c',
    'd',
    'e',
    'f',
    'g',
    'h',
    'j',
    'k',
    'l',
    'm',
    'n',
    'p',
    'r',
    's',
    't',
    'x',
    'y',
    'z',
  ],
  day: [
    'today',
    'tomorrow',
    'the day after tomorrow',
    'this weekend',
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
    'sunday',
    'this saturday',
    'this sunday',
    'next monday',
    'next friday',
    'next week',
    'next month',
    'the first',
    'the second',
    'the third',
    'the tenth',
    'the fifteenth',
    'the twentieth',
    'the twenty eighth',
    'the thirtieth',
  ],
  month: [
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
  ],
  time: [
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
    'ten',
    'eleven',
    'twelve',
    'noon',
    'midday',
    'three pm',
    'ten am',
    "two o'clock",
    'half past two',
    'half past ten',
    'quarter past nine',
    'quarter to five',
    'three thirty',
    'eleven fifteen',
    'four forty five',
    'ten in the morning',
    'three in the afternoon',
    'six in the evening',
  ],
  number: [
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'eight',
    'ten',
    'twelve',
    'twenty',
    'fifty',
    'a hundred',
  ],
};

/** How English callers answer the line's questions and talk around them; `{slot}` takes a filler of SLOTS. */
const ANSWER_TEMPLATES: readonly string[] = [
  'my name is {given} {surname}',
  'my name is {given}',
  'my name is {surname}',
  'it is {given} {surname}',
  'this is {given} {surname}',
  "i'm {given}",
  '{given} {surname}',
  '{given}',
  'mister {surname}',
  'miss {surname}',
  'my number is {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit}',
  'you can call me on {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit}',
  '{digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit} {digit}',
  '{digit} {digit} {digit} {digit}',
  'my order number is {letter} {digit} {digit} {digit} {digit}',
  'order {letter} {digit} {digit} {digit} {digit}',
  '{letter} {digit} {digit} {digit} {digit}',
  '{day}',
  '{day} at {time}',
  'on {day}',
  'on {day} at {time}',
  'at {time}',
  'around {time}',
  'on the {number} of {month}',
  '{month} {number}',
  '{number} people',
  '{number} of them',
  'a {number} inch one',
  'for {number} please',
  'please call me back about {number} things',
  'it is about my order',
  'i just wanted to ask something',
  'i will call back later',
  'i have a question',
  'hold on a second',
  'just a moment',
  'sorry i did not hear that',
  'yes please',
  'no thank you',
  'that is right',
  'that is all thank you',
  'no that is all',
  'nothing else thanks',
  'this is ridiculous',
  'this is unbelievable',
  'i have been waiting for hours',
  'i have been waiting for a long time',
  'nobody answers the phone',
  'nobody picks up',
  'no one called me back',
  'i am really angry',
  'i am very upset',
  'i am so frustrated',
  'i am fed up with this',
  'this is the worst service ever',
  'this is terrible',
  'what is wrong with you people',
  'how many times do i have to call',
  'i want this fixed right now',
  'this is not good enough',
  'you people are useless',
];

/** What a caller may call about, so may say straight after a greeting (not "thanks" or "no"). */
const OPENING_INTENTS = [
  'hours',
  'location',
  'booking',
  'order_status',
  'leave_message',
  'human',
  'complaint',
] as const;

/** How callers open a call before their question. */
const OPENERS = [
  'hello',
  'hi',
  'hello there',
  'hi there',
  'good morning',
  'good afternoon',
  'yes hello',
  'hey',
];

/** How much a source counts relative to one built-in intent example. */
const WEIGHT = {
  builtIn: 1,
  // Off-topic examples give speech about other things words to come out as (so it reads as `none`), not word
  // sequences to compete with shop talk: at 1 or 0.3 "thanks bye" became "them to buy a" ("I want to buy a car")
  // in 3 of 5 audio calls, at 0.1 in none of 5, with out-of-scope questions still heard as `none` as often.
  offTopic: 0.1,
  opener: 0.25,
  faqExample: 3,
  faqAnswer: 0.35,
  keyword: 1,
  shopFact: 0.5,
  synonym: 0.2,
  template: 2,
};
/** Filled copies of each answer template (every filler of every slot appears at least once at this size). */
const SAMPLES_PER_TEMPLATE = 120;

/** Fills a template's slots, SAMPLES_PER_TEMPLATE times, each filler shuffled in turn so all of them appear. */
function expandTemplate(template: string, weight: number, random: () => number): WeightedSentence[] {
  const slots = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  if (slots.length === 0) return [sentence(template, weight)];
  const queues = slots.map(() => [] as string[]);
  const next = (i: number): string => {
    const queue = queues[i] as string[];
    if (queue.length === 0) {
      const fillers = SLOTS[slots[i] as string];
      if (fillers === undefined) throw new TypeError(`answer template slot {${slots[i]}} has no fillers`);
      const shuffled = [...fillers];
      for (let k = shuffled.length - 1; k > 0; k--) {
        const j = Math.floor(random() * (k + 1));
        [shuffled[k], shuffled[j]] = [shuffled[j] as string, shuffled[k] as string];
      }
      queue.push(...shuffled);
    }
    return queue.pop() as string;
  };
  const out: WeightedSentence[] = [];
  for (let s = 0; s < SAMPLES_PER_TEMPLATE; s++) {
    let slot = 0;
    const text = template.replace(/\{(\w+)\}/g, () => next(slot++));
    out.push(sentence(text, weight / SAMPLES_PER_TEMPLATE));
  }
  return out;
}

function sentence(text: string, weight: number): WeightedSentence {
  return {
    words: normalisePhrase(text)
      .split(' ')
      .filter((w) => w !== ''),
    weight,
  };
}

/** The weighted English sentences a shop's callers are expected to say (plus any extra phrases). */
export function callerSentences(profile: ShopProfile, extra: readonly string[] = []): WeightedSentence[] {
  const random = prng(11);
  const shopFacts = [
    profile.name.en,
    profile.address.en,
    `can i speak to ${profile.owner.name}`,
    profile.bookings.what?.en,
  ];
  const questions = [
    ...OPENING_INTENTS.flatMap((intent) => BUILTIN_EXAMPLES[intent].en),
    ...profile.faq.flatMap((faq) => faq.examples.en ?? []),
  ];
  return [
    // Callers often greet first ("hello, I am calling to…"): each question again after one of the openers.
    ...OPENERS.map((o) => sentence(o, WEIGHT.builtIn)),
    ...questions.map((q, i) => sentence(`${OPENERS[i % OPENERS.length]} ${q}`, WEIGHT.opener)),
    ...BUILTIN_INTENTS.flatMap((intent) =>
      BUILTIN_EXAMPLES[intent].en.map((t) =>
        sentence(t, intent === 'none' ? WEIGHT.offTopic : WEIGHT.builtIn),
      ),
    ),
    ...profile.faq.flatMap((faq) => [
      ...(faq.examples.en ?? []).map((t) => sentence(t, WEIGHT.faqExample)),
      ...(faq.answer.en === undefined
        ? []
        : faq.answer.en.split(/[.!?]\s*/).map((t) => sentence(t, WEIGHT.faqAnswer))),
    ]),
    ...(profile.escalation.keywords.en ?? []).map((t) => sentence(t, WEIGHT.keyword)),
    ...shopFacts.flatMap((t) => (t === undefined ? [] : [sentence(t, WEIGHT.shopFact)])),
    // Whole words and phrases only: an entry ending in `*` is a stem ("reserv*"), not something a caller says.
    ...CONCEPTS.flatMap((c) => c.en.filter((t) => !t.endsWith('*')).map((t) => sentence(t, WEIGHT.synonym))),
    ...extra.map((t) => sentence(t, WEIGHT.builtIn)),
    ...ANSWER_TEMPLATES.flatMap((t) => expandTemplate(t, WEIGHT.template, random)),
  ].filter((s) => s.words.length > 0);
}
