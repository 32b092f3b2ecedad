/**
 * Dates and times in what callers say, relative to the moment of the call in the shop's timezone:
 * "this Saturday at 3 pm", "tomorrow morning", "the 5th of December", "明天上午十点", "下周四", "12月3号下午两点半".
 * Weeks start on Monday: "this Saturday" is the Saturday of the current week, "next Thursday" / "下周四" the
 * Thursday of the following week, a bare weekday the next one to come (today included).
 */
import { DateTime } from 'luxon';
import { englishWords } from '../features.js';
import { isEnglishNumberWord, parseChineseNumber, parseEnglishNumber, ZH_NUMERAL_CHARS } from './numbers.js';

/** A date and/or a time of day found in an utterance. */
export interface DateTimeSlots {
  /** YYYY-MM-DD in the shop's timezone. */
  date?: string;
  /** HH:MM, 24-hour. */
  time?: string;
}

const EN_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const EN_MONTHS = [
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
];
const ZH_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7 };

function iso(day: DateTime): string {
  return day.toISODate() as string;
}

function clock(hour: number, minute: number): string | undefined {
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** The day of a weekday (1 = Monday) in this week, next week, or the next one to come. */
function weekday(today: DateTime, target: number, which: 'this' | 'next' | 'coming'): DateTime {
  if (which === 'this') return today.plus({ days: target - today.weekday });
  if (which === 'next') return today.plus({ days: 7 - today.weekday + target });
  return today.plus({ days: (target - today.weekday + 7) % 7 });
}

/** A day of the month, this month or the next when it has passed. */
function dayOfMonth(today: DateTime, day: number, month?: number): DateTime | undefined {
  let candidate = DateTime.fromObject(
    { year: today.year, month: month ?? today.month, day },
    { zone: today.zone },
  );
  if (!candidate.isValid) return undefined;
  if (candidate < today)
    candidate = month === undefined ? candidate.plus({ months: 1 }) : candidate.plus({ years: 1 });
  return candidate.isValid ? candidate : undefined;
}

function englishDate(words: string[], today: DateTime): DateTime | undefined {
  const text = ` ${words.join(' ')} `;
  if (/ day after tomorrow /.test(text)) return today.plus({ days: 2 });
  if (/ (today|tonight|this (morning|afternoon|evening)) /.test(text)) return today;
  if (/ tomorrow /.test(text)) return today.plus({ days: 1 });
  for (const [i, name] of EN_WEEKDAYS.entries()) {
    const m = new RegExp(` (this|next|coming|on)? ?${name} `).exec(text);
    if (m) return weekday(today, i + 1, m[1] === 'this' ? 'this' : m[1] === 'next' ? 'next' : 'coming');
  }
  for (const [i, name] of EN_MONTHS.entries()) {
    const after = new RegExp(` ${name} (?:the )?(\\d{1,2})(?:st|nd|rd|th)? `).exec(text);
    const before = new RegExp(` (?:the )?(\\d{1,2})(?:st|nd|rd|th)? of ${name} `).exec(text);
    const day = after?.[1] ?? before?.[1];
    if (day !== undefined) return dayOfMonth(today, Number(day), i + 1);
  }
  const ordinal = / the (\d{1,2})(?:st|nd|rd|th) /.exec(text);
  if (ordinal) return dayOfMonth(today, Number(ordinal[1]));
  return undefined;
}

function englishTime(words: string[]): string | undefined {
  const text = ` ${words.join(' ')} `;
  if (/ (noon|midday) /.test(text)) return '12:00';
  const afternoon = / (pm|p m|afternoon|evening|tonight|night) /.test(text);
  const morning = / (am|a m|morning) /.test(text);
  // "half past three", "quarter past 3", "quarter to four"
  const past = / (half|quarter) (past|to) ([a-z0-9]+) /.exec(text);
  let hour: number | null = null;
  let minute = 0;
  let anchored = false;
  if (past) {
    hour = parseEnglishNumber([past[3] as string]);
    if (hour !== null) {
      minute = past[1] === 'half' ? 30 : 15;
      if (past[2] === 'to') {
        hour -= 1;
        minute = 45;
      }
      anchored = true;
    }
  }
  if (hour === null) {
    // "3 pm", "three thirty pm", "at 10", "15 00", "3 o'clock"
    for (let i = 0; i < words.length && hour === null; i++) {
      const w = words[i] as string;
      if (!isEnglishNumberWord(w) && !/^\d{1,2}h\d{2}$/.test(w)) continue;
      const colon = /^(\d{1,2})h(\d{2})$/.exec(w);
      let h = colon ? Number(colon[1]) : parseEnglishNumber([w]);
      if (h === null || h > 24) continue;
      let m = colon ? Number(colon[2]) : 0;
      let j = i + 1;
      const next = words[j];
      if (!colon && next !== undefined && isEnglishNumberWord(next)) {
        const tens = parseEnglishNumber(
          words.slice(j, j + 2).every(isEnglishNumberWord) ? words.slice(j, j + 2) : [next],
        );
        const single = parseEnglishNumber([next]);
        const mm =
          tens !== null && tens < 60 && words.slice(j, j + 2).every(isEnglishNumberWord) ? tens : single;
        if (mm !== null && mm < 60 && mm >= 10) {
          m = mm;
          j += mm === single ? 1 : 2;
        } else if (/^\d{2}$/.test(next)) {
          m = Number(next);
          j += 1;
        }
      }
      const after = words.slice(j, j + 2).join(' ');
      const before = words[i - 1];
      const marked = /^(am|pm|a m|p m|oclock|o clock)/.test(after);
      if (marked || before === 'at' || before === 'by' || before === 'around' || colon) {
        h = h === 24 ? 0 : h;
        hour = h;
        minute = m;
        anchored = marked;
        if (/^(pm|p m)/.test(after) && hour < 12) hour += 12;
        if (/^(am|a m)/.test(after) && hour === 12) hour = 0;
      }
    }
  }
  if (hour === null) return undefined;
  if (!/ (am|a m|pm|p m) /.test(text)) {
    if (afternoon && hour < 12) hour += 12;
    // A shop's day: "at 3" on its own means the afternoon.
    else if (!morning && !anchored && hour >= 1 && hour <= 6) hour += 12;
  }
  return clock(hour, minute);
}

const ZH_NUM = `[\\d${ZH_NUMERAL_CHARS}]+`;

function chineseDate(text: string, today: DateTime): DateTime | undefined {
  if (text.includes('大后天')) return today.plus({ days: 3 });
  if (text.includes('后天')) return today.plus({ days: 2 });
  if (/明天|明早|明晚|明儿/.test(text)) return today.plus({ days: 1 });
  if (/今天|今晚|今早|今儿|今日/.test(text)) return today;
  const week = /(这|本|下下|下)?个?(?:周|星期|礼拜)([一二三四五六日天七])/.exec(text);
  if (week) {
    const target = ZH_WEEKDAY[week[2] as string] as number;
    if (week[1] === '下下') return weekday(today, target, 'next').plus({ days: 7 });
    return weekday(today, target, week[1] === '下' ? 'next' : week[1] === undefined ? 'coming' : 'this');
  }
  const monthDay = new RegExp(`(${ZH_NUM})月(${ZH_NUM})[日号]`).exec(text);
  if (monthDay) {
    const month = parseChineseNumber(monthDay[1] as string);
    const day = parseChineseNumber(monthDay[2] as string);
    if (month !== null && day !== null) return dayOfMonth(today, day, month);
  }
  const day = new RegExp(`(${ZH_NUM})[日号]`).exec(text);
  if (day) {
    const d = parseChineseNumber(day[1] as string);
    if (d !== null) return dayOfMonth(today, d);
  }
  return undefined;
}

function chineseTime(text: string): string | undefined {
  const m = new RegExp(
    `(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|明晚)?(${ZH_NUM})(?:点|點|:|：)(半|一刻|三刻|(${ZH_NUM})分?)?`,
  ).exec(text);
  if (!m) return /中午/.test(text) ? '12:00' : undefined;
  let hour = parseChineseNumber(m[2] as string);
  if (hour === null) return undefined;
  let minute = 0;
  if (m[3] === '半') minute = 30;
  else if (m[3] === '一刻') minute = 15;
  else if (m[3] === '三刻') minute = 45;
  else if (m[4] !== undefined) minute = parseChineseNumber(m[4]) ?? 0;
  const period = m[1] ?? '';
  if (/下午|傍晚|晚上|今晚|明晚/.test(period) && hour < 12) hour += 12;
  else if (period === '中午' && hour < 6) hour += 12;
  else if (period === '' && hour >= 1 && hour <= 6) hour += 12;
  return clock(hour, minute);
}

/** Dates and times in an utterance, relative to `now` in `timezone`. */
export function extractDateTime(text: string, lang: 'en' | 'zh', now: Date, timezone: string): DateTimeSlots {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf('day');
  const out: DateTimeSlots = {};
  if (lang === 'en') {
    const words = englishWords(
      text.replace(/(\d)(am|pm)\b/gi, '$1 $2').replace(/\b(\d{1,2}):(\d{2})\b/g, '$1h$2'),
    );
    const date = englishDate(words, today);
    const time = englishTime(words);
    if (date) out.date = iso(date);
    if (time) out.time = time;
  } else {
    const date = chineseDate(text, today);
    const time = chineseTime(text);
    if (date) out.date = iso(date);
    if (time) out.time = time;
  }
  return out;
}
