/** The keypad menu: 0 = a person, * = repeat, and a short numbered list of topics from the profile. */
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import { faqIntent } from '../nlu/training-set.js';

/** At most this many numbered topics: a phone menu longer than that is not heard to the end. */
export const MAX_MENU_ITEMS = 5;

/** One numbered topic. */
export interface MenuItem {
  key: string;
  /** The intent the key stands for. */
  intent: string;
  /** How the menu names it, per language. */
  topic: Record<Lang, string>;
}

function faqTopic(profile: ShopProfile, index: number): Record<Lang, string> {
  const faq = profile.faq[index];
  const en = faq?.id.replace(/_/g, ' ') ?? '';
  // Mandarin has no label in the profile: the first way callers ask it, without the question particle.
  const zh = (faq?.examples.zh?.[0] ?? en).replace(/[吗呢？?]+$/u, '');
  return { en, zh };
}

/** The menu for a profile. */
export function keypadMenu(profile: ShopProfile): MenuItem[] {
  const items: Omit<MenuItem, 'key'>[] = [
    { intent: 'hours', topic: { en: 'opening hours', zh: '营业时间' } },
    { intent: 'location', topic: { en: 'our address', zh: '地址' } },
  ];
  for (let i = 0; i < profile.faq.length && items.length < MAX_MENU_ITEMS; i++)
    items.push({ intent: faqIntent((profile.faq[i] as { id: string }).id), topic: faqTopic(profile, i) });
  return items.map((item, i) => ({ ...item, key: String(i + 1) }));
}
