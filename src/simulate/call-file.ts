/**
 * Simulated calls: the format of `shared/examples/calls/README.md`. A call file names the caller ID, the moment
 * of the call, the caller's language, the caller's turns and what a correct line does (`expect`).
 */
import { readYamlFile } from '../config/load.js';
import { LANGUAGES, type Lang } from '../config/shop-schema.js';
import { ErrorCode, LinekeeperError } from '../errors.js';
import type { EscalationReason, Outcome } from '../records/call-record.js';

/** One thing the caller does. */
export type CallStep =
  | { say: string; audio?: string; bargeIn?: boolean }
  | { dtmf: string }
  | { silence: number }
  | { hangup: true };

/** What a correct line does with the call. */
export interface CallExpectations {
  /** Intent of each `say` turn in order; `_` is not checked. */
  intents?: string[];
  outcome?: Outcome;
  escalationReason?: EscalationReason;
  /** Values a message or booking must have captured. */
  fields?: Record<string, string>;
  /** Facts some reply must state. */
  replyMentions?: string[];
}

/** A parsed call file. */
export interface CallFile {
  file: string;
  caller: string | null;
  at: Date;
  lang: Lang;
  turns: CallStep[];
  expect: CallExpectations;
  /** Whether the owner answers a transfer (an extension of the format; the default is that they do). */
  ownerAnswers: boolean;
}

const OUTCOMES: Outcome[] = ['resolved', 'message', 'booking', 'escalated', 'abandoned'];
const REASONS: EscalationReason[] = ['requested', 'emotion', 'not_understood', 'keyword', 'complaint'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks a parsed call document, collecting every problem; throws `Config_Invalid` naming them. */
export function parseCallFile(data: unknown, file: string): CallFile {
  const problems: string[] = [];
  const doc = isRecord(data) ? data : {};
  if (!isRecord(data)) problems.push('the call must be a YAML mapping');
  const caller = doc.caller === undefined || doc.caller === null ? null : String(doc.caller);
  if (caller !== null && !/^\+\d{6,15}$/.test(caller))
    problems.push(`caller: "${caller}" is not an E.164 number`);
  const at = new Date(String(doc.at ?? ''));
  if (doc.at === undefined || Number.isNaN(at.getTime()))
    problems.push(`at: "${String(doc.at)}" is not an ISO 8601 time`);
  const lang = String(doc.lang ?? 'en') as Lang;
  if (!LANGUAGES.includes(lang)) problems.push(`lang: must be one of ${LANGUAGES.join(', ')}`);
  const turns: CallStep[] = [];
  if (!Array.isArray(doc.turns) || doc.turns.length === 0) problems.push('turns: must be a non-empty list');
  for (const [i, raw] of (Array.isArray(doc.turns) ? doc.turns : []).entries()) {
    const t = isRecord(raw) ? raw : {};
    if (typeof t.say === 'string') {
      turns.push({
        say: t.say,
        ...(typeof t.audio === 'string' ? { audio: t.audio } : {}),
        ...(t.barge_in === true ? { bargeIn: true } : {}),
      });
    } else if (t.dtmf !== undefined && /^[0-9*#A-D]+$/.test(String(t.dtmf)))
      turns.push({ dtmf: String(t.dtmf) });
    else if (typeof t.silence === 'number' && t.silence >= 0) turns.push({ silence: t.silence });
    else if (t.hangup === true) turns.push({ hangup: true });
    else
      problems.push(
        `turns[${i}]: expected one of say, dtmf (digits, * or #), silence (seconds) or hangup: true`,
      );
  }
  const e = isRecord(doc.expect) ? doc.expect : {};
  const expect: CallExpectations = {};
  if (e.intents !== undefined) {
    if (Array.isArray(e.intents)) expect.intents = e.intents.map(String);
    else problems.push('expect.intents: must be a list');
  }
  if (e.outcome !== undefined) {
    if (OUTCOMES.includes(e.outcome as Outcome)) expect.outcome = e.outcome as Outcome;
    else problems.push(`expect.outcome: must be one of ${OUTCOMES.join(', ')}`);
  }
  if (e.escalation_reason !== undefined) {
    if (REASONS.includes(e.escalation_reason as EscalationReason))
      expect.escalationReason = e.escalation_reason as EscalationReason;
    else problems.push(`expect.escalation_reason: must be one of ${REASONS.join(', ')}`);
  }
  if (e.fields !== undefined) {
    if (isRecord(e.fields))
      expect.fields = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, String(v)]));
    else problems.push('expect.fields: must be a mapping');
  }
  if (e.reply_mentions !== undefined) {
    if (Array.isArray(e.reply_mentions)) expect.replyMentions = e.reply_mentions.map(String);
    else problems.push('expect.reply_mentions: must be a list');
  }
  if (problems.length > 0)
    throw new LinekeeperError(
      ErrorCode.Config_Invalid,
      `the call file ${file} is not valid:\n${problems.join('\n')}`,
    );
  return { file, caller, at, lang, turns, expect, ownerAnswers: doc.owner_answers !== false };
}

/** Reads and checks a call file. */
export async function loadCallFile(file: string): Promise<CallFile> {
  const { data } = await readYamlFile(file, 'call file');
  return parseCallFile(data, file);
}
