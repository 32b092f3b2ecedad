/**
 * The shop profile: everything the line knows about one business, in exactly the format of
 * `shared/examples/shop-bakery.yaml`. The schema checks shape; `shop-checks.ts` checks meaning.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Languages the line speaks. */
export const LANGUAGES = ['en', 'zh'] as const;
/** A language code the line speaks. */
export type Lang = (typeof LANGUAGES)[number];

/** Days of the week as the profile names them, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A weekday key of `hours`. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Fields a booking request can collect. */
export const BOOKING_FIELDS = ['name', 'date', 'time', 'details', 'callback', 'party_size'] as const;

function perLanguage<T extends TSchema>(value: T, description: string) {
  return Type.Object(
    { en: Type.Optional(value), zh: Type.Optional(value) },
    { additionalProperties: false, description },
  );
}

const Text = Type.String({ minLength: 1 });
const Phrases = Type.Array(Type.String({ minLength: 1 }));

const Faq = Type.Object(
  {
    id: Type.String({
      description: 'Stable id: lowercase letters, digits and underscores; the intent is `faq:<id>`.',
    }),
    examples: perLanguage(Phrases, 'How callers ask it, a few ways per language.'),
    answer: perLanguage(Text, 'What the line answers, per language.'),
  },
  { additionalProperties: false },
);

/** The shop profile schema. */
export const ShopProfileSchema = Type.Object(
  {
    version: Type.Literal(1, { description: 'Profile format version.' }),
    name: perLanguage(Text, 'Shop name per language.'),
    languages: Type.Array(Type.Union(LANGUAGES.map((l) => Type.Literal(l))), {
      minItems: 1,
      uniqueItems: true,
      description: 'Languages callers speak; the first is the default greeting language.',
    }),
    timezone: Type.String({ description: 'IANA timezone, e.g. Asia/Shanghai.' }),
    address: perLanguage(Text, 'Where the shop is, as the line says it.'),
    hours: Type.Object(
      Object.fromEntries(
        WEEKDAYS.map((day) => [
          day,
          Type.Array(Type.String({ pattern: '^\\d{1,2}:\\d{2}-\\d{1,2}:\\d{2}$' }), {
            default: [],
            description: `Opening ranges on ${day} as HH:MM-HH:MM, local time; empty means closed.`,
          }),
        ]),
      ) as Record<Weekday, ReturnType<typeof Type.Array<ReturnType<typeof Type.String>>>>,
      { additionalProperties: false, description: 'Opening hours per weekday.' },
    ),
    closed_dates: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
      default: [],
      description: 'Dates (YYYY-MM-DD) the shop is closed all day.',
    }),
    owner: Type.Object(
      {
        name: Type.String({ minLength: 1, description: 'Owner name, used in briefs and by the line.' }),
        mobile: Type.String({
          description: 'Owner mobile in E.164 (+8613800138000): transfers and texts go here.',
        }),
      },
      { additionalProperties: false },
    ),
    greeting: perLanguage(Text, 'First words of every call, per language.'),
    faq: Type.Array(Faq, { default: [], description: 'Questions callers ask and their answers.' }),
    bookings: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        what: perLanguage(Text, 'What is being booked, e.g. "cake order".'),
        fields: Type.Array(Type.Union(BOOKING_FIELDS.map((f) => Type.Literal(f))), {
          uniqueItems: true,
          default: ['name', 'date', 'time', 'details', 'callback'],
          description: 'What a booking request collects, in the order the line asks.',
        }),
      },
      { additionalProperties: false, default: { enabled: false, what: {} } },
    ),
    orders: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        source: Type.String({
          default: '',
          description: 'CSV file relative to the profile: order_id,phone,status,ready_at.',
        }),
        lookup_by: Type.Array(Type.Union([Type.Literal('order_id'), Type.Literal('caller')]), {
          uniqueItems: true,
          default: ['order_id', 'caller'],
        }),
      },
      { additionalProperties: false, default: { enabled: false } },
    ),
    escalation: Type.Object(
      {
        transfer_during_hours: Type.Boolean({
          default: true,
          description: 'Connect callers to the owner mobile.',
        }),
        after_hours: Type.Union([Type.Literal('callback')], {
          default: 'callback',
          description: 'What happens when nobody can take the call: a callback request for the owner.',
        }),
        owner_confirms: Type.Boolean({
          default: false,
          description:
            'After the brief, the owner presses 1 to take the call or 2 for a callback request; no key leaves a callback request too (keeps callers out of voicemail). Analog lines always ask.',
        }),
        owner_ring_seconds: Type.Integer({
          minimum: 5,
          maximum: 60,
          default: 25,
          description:
            "How long the owner's mobile rings before the caller is taken back for a callback request; keep it below the mobile's voicemail delay.",
        }),
        max_failed_turns: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
        keywords: perLanguage(Phrases, 'Phrases that always mean "get me a person".'),
      },
      { additionalProperties: false, default: { keywords: {} } },
    ),
    privacy: Type.Object(
      {
        announce_recording: Type.Boolean({
          default: false,
          description: 'Record calls and say so in the greeting.',
        }),
        retention_days: Type.Integer({
          minimum: 1,
          maximum: 3650,
          default: 90,
          description: 'Keep call records this long.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    reports: Type.Optional(
      Type.Object(
        {
          weekly_text: Type.Boolean({
            default: false,
            description:
              'Also send the owner a short text message with the weekly digest (calls, top question, what the line could not answer).',
          }),
        },
        {
          additionalProperties: false,
          default: {},
          description:
            'What the line tells the owner about its calls (`linekeeper report`, the weekly digest).',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    title: 'Linekeeper shop profile',
    $id: 'https://linekeeper.dev/schema/shop.json',
  },
);

/** A shop profile as written (after schema defaults). */
export type ShopProfile = Static<typeof ShopProfileSchema>;
/** A text per language. */
export type Localized = Partial<Record<Lang, string>>;
