/** Opening hours of a shop at a moment in its own timezone: open or not, until when, and when it opens next. */
import { DateTime } from 'luxon';
import type { ShopProfile, Weekday } from '../config/shop-schema.js';
import { WEEKDAYS } from '../config/shop-schema.js';
import { formatClock, type MinuteRange, parseRange } from './time-range.js';

/** Whether the shop is open at a moment and what comes next. */
export interface OpeningStatus {
  /** The moment in the shop's timezone. */
  local: DateTime;
  /** True when the moment falls in an opening range of that day. */
  open: boolean;
  /** When open: the minute of the day it closes. */
  closesAt: number | null;
  /** When closed: the next opening (local day and minute of that day) within two weeks, or null. */
  next: { day: DateTime; start: number } | null;
  /** True when today is one of the profile's closed dates. */
  closedDate: boolean;
}

/** The weekday key (`mon` … `sun`) of a local date. */
export function weekdayOf(day: DateTime): Weekday {
  return WEEKDAYS[day.weekday - 1] as Weekday;
}

/** The opening ranges on a local day, none on a closed date. */
export function rangesOn(profile: ShopProfile, day: DateTime): MinuteRange[] {
  if (profile.closed_dates.includes(day.toISODate() ?? '')) return [];
  return (profile.hours[weekdayOf(day)] ?? [])
    .map(parseRange)
    .filter((r): r is MinuteRange => typeof r !== 'string')
    .sort((a, b) => a.start - b.start);
}

/** The shop's opening status at an instant. */
export function openingStatus(profile: ShopProfile, at: Date): OpeningStatus {
  const local = DateTime.fromJSDate(at, { zone: profile.timezone });
  const minute = local.hour * 60 + local.minute;
  const today = rangesOn(profile, local.startOf('day'));
  const current = today.find((r) => minute >= r.start && minute < r.end);
  const closedDate = profile.closed_dates.includes(local.toISODate() ?? '');
  if (current) return { local, open: true, closesAt: current.end, next: null, closedDate };
  const laterToday = today.find((r) => r.start > minute);
  if (laterToday)
    return {
      local,
      open: false,
      closesAt: null,
      next: { day: local.startOf('day'), start: laterToday.start },
      closedDate,
    };
  for (let offset = 1; offset <= 14; offset++) {
    const day = local.startOf('day').plus({ days: offset });
    const first = rangesOn(profile, day)[0];
    if (first) return { local, open: false, closesAt: null, next: { day, start: first.start }, closedDate };
  }
  return { local, open: false, closesAt: null, next: null, closedDate };
}

const ZH_WEEKDAY = ['一', '二', '三', '四', '五', '六', '日'];

/** A short sentence for the caller saying whether the shop is open and when it closes or opens next. */
export function describeOpening(status: OpeningStatus, lang: 'en' | 'zh'): string {
  const clock = (minutes: number) => formatClock(minutes % 1440 === 0 && minutes > 0 ? 1440 : minutes);
  if (status.open && status.closesAt !== null) {
    return lang === 'zh'
      ? `我们现在营业，今天${clock(status.closesAt)}关门。`
      : `We're open now until ${clock(status.closesAt)} today.`;
  }
  if (status.next === null)
    return lang === 'zh' ? '我们近期不营业。' : "We're closed for the next two weeks.";
  const days = Math.round(status.next.day.diff(status.local.startOf('day'), 'days').days);
  const time = clock(status.next.start);
  if (lang === 'zh') {
    const when = days === 0 ? '今天' : days === 1 ? '明天' : `星期${ZH_WEEKDAY[status.next.day.weekday - 1]}`;
    return `我们现在不营业，${when}${time}开门。`;
  }
  const when =
    days === 0 ? 'today' : days === 1 ? 'tomorrow' : `on ${status.next.day.setLocale('en').toFormat('cccc')}`;
  return `We're closed now. We open at ${time} ${when}.`;
}
