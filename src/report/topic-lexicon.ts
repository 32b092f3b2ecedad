/**
 * A small bilingual lexicon of things callers ask small shops about. Without a translation model it is what lets
 * an English and a Mandarin question about the same thing fall into one group; questions about anything else
 * still group within their language by their words.
 */
import type { Lang } from '../config/shop-schema.js';
import { stem } from './english-stem.js';

/** Concept id → English words and Chinese words that name it. */
export const TOPIC_LEXICON: Record<string, { en: string[]; zh: string[] }> = {
  coffee: { en: ['coffee', 'latte', 'espresso', 'cappuccino', 'americano'], zh: ['咖啡', '拿铁', '美式'] },
  tea: { en: ['tea'], zh: ['茶', '奶茶'] },
  vegan: { en: ['vegan', 'vegetarian', 'veggie', 'meat', 'plant'], zh: ['素', '素食', '纯素', '吃素', '肉'] },
  wifi: { en: ['wifi', 'internet', 'password'], zh: ['wifi', '无线', '网络', '上网', '密码'] },
  toilet: { en: ['toilet', 'restroom', 'bathroom', 'washroom', 'loo'], zh: ['厕所', '洗手间', '卫生间'] },
  pets: { en: ['dog', 'pet', 'cat', 'puppy'], zh: ['狗', '宠物', '猫', '狗狗'] },
  jobs: {
    en: ['job', 'hiring', 'hire', 'vacancy', 'vacancies', 'employ', 'staff', 'apply', 'work'],
    zh: ['招聘', '招人', '工作', '打工', '兼职', '应聘', '招工', '招'],
  },
  gift_cards: {
    en: ['gift', 'voucher', 'coupon'],
    zh: ['礼品卡', '礼券', '代金券', '购物卡', '储值卡', '券'],
  },
  membership: { en: ['member', 'membership', 'loyalty', 'points', 'stamp'], zh: ['会员', '积分', '会员卡'] },
  sugar_free: { en: ['sugar', 'sugarfree', 'diabetic', 'diabetes'], zh: ['无糖', '糖尿病', '糖', '低糖'] },
  halal: { en: ['halal', 'muslim'], zh: ['清真'] },
  seating: { en: ['seat', 'seats', 'sit', 'table', 'dine', 'eat-in'], zh: ['座位', '堂食', '坐', '位子'] },
  access: { en: ['wheelchair', 'accessible', 'ramp', 'stairs'], zh: ['轮椅', '无障碍', '台阶'] },
  catering: {
    en: ['catering', 'cater', 'bulk', 'office', 'event', 'wholesale', 'meeting'],
    zh: ['团购', '批量', '公司', '活动', '批发', '会议', '团体'],
  },
  custom_cakes: {
    en: ['photo', 'picture', 'print', 'custom', 'design', 'personalised', 'personalized', 'logo'],
    zh: ['照片', '图案', '定制', '印', '图片', '订做'],
  },
  invoice: { en: ['invoice', 'receipt', 'fapiao', 'vat'], zh: ['发票', '收据', '开票'] },
  nuts: { en: ['nut', 'peanut', 'almond'], zh: ['坚果', '花生', '杏仁'] },
  charging: { en: ['charge', 'charger', 'charging', 'socket', 'plug'], zh: ['充电', '插座', '充电宝'] },
  mooncakes: { en: ['mooncake', 'mooncakes'], zh: ['月饼'] },
  discounts: {
    en: ['discount', 'cheap', 'cheaper', 'sale', 'reduced', 'half-price'],
    zh: ['打折', '折扣', '优惠', '便宜', '特价', '半价'],
  },
  lost_property: {
    en: ['lost', 'lose', 'forgot', 'forget', 'left', 'umbrella', 'wallet', 'found'],
    zh: ['落在', '丢', '忘', '捡到', '失物', '雨伞', '钱包'],
  },
  classes: {
    en: ['class', 'classes', 'lesson', 'workshop', 'course', 'learn'],
    zh: ['课', '课程', '学', '培训', '教'],
  },
};

let englishIndex: Map<string, string[]> | undefined;

function englishConcepts(): Map<string, string[]> {
  if (englishIndex) return englishIndex;
  const index = new Map<string, string[]>();
  for (const [concept, words] of Object.entries(TOPIC_LEXICON)) {
    for (const word of words.en) index.set(stem(word), [...(index.get(stem(word)) ?? []), concept]);
  }
  englishIndex = index;
  return index;
}

/** The concepts named by a question's content words (English stems or Chinese tokens). */
export function conceptsOf(words: readonly string[], lang: Lang): Set<string> {
  const concepts = new Set<string>();
  if (lang === 'en') {
    const index = englishConcepts();
    for (const word of words) for (const concept of index.get(word) ?? []) concepts.add(concept);
    return concepts;
  }
  // Segmentation varies (礼品卡 may come out as 礼品 + 卡), so two-character words are looked for in the whole
  // question; a single character only counts as a token of its own (糖 yes, 蛋糕 no).
  const joined = words.join('');
  for (const [concept, entry] of Object.entries(TOPIC_LEXICON)) {
    if (entry.zh.some((z) => (z.length >= 2 ? joined.includes(z) : words.includes(z)))) concepts.add(concept);
  }
  return concepts;
}
