/** Checks a call record against a call file's `expect` block; every failed check is named. */
import type { CallRecord } from '../records/call-record.js';
import type { CallExpectations } from './call-file.js';

/** Digits only, and times as hh:mm, so "7:30", "07:30" and "0730" compare equal. */
function normalise(text: string): string {
  return text
    .replace(/(\d{1,2}):(\d{2})/g, (_, h: string, m: string) => `${h.padStart(2, '0')}:${m}`)
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** The fields a message or booking captured. */
export function capturedFields(record: CallRecord): Record<string, string> {
  const message = record.message ?? {};
  return {
    ...Object.fromEntries(Object.entries(message).filter(([, v]) => v !== undefined)),
    ...record.booking,
  } as Record<string, string>;
}

/** The checks that failed (empty when the line did everything right). */
export function checkExpectations(record: CallRecord, expect: CallExpectations): string[] {
  const failures: string[] = [];
  if (expect.intents !== undefined) {
    const said = record.turns.filter((t) => t.transcript !== undefined);
    expect.intents.forEach((want, i) => {
      if (want === '_') return;
      const turn = said[i];
      if (turn === undefined)
        failures.push(`intents[${i}]: expected ${want}, but the caller's turn ${i + 1} was never heard`);
      else if (turn.intent !== want)
        failures.push(
          `intents[${i}]: expected ${want}, got ${turn.intent ?? 'nothing'} for "${turn.transcript}"`,
        );
    });
  }
  if (expect.outcome !== undefined && record.outcome !== expect.outcome)
    failures.push(`outcome: expected ${expect.outcome}, got ${record.outcome}`);
  if (expect.escalationReason !== undefined && record.escalation?.reason !== expect.escalationReason)
    failures.push(
      `escalation_reason: expected ${expect.escalationReason}, got ${record.escalation?.reason ?? 'no escalation'}`,
    );
  if (expect.fields !== undefined) {
    const captured = capturedFields(record);
    for (const [field, want] of Object.entries(expect.fields))
      if (captured[field] !== want)
        failures.push(
          `fields.${field}: expected "${want}", got ${captured[field] === undefined ? 'nothing' : `"${captured[field]}"`}`,
        );
  }
  if (expect.replyMentions !== undefined) {
    const replies = normalise(record.turns.map((t) => t.reply).join(' '));
    for (const fact of expect.replyMentions)
      if (!replies.includes(normalise(fact))) failures.push(`reply_mentions: no reply states "${fact}"`);
  }
  return failures;
}
