/** Sizes and quantities: "八寸", "an eight inch cake", "two loaves", "三个", "a dozen rolls". */
import { englishWords } from '../features.js';
import { isEnglishNumberWord, parseChineseNumber, parseEnglishNumber, ZH_NUMERAL_CHARS } from './numbers.js';

/** A size and/or a quantity found in an utterance. */
export interface QuantitySlots {
  /** e.g. `8 inch`, `large`. */
  size?: string;
  /** e.g. `2 loaves`, `3`. */
  quantity?: string;
}

const ZH_MEASURES = '个只份块盒袋条杯斤磅打件张位人';
const EN_SIZES = ['small', 'medium', 'large', 'extra large', 'big', 'mini', 'family size'];

/** Sizes and quantities in an utterance. */
export function extractQuantities(text: string, lang: 'en' | 'zh'): QuantitySlots {
  const out: QuantitySlots = {};
  if (lang === 'zh') {
    const size = new RegExp(`([\\d${ZH_NUMERAL_CHARS}]+)(寸|英寸|厘米|公分|码)`).exec(text);
    if (size) {
      const n = parseChineseNumber(size[1] as string);
      if (n !== null)
        out.size = `${n} ${size[2] === '寸' || size[2] === '英寸' ? 'inch' : size[2] === '码' ? 'size' : 'cm'}`;
    }
    const qty = new RegExp(`([\\d${ZH_NUMERAL_CHARS}]+)([${ZH_MEASURES}])`).exec(text);
    if (qty) {
      const n = parseChineseNumber(qty[1] as string);
      if (n !== null) out.quantity = String(n);
    }
    return out;
  }
  const words = englishWords(text);
  for (let i = 0; i < words.length; i++) {
    if (!isEnglishNumberWord(words[i] as string) && words[i] !== 'a' && words[i] !== 'an') continue;
    let j = i;
    while (
      j < words.length &&
      (isEnglishNumberWord(words[j] as string) || words[j] === 'a' || words[j] === 'an')
    )
      j++;
    const number = parseEnglishNumber(words.slice(i, j).filter((w) => w !== 'a' && w !== 'an'));
    const unit = words[j];
    if (unit === undefined) break;
    if (/^inch(es)?$/.test(unit) && number !== null) {
      out.size ??= `${number} inch`;
    } else if (unit === 'dozen') {
      out.quantity ??= String((number ?? 1) * 12);
    } else if (
      number !== null &&
      /^[a-z]{3,}$/.test(unit) &&
      !['pm', 'am', 'oclock', 'people', 'minutes', 'hours', 'days', 'weeks'].includes(unit) &&
      !/^(in|of|at|on|to|for|and|or|the|o)$/.test(unit)
    ) {
      // "two loaves", "three croissants": a quantity is a number followed by what is counted.
      const plural = /s$/.test(unit) || number === 1;
      if (plural) out.quantity ??= `${number} ${unit}`;
    }
    i = j - 1;
  }
  const size = EN_SIZES.find((s) => new RegExp(`\\b${s}\\b`).test(words.join(' ')));
  if (size !== undefined) out.size ??= size;
  return out;
}
