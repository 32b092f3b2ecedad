/**
 * The record of one call: what the store keeps, what sync sends (redacted) and what reports read.
 * Times are ISO 8601 strings so records serialise as they are.
 */
import type { Lang } from '../config/shop-schema.js';

/** How a call ended for the shop. */
export type Outcome = 'resolved' | 'message' | 'booking' | 'escalated' | 'abandoned';
/** Why a call went to a person. */
export type EscalationReason = 'requested' | 'emotion' | 'not_understood' | 'keyword' | 'complaint';

/** Latencies of one turn, ms. */
export interface TurnLatency {
  endpointing?: number;
  recognition?: number;
  understanding?: number;
  synthesis?: number;
  /** End of the caller's speech to the first reply audio at the line. */
  total?: number;
}

/** One exchange: what the caller did and what the line replied. */
export interface TurnRecord {
  at: string;
  /** What the caller said as recognised (or injected in text mode). */
  transcript?: string;
  /** Keys the caller pressed in this turn. */
  dtmf?: string;
  lang?: Lang;
  /** Intent name (`hours`, `faq:delivery`, `none`, …). */
  intent?: string;
  confidence?: number;
  /** Details taken from the words (dates, numbers, names). */
  slots?: Record<string, string>;
  /** Frustration 0 (calm) .. 1 (very upset) after this turn. */
  frustration?: number;
  /** What the line said back. */
  reply: string;
  latency?: TurnLatency;
}

/** The handoff to a person. */
export interface Escalation {
  reason: EscalationReason;
  /** One or two sentences for the owner: who, what they wanted, their mood, what the line tried. */
  brief: string;
  priority: 'high' | 'normal';
  /** What happened: connected to the owner, or a callback request left. */
  action: 'transferred' | 'callback';
  /** For transfers: the owner heard the brief on the call before it was put through (else it went by text). */
  briefSpoken?: boolean;
}

/** A message left for the owner. */
export interface MessageFields {
  name?: string;
  callback?: string;
  text?: string;
}

/** The record of one call. */
export interface CallRecord {
  /** ULID, sortable by time. */
  id: string;
  startedAt: string;
  answeredAt?: string;
  endedAt?: string;
  /** Caller ID in E.164, null when withheld. */
  callerNumber: string | null;
  lang?: Lang;
  turns: TurnRecord[];
  outcome: Outcome;
  escalation?: Escalation;
  message?: MessageFields;
  /** Booking request fields as the profile names them (`name`, `date`, `time`, `details`, `callback`). */
  booking?: Record<string, string>;
  /** Frustration per turn and its peak. */
  emotion?: { perTurn: number[]; peak: number };
  /** Audio recording file (encrypted at rest), only when the profile announces recording. */
  recording?: string;
  endedBy?: 'caller' | 'line' | 'error';
}
