/** A readable, live transcript of a simulated call (for `simulate` without --json and for `npm start`). */
import type { TurnRecord } from '../records/call-record.js';
import type { LineEvent } from './observed-channel.js';

/**
 * Formats one line-event as transcript lines. In audio mode (`heard`) the caller's own words come as `spoken`
 * events and what the line recognised of them is shown as `heard`.
 */
export function formatEvent(event: LineEvent, options: { heard?: boolean } = {}): string[] {
  switch (event.kind) {
    case 'line':
      return [`  line   › ${event.text}`];
    case 'spoken':
      return [`  caller › ${event.text}`];
    case 'caller': {
      const input = event.input;
      if (input.kind === 'speech') return [`  ${options.heard ? 'heard ' : 'caller'} › ${input.text}`];
      if (input.kind === 'dtmf') return [`  caller › [keys ${input.digits}]`];
      if (input.kind === 'silence') return ['  caller › [silence]'];
      if (input.kind === 'hangup') return ['  caller › [hangs up]'];
      return [`  caller › [not recognised: ${input.reason}]`];
    }
    case 'handoff':
      return [`  ☎ call to ${event.number}: ${event.result}`, `    brief: ${event.brief}`];
    case 'text':
      return [`  ✉ text to ${event.number}: ${event.text}`];
    case 'hangup':
      return ['  line hangs up'];
  }
}

/** A note on what the line understood of a turn. */
export function formatTurnNote(turn: TurnRecord): string | undefined {
  if (turn.intent === undefined) return undefined;
  const slots = turn.slots ? ` ${JSON.stringify(turn.slots)}` : '';
  const mood =
    turn.frustration !== undefined && turn.frustration > 0 ? ` frustration ${turn.frustration}` : '';
  return `           (${turn.intent} ${turn.confidence}${slots}${mood})`;
}
