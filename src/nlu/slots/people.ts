/** Callers' names as they give them: "my name is David Chen", "this is Anna", "我姓王", "我叫李小龙". */
import { isEnglishNumberWord } from './numbers.js';

/** Phrases that introduce a name anywhere in an utterance. */
const EN_PATTERNS = [
  /\bmy name is ([a-z][a-z' -]*)/i,
  /\bmy name's ([a-z][a-z' -]*)/i,
  /\bname is ([a-z][a-z' -]*)/i,
  /\b(?:this is|it is|it's|i am|i'm) ([a-z][a-z' -]*?) (?:calling|speaking|here)\b/i,
];
/** Phrases that give a name only in answer to "may I have your name?" ("it's Maria", "I'm Tom"). */
const EN_ANSWER_PATTERNS = [
  /^(?:\W*(?:hi|hello|yes|yeah|sure|ok)\W+)?(?:this is|it is|it's|i am|i'm) ([a-z][a-z' -]*)$/i,
];
/** Words that end a name ("my name is David and I…"). */
const EN_STOP = new Set([
  'and',
  'but',
  'i',
  'please',
  'thanks',
  'thank',
  'from',
  'my',
  'calling',
  'here',
  'speaking',
]);
/** Words that are not names when the caller answers "what's your name?" with a sentence. */
const EN_NOT_NAMES = new Set([
  'yes',
  'no',
  'ok',
  'okay',
  'sure',
  'hi',
  'hello',
  'um',
  'uh',
  'well',
  'it',
  'is',
  'the',
  'a',
]);

function titleCase(words: string[]): string {
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(' ');
}

function cleanEnglish(raw: string): string | undefined {
  const words: string[] = [];
  for (const w of raw.trim().split(/\s+/)) {
    if (EN_STOP.has(w.toLowerCase()) || words.length >= 3) break;
    words.push(w.replace(/[^a-z'-]/gi, ''));
  }
  const name = words.filter((w) => w !== '');
  if (name.length === 0 || name.some((w) => isEnglishNumberWord(w.toLowerCase()))) return undefined;
  return titleCase(name);
}

const ZH_PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/(?:免贵)?姓([\u4e00-\u9fff]{1,2}?)(?:[，,。\s]|$|先生|女士|小姐|的|叫)/, (m) => m[1] as string],
  [/(?:我叫|名字叫|名字是|叫我)([\u4e00-\u9fff]{2,4}?)(?:[，,。\s]|$|的)/, (m) => m[1] as string],
  [/我是([\u4e00-\u9fff]{1,2}(?:先生|女士|小姐))/, (m) => m[1] as string],
];

/** A name introduced with a phrase ("my name is…", "我姓王"), or undefined. */
export function extractName(text: string, lang: 'en' | 'zh'): string | undefined {
  if (lang === 'zh') {
    for (const [pattern, pick] of ZH_PATTERNS) {
      const m = pattern.exec(text);
      if (m) return pick(m);
    }
    return undefined;
  }
  return englishName(text, EN_PATTERNS);
}

function englishName(text: string, patterns: readonly RegExp[]): string | undefined {
  for (const pattern of patterns) {
    const m = pattern.exec(text.trim());
    if (m?.[1]) {
      const name = cleanEnglish(m[1]);
      if (name !== undefined && !EN_NOT_NAMES.has(name.toLowerCase())) return name;
    }
  }
  return undefined;
}

/** The name in an answer to "may I have your name?": a phrase if there is one, else the answer itself. */
export function nameFromAnswer(text: string, lang: 'en' | 'zh'): string | undefined {
  const introduced =
    extractName(text, lang) ?? (lang === 'en' ? englishName(text, EN_ANSWER_PATTERNS) : undefined);
  if (introduced !== undefined) return introduced;
  if (lang === 'zh') {
    const bare = text.replace(/[，,。.！!？?\s]|^(我是|是|叫)/g, '');
    return /^[\u4e00-\u9fff]{1,4}$/.test(bare) ? bare : undefined;
  }
  const words = text
    .replace(/[^a-z' -]/gi, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !EN_NOT_NAMES.has(w.toLowerCase()));
  if (words.some((w) => isEnglishNumberWord(w.toLowerCase()))) return undefined;
  return words.length > 0 && words.length <= 3 ? titleCase(words) : undefined;
}
