/**
 * Checks of meaning on a shop profile that already has the right shape: times, timezone, every caller-facing
 * text in every language, FAQ ids, phone numbers, dates and the orders table.
 */
import { resolve } from 'node:path';
import { type Order, readOrders } from '../shop/orders.js';
import { type MinuteRange, parseRange } from '../shop/time-range.js';
import type { Lang, Localized, ShopProfile } from './shop-schema.js';
import { WEEKDAYS } from './shop-schema.js';
import { type Issue, joinPath } from './validate.js';

/** E.164: a plus, a non-zero country code digit, up to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

const FAQ_ID = /^[a-z][a-z0-9_]{0,47}$/;

/** True when `text` is a real calendar date written YYYY-MM-DD. */
export function isRealDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** True when the runtime knows the IANA timezone. */
export function isKnownTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function requireLanguages(
  issues: Issue[],
  languages: readonly Lang[],
  path: string,
  text: Localized | undefined,
) {
  for (const lang of languages) {
    if (!text?.[lang]?.trim())
      issues.push({ path: joinPath(path, lang), message: `is missing: every text needs ${lang}` });
  }
}

function checkHours(profile: ShopProfile, issues: Issue[]): void {
  for (const day of WEEKDAYS) {
    const ranges: { index: number; range: MinuteRange }[] = [];
    profile.hours[day]?.forEach((text, index) => {
      const parsed = parseRange(text);
      if (typeof parsed === 'string') issues.push({ path: joinPath('hours', day, index), message: parsed });
      else ranges.push({ index, range: parsed });
    });
    ranges.sort((a, b) => a.range.start - b.range.start);
    for (let i = 1; i < ranges.length; i++) {
      const previous = ranges[i - 1];
      const current = ranges[i];
      if (previous && current && current.range.start < previous.range.end) {
        issues.push({
          path: joinPath('hours', day, current.index),
          message: `overlaps ${profile.hours[day]?.[previous.index]} (hours.${day}[${previous.index}])`,
        });
      }
    }
  }
}

/** Every problem of meaning in a schema-valid profile; reads the orders table when enabled. */
export async function checkShopProfile(
  profile: ShopProfile,
  profileDir: string,
): Promise<{ issues: Issue[]; orders: Order[] }> {
  const issues: Issue[] = [];
  const langs = profile.languages;
  if (!isKnownTimezone(profile.timezone)) {
    issues.push({
      path: 'timezone',
      message: `"${profile.timezone}" is not a known IANA timezone (e.g. Asia/Shanghai)`,
    });
  }
  checkHours(profile, issues);
  profile.closed_dates.forEach((date, index) => {
    if (!isRealDate(date))
      issues.push({ path: joinPath('closed_dates', index), message: `${date} is not a real date` });
  });
  if (!E164.test(profile.owner.mobile)) {
    issues.push({
      path: 'owner.mobile',
      message: `"${profile.owner.mobile}" is not an E.164 phone number (e.g. +8613800138000)`,
    });
  }
  requireLanguages(issues, langs, 'name', profile.name);
  requireLanguages(issues, langs, 'address', profile.address);
  requireLanguages(issues, langs, 'greeting', profile.greeting);

  const firstIndexOfId = new Map<string, number>();
  profile.faq.forEach((faq, index) => {
    const path = joinPath('faq', index);
    if (!FAQ_ID.test(faq.id)) {
      issues.push({
        path: joinPath(path, 'id'),
        message: `"${faq.id}" is not a well-formed id (lowercase letters, digits and _, starting with a letter)`,
      });
    }
    const first = firstIndexOfId.get(faq.id);
    if (first === undefined) firstIndexOfId.set(faq.id, index);
    else
      issues.push({ path: joinPath(path, 'id'), message: `"${faq.id}" is already the id of faq[${first}]` });
    requireLanguages(issues, langs, joinPath(path, 'answer'), faq.answer);
    for (const lang of langs) {
      if ((faq.examples[lang] ?? []).length === 0) {
        issues.push({
          path: joinPath(path, 'examples', lang),
          message: `needs at least one example of how callers ask it in ${lang}`,
        });
      }
    }
  });

  if (profile.bookings.enabled) requireLanguages(issues, langs, 'bookings.what', profile.bookings.what);

  let orders: Order[] = [];
  if (profile.orders.enabled) {
    if (profile.orders.source === '') {
      issues.push({ path: 'orders.source', message: 'is required when orders are enabled' });
    } else {
      try {
        orders = await readOrders(resolve(profileDir, profile.orders.source));
      } catch (e) {
        issues.push({ path: 'orders.source', message: (e as Error).message });
      }
    }
  }
  return { issues, orders };
}
