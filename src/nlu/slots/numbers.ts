/** Numbers as callers say them: Chinese numerals (十二, 两百, 幺) and English number words (twenty one). */

const ZH_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  幺: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const ZH_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };

/** Characters that may appear in a Chinese numeral. */
export const ZH_NUMERAL_CHARS = '零〇一幺二两三四五六七八九十百千万';

/** The value of a Chinese numeral ("十二" → 12, "两百零五" → 205) or of ASCII digits; null when not a number. */
export function parseChineseNumber(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '' || [...text].some((c) => ZH_DIGITS[c] === undefined && ZH_UNITS[c] === undefined))
    return null;
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const c of text) {
    const d = ZH_DIGITS[c];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const unit = ZH_UNITS[c] as number;
    if (unit === 10000) {
      total += (section + (digit ?? 0)) * unit;
      section = 0;
    } else {
      // "十二" has no leading digit: it means one ten.
      section += (digit ?? 1) * unit;
    }
    digit = null;
  }
  return total + section + (digit ?? 0);
}

const EN_SMALL: Record<string, number> = {
  zero: 0,
  oh: 0,
  o: 0,
  one: 1,
  a: 1,
  an: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  half: 0.5,
  dozen: 12,
};
const EN_TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/** The value of an English number said in words ("twenty one", "a dozen") or digits; null when not a number. */
export function parseEnglishNumber(words: readonly string[]): number | null {
  if (words.length === 1 && /^\d+(\.\d+)?$/.test(words[0] as string)) return Number(words[0]);
  let value = 0;
  let any = false;
  for (const w of words) {
    if (EN_TENS[w] !== undefined) value += EN_TENS[w];
    else if (EN_SMALL[w] !== undefined && !(w === 'a' || w === 'an' || w === 'o') && !(w === 'dozen' && any))
      value += EN_SMALL[w];
    else if (w === 'hundred') value = (value || 1) * 100;
    else if (w === 'and' && any) continue;
    else return null;
    any = true;
  }
  return any ? value : null;
}

/** A single spoken digit in either language ("one", "oh", "幺", "7"), or null. */
export function spokenDigit(token: string): string | null {
  if (/^\d$/.test(token)) return token;
  const zh = ZH_DIGITS[token];
  if (zh !== undefined && token !== '两') return String(zh);
  const en = EN_SMALL[token];
  if (en !== undefined && en < 10 && Number.isInteger(en) && token !== 'a' && token !== 'an')
    return String(en);
  return null;
}

/** English number words that can start or continue a number. */
export function isEnglishNumberWord(word: string): boolean {
  return (
    /^\d+$/.test(word) ||
    (EN_SMALL[word] !== undefined && !['a', 'an', 'o', 'half'].includes(word)) ||
    EN_TENS[word] !== undefined ||
    word === 'hundred'
  );
}
