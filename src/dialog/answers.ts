/** Answers computed from the profile at the moment of the call: opening hours for a day, order status. */
import { DateTime } from 'luxon';
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import { describeOpening, openingStatus, rangesOn } from '../shop/hours.js';
import type { Order } from '../shop/orders.js';
import { formatClock } from '../shop/time-range.js';

const ZH_WEEKDAY = ['一', '二', '三', '四', '五', '六', '日'];

/** How a day is named relative to today: "today", "tomorrow", "on Saturday 28 November" / "今天", "明天", "11月28日（星期六）". */
export function dayName(day: DateTime, today: DateTime, lang: Lang): string {
  const diff = Math.round(day.startOf('day').diff(today.startOf('day'), 'days').days);
  if (lang === 'zh') {
    if (diff === 0) return '今天';
    if (diff === 1) return '明天';
    return `${day.month}月${day.day}日（星期${ZH_WEEKDAY[day.weekday - 1]}）`;
  }
  if (diff === 0) return 'today';
  if (diff === 1) return 'tomorrow';
  return `on ${day.setLocale('en').toFormat('cccc d LLLL')}`;
}

function clock(minutes: number): string {
  return formatClock(minutes);
}

/**
 * Opening hours for what the caller asked: now (no date, or today) with what comes next, or a given day with its
 * ranges or the fact that it is closed.
 */
export function hoursAnswer(profile: ShopProfile, now: Date, lang: Lang, date?: string): string {
  const status = openingStatus(profile, now);
  const today = status.local.startOf('day');
  const day = date === undefined ? today : DateTime.fromISO(date, { zone: profile.timezone });
  if (!day.isValid || day.hasSame(today, 'day')) {
    const current = describeOpening(status, lang);
    // Open now: also say when it closes; closed now but open later: describeOpening says when.
    return current;
  }
  const ranges = rangesOn(profile, day);
  const when = dayName(day, today, lang);
  const closedDate = profile.closed_dates.includes(day.toISODate() ?? '');
  if (ranges.length === 0) {
    if (lang === 'zh') return `${when}我们${closedDate ? '休息' : '不营业'}。`;
    const whenCap = when.charAt(0).toUpperCase() + when.slice(1);
    return `${whenCap} we're closed${closedDate ? ' all day' : ''}.`;
  }
  const spans = ranges.map((r) =>
    lang === 'zh' ? `${clock(r.start)}到${clock(r.end)}` : `${clock(r.start)} to ${clock(r.end)}`,
  );
  if (lang === 'zh') return `${when}营业时间是${spans.join('和')}。`;
  const whenCap = when.charAt(0).toUpperCase() + when.slice(1);
  return `${whenCap} we're open ${spans.join(' and ')}.`;
}

/** The orders that belong to a caller number, most recent ready time first. */
export function ordersOf(orders: readonly Order[], phone: string): Order[] {
  return orders
    .filter((o) => o.phone === phone)
    .sort((a, b) => Date.parse(b.readyAt) - Date.parse(a.readyAt));
}

/** An order by id, ignoring case and spaces. */
export function findOrder(orders: readonly Order[], id: string): Order | undefined {
  const want = id.replace(/\s+/g, '').toUpperCase();
  return orders.find((o) => o.orderId.toUpperCase() === want);
}

function momentName(iso: string, now: Date, timezone: string, lang: Lang): string {
  const at = DateTime.fromISO(iso, { setZone: true }).setZone(timezone);
  if (!at.isValid) return iso;
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf('day');
  const time = at.toFormat('HH:mm');
  const day = dayName(at, today, lang);
  return lang === 'zh' ? `${day}${time}` : `${time} ${day}`;
}

/** What to tell the caller about an order. */
export function orderAnswer(order: Order, now: Date, timezone: string, lang: Lang): string {
  const when = momentName(order.readyAt, now, timezone, lang);
  const ready = Date.parse(order.readyAt);
  const status = order.status.toLowerCase();
  if (lang === 'zh') {
    if (status === 'ready')
      return ready > now.getTime()
        ? `订单${order.orderId}已经准备好，${when}起可以来取。`
        : `订单${order.orderId}已经好了，可以来取。`;
    if (status === 'delivered') return `订单${order.orderId}已经在${when}送达。`;
    if (status === 'collected') return `订单${order.orderId}已经取走了。`;
    if (status === 'cancelled') return `订单${order.orderId}已经取消。`;
    return `订单${order.orderId}正在准备中，预计${when}好。`;
  }
  if (status === 'ready')
    return ready > now.getTime()
      ? `Your order ${order.orderId} is ready, you can collect it from ${when}.`
      : `Your order ${order.orderId} is ready to collect.`;
  if (status === 'delivered') return `Your order ${order.orderId} was delivered at ${when}.`;
  if (status === 'collected') return `Your order ${order.orderId} has already been collected.`;
  if (status === 'cancelled') return `Your order ${order.orderId} was cancelled.`;
  return `Your order ${order.orderId} is being prepared and should be ready at ${when}.`;
}

/** A phone number as the line reads it back: country code, then groups ("+86 137 0000 5555", "+1 415 555 0199"). */
export function speakablePhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (!phone.startsWith('+')) return (digits.match(/.{1,4}/g) ?? []).join(' ');
  if (digits.startsWith('86') && digits.length === 13)
    return `+86 ${digits.slice(2, 5)} ${digits.slice(5, 9)} ${digits.slice(9)}`;
  if (digits.startsWith('1') && digits.length === 11)
    return `+1 ${digits.slice(1, 4)} ${digits.slice(4, 7)} ${digits.slice(7)}`;
  return `+${digits.slice(0, 2)} ${(digits.slice(2).match(/.{1,4}/g) ?? []).join(' ')}`;
}
