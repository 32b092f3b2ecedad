/**
 * What a call becomes on the wire: a summary (every call) and an escalation (calls handed to a person), both
 * redacted, with the caller number hashed unless the fleet allows it. Envelope fields (`eventId`, `seq`,
 * `deviceId`, `kind`, `schema`) are added at publish time from the outbox event.
 */
import { type CallerPolicy, redactRecord } from '../privacy/redact.js';
import type { CallRecord } from '../records/call-record.js';
import type { NewEvent, OutboxEvent } from './outbox.js';

/** Topic suffixes under `lk/v1/{deviceId}/`. */
export const TOPICS = {
  summary: 'calls/summary',
  escalation: 'calls/escalation',
  telemetry: 'telemetry',
  state: 'state',
  ack: 'sync/ack',
} as const;

/** Payload schema version of summaries and escalations. */
export const EVENT_SCHEMA = 1;

/** The redacted summary of a call, as the cloud stores it. */
export function summaryPayload(record: CallRecord, policy: CallerPolicy): Record<string, unknown> {
  const safe = redactRecord(record, policy);
  const durationS =
    record.endedAt === undefined
      ? null
      : Math.max(0, Math.round((Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000));
  const intents = [...new Set(record.turns.map((t) => t.intent).filter((i): i is string => i !== undefined))];
  const summary =
    safe.escalation?.brief ?? safe.message?.text ?? (intents.length > 0 ? intents.join(', ') : '');
  return {
    callId: record.id,
    startedAt: record.startedAt,
    endedAt: record.endedAt ?? null,
    durationS,
    lang: record.lang ?? null,
    outcome: record.outcome,
    intents,
    summary,
    callerHash: safe.callerHash,
    callerNumber: safe.callerNumber,
    turns: record.turns.length,
    emotionPeak: record.emotion?.peak ?? null,
    ...(safe.message ? { message: safe.message } : {}),
    ...(safe.booking ? { booking: safe.booking } : {}),
    ...(safe.escalation ? { escalation: safe.escalation } : {}),
  };
}

/** The events one call record produces: its escalation first (if any), then its summary. */
export function eventsForRecord(record: CallRecord, recordN: number, policy: CallerPolicy): NewEvent[] {
  const summary = summaryPayload(record, policy);
  const events: NewEvent[] = [];
  if (record.escalation) {
    events.push({
      kind: 'escalation',
      topic: TOPICS.escalation,
      recordN,
      payload: { ...summary, urgency: record.escalation.priority },
    });
  }
  events.push({ kind: 'summary', topic: TOPICS.summary, recordN, payload: summary });
  return events;
}

/** The JSON published for an event: envelope plus payload. */
export function envelope(event: OutboxEvent, deviceId: string): Record<string, unknown> {
  return {
    schema: EVENT_SCHEMA,
    eventId: event.eventId,
    seq: event.seq,
    deviceId,
    kind: event.kind,
    createdAt: event.createdAt,
    ...event.payload,
  };
}
