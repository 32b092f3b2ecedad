/** Phone numbers and order ids said digit by digit ("one three eight…", "幺三八…", "A one zero two one"). */
import { englishWords } from '../features.js';
import { spokenDigit } from './numbers.js';

const EN_MULTIPLIERS: Record<string, number> = { double: 2, triple: 3 };

/** Tokens of an utterance for digit reading: English words, or Chinese characters and ASCII runs. */
function tokens(text: string, lang: 'en' | 'zh'): string[] {
  if (lang === 'en') return englishWords(text.replace(/\+/g, ' plus '));
  return [...text.replace(/\+/g, '＋')].flatMap((c) => (/\d/.test(c) ? [c] : [c.toLowerCase()]));
}

/** Runs of spoken digits (with "double five" expanded), split where other words intervene. */
export function digitRuns(text: string, lang: 'en' | 'zh'): { digits: string; plus: boolean }[] {
  const runs: { digits: string; plus: boolean }[] = [];
  let current = '';
  let plus = false;
  let repeat = 1;
  const flush = () => {
    if (current !== '') runs.push({ digits: current, plus });
    current = '';
    plus = false;
  };
  for (const token of tokens(text, lang)) {
    if (/^\d{2,}$/.test(token)) {
      current += token;
      continue;
    }
    const digit = spokenDigit(token);
    if (digit !== null) {
      current += digit.repeat(repeat);
      repeat = 1;
    } else if (EN_MULTIPLIERS[token] !== undefined) repeat = EN_MULTIPLIERS[token];
    else if (token === 'plus' || token === '＋') {
      flush();
      plus = true;
    } else if (!/^[\s\-,，、.。]$/.test(token) && token !== 'dash') flush();
  }
  flush();
  return runs;
}

/**
 * A phone number in an utterance, in E.164 when the country is clear: 11 digits starting with 1 are a mainland
 * China mobile (+86), a leading 00 or "plus" is international; otherwise the digits as said.
 */
export function extractPhone(text: string, lang: 'en' | 'zh'): string | undefined {
  const run = digitRuns(text, lang)
    .filter((r) => r.digits.length >= 7 && r.digits.length <= 15)
    .sort((a, b) => b.digits.length - a.digits.length)[0];
  if (run === undefined) return undefined;
  if (run.plus) return `+${run.digits}`;
  if (run.digits.startsWith('00')) return `+${run.digits.slice(2)}`;
  if (run.digits.length === 11 && run.digits.startsWith('1')) return `+86${run.digits}`;
  if (run.digits.startsWith('86') && run.digits.length === 13) return `+${run.digits}`;
  return run.digits;
}

const LETTER_WORDS: Record<string, string> = {
  ay: 'a',
  bee: 'b',
  see: 'c',
  cee: 'c',
  dee: 'd',
  ee: 'e',
  ef: 'f',
  gee: 'g',
  aitch: 'h',
  jay: 'j',
  kay: 'k',
  el: 'l',
  em: 'm',
  en: 'n',
  pee: 'p',
  queue: 'q',
  cue: 'q',
  ar: 'r',
  es: 's',
  tee: 't',
  you: 'u',
  vee: 'v',
  ex: 'x',
  why: 'y',
  zed: 'z',
  zee: 'z',
};

/**
 * An order id like `A1021` in an utterance: letters (said as letters, "letter a", or NATO-free spellings such as
 * "ay") followed by digits said one by one or as numbers. `known` lists the shop's ids so that a bare number
 * ("order one zero two one") can be matched to the only id that ends in it.
 */
export function extractOrderId(
  text: string,
  lang: 'en' | 'zh',
  known: readonly string[] = [],
): string | undefined {
  // "A1021", "AB12", "A 1021", "A-1021"; not "at 11".
  const direct = /\b([A-Za-z]{1,3})(\d{2,})\b|\b([A-Za-z])[\s-](\d{3,})\b/.exec(text);
  if (direct) return `${direct[1] ?? direct[3]}${direct[2] ?? direct[4]}`.toUpperCase();
  const words = lang === 'en' ? englishWords(text) : tokens(text, 'zh').filter((t) => t.trim() !== '');
  for (let i = 0; i < words.length; i++) {
    let w = words[i] as string;
    if (w === 'letter' && words[i + 1] !== undefined) w = words[++i] as string;
    const letter = /^[a-z]$/.test(w) && !['a', 'i'].includes(w) ? w : LETTER_WORDS[w];
    const isA = w === 'a' && words[i + 1] !== undefined && spokenDigit(words[i + 1] as string) !== null;
    if (letter === undefined && !isA) continue;
    let digits = '';
    let j = i + 1;
    while (j < words.length) {
      const d = /^\d+$/.test(words[j] as string) ? (words[j] as string) : spokenDigit(words[j] as string);
      if (d === null) break;
      digits += d;
      j++;
    }
    if (digits.length >= 2) return `${(letter ?? 'a').toUpperCase()}${digits}`;
  }
  const run = digitRuns(text, lang).find((r) => r.digits.length >= 3);
  if (run) {
    const matches = known.filter((id) => id.replace(/\D/g, '') === run.digits);
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}
