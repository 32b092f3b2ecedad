/**
 * The weekly digest as the cloud accepts it (schema 1 of `WeeklyDigest`, src/report/digest.ts), checked field by
 * field so that a malformed one is dropped with a message naming what was wrong. Outcomes and escalation reasons
 * are counts by name, so a box that knows a newer outcome still passes; unknown extra fields are kept.
 */
import { type Static, Type } from '@sinclair/typebox';
import { SchemaValidator } from '../config/validate.js';

const Count = Type.Integer({ minimum: 0 });
const Counts = Type.Record(Type.String(), Count);
const Millis = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

/** JSON Schema of a weekly digest payload. */
export const DigestSchema = Type.Object({
  schema: Type.Literal(1),
  deviceId: Type.String({ minLength: 1 }),
  from: Type.String({ minLength: 1 }),
  to: Type.String({ minLength: 1 }),
  calls: Type.Object({ total: Count, outcomes: Counts, afterHours: Count }),
  topIntents: Type.Array(Type.Object({ intent: Type.String(), count: Count })),
  unanswered: Type.Array(Type.Object({ question: Type.String(), count: Count, faqId: Type.String() })),
  escalations: Type.Object({ total: Count, reasons: Counts }),
  latencyMs: Type.Object({ p50: Millis, p90: Millis }),
});

/** A weekly digest that passed `checkDigest`. */
export type DigestPayload = Static<typeof DigestSchema>;

const validator = new SchemaValidator<DigestPayload>(DigestSchema);

/**
 * The parsed JSON of a digest from box `deviceId` (the id in its topic), or every problem with it on one line
 * (`calls.total: must be integer; …`).
 */
export function checkDigest(value: unknown, deviceId: string): DigestPayload | string {
  const issues = validator.check(value).map((i) => `${i.path || '(digest)'}: ${i.message}`);
  if (issues.length > 0) return issues.join('; ');
  const digest = value as DigestPayload;
  if (digest.deviceId !== deviceId)
    return `deviceId ${JSON.stringify(digest.deviceId)} is not the topic's ${deviceId}`;
  const from = Date.parse(digest.from);
  const to = Date.parse(digest.to);
  if (Number.isNaN(from)) return `from: ${JSON.stringify(digest.from)} is not an ISO date-time`;
  if (Number.isNaN(to)) return `to: ${JSON.stringify(digest.to)} is not an ISO date-time`;
  if (from >= to) return `from ${digest.from} is not before to ${digest.to}`;
  return digest;
}
