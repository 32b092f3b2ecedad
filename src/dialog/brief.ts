/** The one- or two-sentence brief the owner hears (transfer) or reads (text): who, what, mood, what was tried. */
import type { Lang } from '../config/shop-schema.js';
import type { EscalationReason } from '../records/call-record.js';

/** What the brief is made from. */
export interface BriefFacts {
  name?: string;
  number: string | null;
  /** Intents of the call so far, in order. */
  intents: string[];
  /** The caller's last words, for context. */
  lastWords?: string;
  mood: string;
  reason: EscalationReason;
  /** What the line already did ("answered delivery", "looked up order A1021"). */
  tried: string[];
  /** When a callback is left rather than a transfer. */
  callback?: string;
}

const TOPIC_EN: Record<string, string> = {
  hours: 'opening hours',
  location: 'the address',
  booking: 'a booking',
  order_status: 'an order',
  leave_message: 'leaving a message',
  complaint: 'a complaint',
};
const TOPIC_ZH: Record<string, string> = {
  hours: '营业时间',
  location: '地址',
  booking: '预约',
  order_status: '订单',
  leave_message: '留言',
  complaint: '投诉',
};
const REASON_EN: Record<EscalationReason, string> = {
  requested: 'asked for a person',
  keyword: 'asked for a person',
  emotion: 'is frustrated',
  not_understood: 'could not be understood',
  complaint: 'has a complaint and wants money back',
};
const REASON_ZH: Record<EscalationReason, string> = {
  requested: '要求转人工',
  keyword: '要求转人工',
  emotion: '情绪不满',
  not_understood: '机器没能听懂',
  complaint: '投诉并要求退款',
};

function topics(intents: string[], lang: Lang): string[] {
  const names = lang === 'zh' ? TOPIC_ZH : TOPIC_EN;
  const out: string[] = [];
  for (const intent of intents) {
    const name = intent.startsWith('faq:') ? intent.slice(4).replace(/_/g, ' ') : names[intent];
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Composes the brief in the owner's language. */
export function composeBrief(facts: BriefFacts, lang: Lang): string {
  const about = topics(facts.intents, lang);
  const quote = facts.lastWords
    ? facts.lastWords.length > 80
      ? `${facts.lastWords.slice(0, 77)}…`
      : facts.lastWords
    : '';
  if (lang === 'zh') {
    const who = `${facts.name ?? '来电者'}（${facts.number ?? '未显示号码'}）`;
    const what = about.length > 0 ? `，问的是${about.join('、')}` : '';
    const said = quote ? `，原话："${quote}"` : '';
    const tried = facts.tried.length > 0 ? `已尝试：${facts.tried.join('，')}。` : '';
    const callback = facts.callback ? `请回电${facts.callback}。` : '';
    return `${who}${REASON_ZH[facts.reason]}${what}${said}；情绪：${facts.mood}。${tried}${callback}`;
  }
  const who = `${facts.name ?? 'A caller'} (${facts.number ?? 'number withheld'})`;
  const what = about.length > 0 ? ` about ${about.join(', ')}` : '';
  const said = quote ? `, saying "${quote}"` : '';
  const tried = facts.tried.length > 0 ? ` The line ${facts.tried.join(', ')}.` : '';
  const callback = facts.callback ? ` Please call back on ${facts.callback}.` : '';
  return `${who} ${REASON_EN[facts.reason]}${what}${said}; mood: ${facts.mood}.${tried}${callback}`;
}
