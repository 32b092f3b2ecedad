/**
 * Review cards for escalated calls: the brief, the transcript, the mood curve, what the line said when it handed
 * over, and what would have helped, derived by rules from the record so owner and staff learn from each case.
 */
import type { CallRecord, Escalation, TurnRecord } from '../records/call-record.js';
import { moodCurve, peakFrustration } from './stats.js';
import { LOW_CONFIDENCE } from './unanswered.js';

/** One piece of advice and the rule that produced it. */
export interface Advice {
  /** Rule id: `add_faq`, `add_examples`, `call_back_faster`, `refund_policy`, `offer_person_sooner`, … */
  rule: string;
  text: string;
}

/** The review card of one escalated call. */
export interface CoachingCard {
  callId: string;
  startedAt: string;
  escalation: Escalation;
  turns: TurnRecord[];
  mood: number[];
  /** The line's last words before the handoff. */
  lineSaid: string;
  helped: Advice[];
}

const FRUSTRATED = 0.7;
const WAITING = /\b(wait(ed|ing)?|late|still|forever|hours?|slow|ages|yet)\b|等|还没|太久|太慢|慢|迟|多久/i;
const REFUND = /\b(refund|money back|reimburse|compensat\w*)\b|退款|退钱|赔|退货/i;

function notUnderstood(turn: TurnRecord): boolean {
  return (
    Boolean(turn.transcript) &&
    (turn.intent === 'none' || (typeof turn.confidence === 'number' && turn.confidence < LOW_CONFIDENCE))
  );
}

function quote(text: string): string {
  return `“${text.length > 80 ? `${text.slice(0, 77)}…` : text}”`;
}

/** What would have helped on this call, by rules over the record; never empty. */
export function whatWouldHaveHelped(record: CallRecord): Advice[] {
  const advice: Advice[] = [];
  const reason = record.escalation?.reason;
  const said = record.turns.flatMap((t) => (t.transcript ? [t.transcript] : []));
  const missed = record.turns.filter(notUnderstood);
  const peak = peakFrustration(record);

  let run = 0;
  let longestRun = 0;
  for (const turn of record.turns) {
    run = notUnderstood(turn) ? run + 1 : 0;
    longestRun = Math.max(longestRun, run);
  }
  const firstMissed = missed[0]?.transcript;
  if (firstMissed && longestRun < 2)
    advice.push({
      rule: 'add_faq',
      text: `The line could not answer ${quote(firstMissed)}: add an FAQ for it (see Unanswered questions).`,
    });
  if (longestRun >= 2 || reason === 'not_understood')
    advice.push({
      rule: 'add_examples',
      text: `The line did not understand ${longestRun >= 2 ? `${longestRun} turns in a row` : 'the caller'}${
        firstMissed ? `, e.g. ${quote(firstMissed)}` : ''
      }: add these words as examples to the FAQ or intent the caller meant.`,
    });
  if (peak >= FRUSTRATED && said.some((s) => WAITING.test(s)))
    advice.push({
      rule: 'call_back_faster',
      text: 'The caller was upset about waiting: call back faster, and give order-ready times the line can read out.',
    });
  if (reason === 'complaint' || said.some((s) => REFUND.test(s)))
    advice.push({
      rule: 'refund_policy',
      text: 'A complaint asking for money back: decide a refund policy and add it as an FAQ so the line can say what happens next.',
    });
  const curve = moodCurve(record);
  const rising = curve.length >= 3 && curve.every((v, i) => i === 0 || v >= (curve[i - 1] ?? 0));
  if (reason === 'emotion' || (rising && peak >= FRUSTRATED))
    advice.push({
      rule: 'offer_person_sooner',
      text: `The caller's frustration rose to ${Math.round(peak * 100)}%: offer a person sooner (lower escalation.max_failed_turns) or call back quickly.`,
    });
  const first = record.turns[0];
  if ((reason === 'requested' || reason === 'keyword') && (first?.intent === 'human' || first?.dtmf === '0'))
    advice.push({
      rule: 'say_what_line_does',
      text: 'The caller asked for a person straight away: make sure the greeting says what the line can do (hours, orders, bookings).',
    });
  if (record.escalation?.action === 'callback')
    advice.push({
      rule: 'call_back',
      text: `A callback request was left (${record.escalation.priority} priority): call back${record.callerNumber ? '' : ' (no caller ID: check the message for a number)'}.`,
    });
  if (advice.length === 0)
    advice.push({ rule: 'listen', text: 'No pattern stood out: go through this call with staff.' });
  return advice;
}

/** Review cards for the escalated calls, most recent first. */
export function coachingCards(records: readonly CallRecord[]): CoachingCard[] {
  return records
    .filter((r): r is CallRecord & { escalation: Escalation } => r.outcome === 'escalated' && !!r.escalation)
    .map((record) => ({
      callId: record.id,
      startedAt: record.startedAt,
      escalation: record.escalation,
      turns: record.turns,
      mood: moodCurve(record),
      lineSaid: record.turns[record.turns.length - 1]?.reply ?? '',
      helped: whatWouldHaveHelped(record),
    }))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}
