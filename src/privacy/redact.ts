/**
 * Redaction of personal data in free text before anything leaves the box, in English and Chinese.
 *
 * Digit runs are read the way transcripts write them: numerals, English number words ("four one one one",
 * "double five", "oh"), Chinese digits (一二三, 幺, 两, 〇) and mixes, with spaces, dashes and dots between.
 * A run is then classified: a Chinese resident ID (18 digits, the last possibly X, valid check digit) → `[ID]`,
 * a card number (13–19 digits passing Luhn) → `[CARD]`, any other run of 7 or more digits → `[PHONE]` (the
 * caller field is handled separately, by hashing). E-mail addresses, written or spoken ("bob at example dot
 * com"), → `[EMAIL]`. ISO dates are left alone so booking dates survive.
 */
import { createHmac } from 'node:crypto';
import type { CallRecord } from '../records/call-record.js';

const EN_DIGITS: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const ZH_DIGITS: Record<string, string> = {
  零: '0',
  〇: '0',
  一: '1',
  幺: '1',
  二: '2',
  两: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  八: '8',
  九: '9',
};

const EN_WORD = `(?:${Object.keys(EN_DIGITS).join('|')})`;
const ONE = `(?:\\d|\\b${EN_WORD}\\b|[${Object.keys(ZH_DIGITS).join('')}])`;
const TOKEN = `(?:\\b(?:double|triple)\\s+${ONE}|${ONE})`;
const SEP = '[\\s\\-.()]*';
const RUN = new RegExp(`\\+?${TOKEN}(?:${SEP}${TOKEN})*(?:${SEP}(?:[xX](?![a-zA-Z])|叉))?`, 'giu');
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const SPOKEN_EMAIL =
  /\b[a-z0-9._-]+\s+(?:at|艾特)\s+[a-z0-9-]+(?:\s+(?:dot|点)\s+[a-z0-9-]+)*\s+(?:dot|点)\s+(?:com|net|org|cn|io|co|uk|edu|gov|info)\b/giu;

/** The digits a spoken or written run stands for (X kept as the ID check character). */
export function digitsOf(run: string): string {
  let out = '';
  const words = run.toLowerCase().match(/double|triple|[a-z]+|\d|[^\s\-.()+a-z\d]/gu) ?? [];
  let repeat = 1;
  for (const w of words) {
    if (w === 'double' || w === 'triple') {
      repeat = w === 'double' ? 2 : 3;
      continue;
    }
    const digit = /\d/.test(w) ? w : (EN_DIGITS[w] ?? ZH_DIGITS[w] ?? (w === 'x' || w === '叉' ? 'X' : ''));
    out += digit.repeat(repeat);
    repeat = 1;
  }
  return out;
}

/** True when `digits` passes the Luhn check (card numbers). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** True for an 18-character Chinese resident ID number with a valid check character (GB 11643). */
export function chineseIdValid(id: string): boolean {
  if (!/^\d{17}[\dX]$/i.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] === id[17]?.toUpperCase();
}

function classify(run: string): string | undefined {
  const digits = digitsOf(run);
  if (digits.length === 18 && chineseIdValid(digits)) return '[ID]';
  const plain = digits.replace(/X$/, '');
  if (plain.length >= 13 && plain.length <= 19 && luhnValid(plain)) return '[CARD]';
  if (plain.length >= 7) return '[PHONE]';
  return undefined;
}

/** Replaces card numbers, resident IDs, phone numbers and e-mail addresses in `text`. */
export function redactText(text: string): string {
  const noEmail = text.replace(EMAIL, '[EMAIL]').replace(SPOKEN_EMAIL, '[EMAIL]');
  return noEmail.replace(RUN, (run) => {
    const trimmed = run.trim();
    if (ISO_DATE.test(trimmed)) return run;
    const label = classify(trimmed);
    if (!label) return run;
    // Keep the whitespace around the run so sentences still read.
    const lead = run.match(/^\s*/)?.[0] ?? '';
    const tail = run.match(/\s*$/)?.[0] ?? '';
    return `${lead}${label}${tail}`;
  });
}

/** HMAC-SHA256 of a caller number with the fleet or box salt (hex, 32 characters). */
export function hashCaller(number: string, salt: Buffer | string): string {
  return createHmac('sha256', salt)
    .update(number.replace(/[^\d+]/g, ''))
    .digest('hex')
    .slice(0, 32);
}

/** How the caller number leaves the box. */
export interface CallerPolicy {
  /** Send the number in clear (`privacy.sendCallerNumber`). */
  sendCallerNumber: boolean;
  salt: Buffer | string;
}

function redactFields(fields: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!fields) return undefined;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, redactText(v)]));
}

/**
 * A copy of `record` safe to leave the box: free text redacted, the caller number replaced by `callerHash`
 * (unless the policy sends it), the recording path dropped.
 */
export function redactRecord(
  record: CallRecord,
  policy: CallerPolicy,
): CallRecord & { callerHash: string | null } {
  const { recording: _recording, ...rest } = record;
  const out: CallRecord & { callerHash: string | null } = {
    ...rest,
    callerNumber: policy.sendCallerNumber ? record.callerNumber : null,
    callerHash: record.callerNumber === null ? null : hashCaller(record.callerNumber, policy.salt),
    turns: record.turns.map((turn) => {
      const copy = { ...turn, reply: redactText(turn.reply) };
      if (turn.transcript !== undefined) copy.transcript = redactText(turn.transcript);
      if (turn.dtmf !== undefined) copy.dtmf = redactText(turn.dtmf);
      const slots = redactFields(turn.slots);
      if (slots) copy.slots = slots;
      return copy;
    }),
  };
  if (record.escalation)
    out.escalation = { ...record.escalation, brief: redactText(record.escalation.brief) };
  const message = redactFields(record.message as Record<string, string> | undefined);
  if (message) out.message = message;
  const booking = redactFields(record.booking);
  if (booking) out.booking = booking;
  return out;
}
