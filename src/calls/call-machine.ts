/**
 * The life of one call on the line, as a pure transition table:
 *
 *   idle ─ring─► ringing ─(N rings and caller ID)─► answering ─audio up─► connected ─hangup─► ending ─► ended
 *                   │                                    │                    │
 *                   └─ caller gave up / answered elsewhere / error ───────────┴──────────────────────► ended
 */

/** States of a call. */
export type CallState = 'idle' | 'ringing' | 'answering' | 'connected' | 'ending' | 'ended';

/** Why a call is over, including calls the box never answered. */
export type CallOutcomeReason =
  | 'caller-hangup'
  | 'line-hangup'
  | 'transferred'
  | 'modem-lost'
  | 'error'
  | 'missed'
  | 'answered-elsewhere';

const ALLOWED: Record<CallState, readonly CallState[]> = {
  idle: ['ringing'],
  ringing: ['answering', 'ended'],
  answering: ['connected', 'ending', 'ended'],
  connected: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

/** True when a call may go from `from` to `to`. */
export function canTransition(from: CallState, to: CallState): boolean {
  return ALLOWED[from].includes(to);
}

/** One transition of one call, with its time: the record later capabilities hang speech and sync on. */
export interface CallEvent {
  callId: string;
  state: CallState;
  previous: CallState;
  at: Date;
  /** Caller ID known at this point (personal data). */
  callerNumber?: string | null;
  /** Why the call ended (state `ended`). */
  reason?: CallOutcomeReason;
  /** Free text for operators. */
  detail?: string;
}
