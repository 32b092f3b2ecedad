/**
 * One call's conversation: a state machine driven entirely by the shop profile, over any `CallerChannel`
 * (the scripted text channel of `simulate`, or the speech channel on a real line).
 *
 *   greet ─▶ listen ─▶ input ─┬─ hangup ───────────────────────────────▶ end
 *              ▲              ├─ silence ── "still there?" ── twice ────▶ goodbye
 *              │              ├─ keypad ─── 0 person · * repeat · 1..n topics
 *              │              └─ speech ─── understand ─ emotion ─ escalate? ─┬─ pending question (form field,
 *              │                                                               │  read-back, yes/no, order id)
 *              └──────────────────── reply ◀──────────────────────────────────┴─ open: answer + "anything else?"
 *
 * Escalation (a person, frustration, not understood, complaint with a refund) transfers to the owner during
 * opening hours when the profile allows it, otherwise leaves a callback request and texts the owner a brief.
 * Every call ends with a `CallRecord`.
 */
import { DateTime } from 'luxon';
import { ulid } from 'ulid';
import type { LoadedShop } from '../config/load.js';
import type { Lang } from '../config/shop-schema.js';
import { FrustrationTracker } from '../emotion/frustration-tracker.js';
import type { Logger } from '../log/logger.js';
import { personal } from '../log/logger.js';
import type { IntentClassifier } from '../nlu/classifier.js';
import { chineseConcepts, englishConcepts, englishWords, normaliseChinese } from '../nlu/features.js';
import { extractDateTime } from '../nlu/slots/date-time.js';
import { nameFromAnswer } from '../nlu/slots/people.js';
import { extractQuantities } from '../nlu/slots/quantities.js';
import { extractOrderId, extractPhone } from '../nlu/slots/spoken-codes.js';
import { type Understanding, understand } from '../nlu/understand.js';
import type { CallRecord, EscalationReason, Outcome, TurnRecord } from '../records/call-record.js';
import { openingStatus } from '../shop/hours.js';
import { dayName, findOrder, hoursAnswer, orderAnswer, ordersOf, speakablePhone } from './answers.js';
import { composeBrief } from './brief.js';
import type { CallerChannel, CallerInput, ListenOptions, OwnerBriefing } from './channel.js';
import { keypadMenu, type MenuItem } from './keypad.js';
import { Prompter, type PromptKey, type PromptVars } from './prompts.js';

/** How long the line waits for the caller, ms. */
export const LISTEN_TIMEOUT_MS = { open: 8000, yesno: 6000, digits: 10000 } as const;
/** Recognition failures in a row before the keypad takes over. */
export const RECOGNITION_FAILURES_FOR_KEYPAD = 2;
/** Silences in a row before the line says goodbye. */
export const SILENCES_BEFORE_HANGUP = 2;
/** A yes/no question asked this many times without a yes or no is taken as no. */
const YESNO_ATTEMPTS = 2;
/** A form field asked this many times without an answer is skipped (or the form handed over). */
const FIELD_ATTEMPTS = 2;
/** A human request below this confidence while answering a question is taken as the answer instead. */
const HUMAN_IN_FORM_CONFIDENCE = 0.7;

/** The clock of a call (injected: `simulate` plays calls at the moment their file names). */
export interface CallClock {
  now(): Date;
}

/** What a conversation needs. */
export interface ConversationOptions {
  shop: Pick<LoadedShop, 'profile' | 'orders'>;
  classifier: IntentClassifier;
  channel: CallerChannel;
  /** Caller ID in E.164, null when withheld. */
  callerNumber: string | null;
  clock?: CallClock;
  /** Record id; a new ULID by default. */
  id?: string;
  logger?: Logger;
  /** Called after each turn (live transcripts). */
  onTurn?: (turn: TurnRecord) => void;
}

type FormType = 'message' | 'booking';
interface Form {
  type: FormType;
  fields: string[];
  values: Record<string, string>;
}
type YesNoPurpose = 'person' | 'message' | 'complaint';
type Pending =
  | { kind: 'open' }
  | { kind: 'form'; form: Form; field: string }
  | { kind: 'confirm'; form: Form }
  | { kind: 'yesno'; purpose: YesNoPurpose }
  | { kind: 'order_id' }
  | { kind: 'callback_number'; reason: EscalationReason };

interface Tried {
  en: string;
  zh: string;
}

/** Plays one call and returns its record. */
export async function runConversation(options: ConversationOptions): Promise<CallRecord> {
  return new Conversation(options).run();
}

class Conversation {
  readonly #o: ConversationOptions;
  readonly #clock: CallClock;
  readonly #profile: ConversationOptions['shop']['profile'];
  readonly #prompts = new Prompter();
  readonly #emotion = new FrustrationTracker();
  readonly #record: CallRecord;
  readonly #menu: MenuItem[];
  #lang: Lang;
  #heardSpeech = false;
  #pending: Pending = { kind: 'open' };
  #keypadMode = false;
  #ended = false;
  #resolved = 0;
  #failedTurns = 0;
  #recognitionFailures = 0;
  #silences = 0;
  #yesnoAttempts = 0;
  #fieldAttempts = 0;
  #name: string | undefined;
  #lastReply = '';
  #replyParts: string[] = [];
  #firstReplyAt: number | undefined;
  #intents: string[] = [];
  #lastWords: string | undefined;
  #tried: Tried[] = [];

  constructor(options: ConversationOptions) {
    this.#o = options;
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#profile = options.shop.profile;
    this.#lang = this.#profile.languages[0] as Lang;
    this.#menu = keypadMenu(this.#profile);
    const now = this.#clock.now().toISOString();
    this.#record = {
      id: options.id ?? ulid(),
      startedAt: now,
      answeredAt: now,
      callerNumber: options.callerNumber,
      turns: [],
      outcome: 'abandoned',
    };
  }

  async run(): Promise<CallRecord> {
    await this.#greet();
    while (!this.#ended) {
      const input = await this.#o.channel.listen(this.#listenOptions());
      const started = performance.now();
      this.#firstReplyAt = undefined;
      this.#lastTurnReply = '';
      const turn: TurnRecord = { at: this.#clock.now().toISOString(), reply: '' };
      await this.#handle(input, turn);
      await this.#flush();
      turn.reply = this.#lastTurnReply;
      turn.latency = { ...turn.latency, total: round((this.#firstReplyAt ?? performance.now()) - started) };
      this.#record.turns.push(turn);
      this.#o.onTurn?.(turn);
    }
    return this.#finish();
  }

  // ── speaking ────────────────────────────────────────────────────────────────────────────────────────────

  #lastTurnReply = '';

  #say(text: string): void {
    if (text !== '') this.#replyParts.push(text);
  }

  #prompt(key: PromptKey, vars: PromptVars = {}): void {
    this.#say(this.#prompts.say(key, this.#lang, vars));
  }

  /** Speaks what this turn has to say, as one utterance. */
  async #flush(): Promise<void> {
    if (this.#replyParts.length === 0) return;
    const text = this.#replyParts.join(this.#lang === 'zh' ? '' : ' ');
    this.#replyParts = [];
    this.#firstReplyAt ??= performance.now();
    this.#lastTurnReply = this.#lastTurnReply === '' ? text : `${this.#lastTurnReply} ${text}`;
    this.#lastReply = text;
    await this.#o.channel.say(text, this.#lang);
  }

  async #greet(): Promise<void> {
    const consent = this.#profile.privacy.announce_recording;
    const greetings: string[] = [];
    for (const lang of this.#profile.languages) {
      const greeting = this.#profile.greeting[lang] ?? '';
      const text = consent ? `${greeting} ${this.#prompts.say('recording', lang)}` : greeting;
      greetings.push(text);
      await this.#o.channel.say(text, lang);
    }
    this.#lastReply = greetings.join(' ');
    // No recognizer for any of the shop's languages: the keypad runs the call from the start.
    const recognizes = this.#o.channel.recognizes;
    if (
      recognizes !== undefined &&
      !this.#profile.languages.some((l) => recognizes.call(this.#o.channel, l))
    ) {
      this.#keypadMode = true;
      this.#prompt('keypadMenu', { items: this.#menuItems() });
      await this.#flush();
    }
  }

  #listenOptions(): ListenOptions {
    const langs = this.#heardSpeech ? [this.#lang] : this.#profile.languages;
    if (this.#pending.kind === 'yesno' || this.#pending.kind === 'confirm')
      return { timeoutMs: LISTEN_TIMEOUT_MS.yesno, expect: 'yesno', langs };
    if (this.#keypadMode || this.#pending.kind === 'callback_number')
      return { timeoutMs: LISTEN_TIMEOUT_MS.digits, expect: 'digits', langs };
    return { timeoutMs: LISTEN_TIMEOUT_MS.open, expect: 'open', langs };
  }

  #vars(): PromptVars {
    return {
      owner: this.#profile.owner.name,
      shop: this.#profile.name[this.#lang] ?? Object.values(this.#profile.name)[0] ?? '',
      name: this.#name ?? '',
    };
  }

  #anythingElse(): void {
    // The caller's name once, where it has not just been said.
    const named =
      this.#name !== undefined &&
      this.#prompts.count('anythingElseNamed', this.#lang) < 1 &&
      !this.#replyParts.some((p) => p.includes(this.#name as string));
    this.#prompt(named ? 'anythingElseNamed' : 'anythingElse', this.#vars());
  }

  #ack(): void {
    this.#prompt('ack');
  }

  #didTry(en: string, zh: string): void {
    this.#tried.push({ en, zh });
  }

  // ── input ──────────────────────────────────────────────────────────────────────────────────────────────

  async #handle(input: CallerInput, turn: TurnRecord): Promise<void> {
    if (input.kind !== 'silence') this.#silences = 0;
    switch (input.kind) {
      case 'hangup':
        this.#ended = true;
        this.#record.endedBy = 'caller';
        return;
      case 'silence':
        return this.#onSilence();
      case 'unrecognized':
        return this.#onUnrecognized();
      case 'dtmf':
        turn.dtmf = input.digits;
        return this.#onDtmf(input.digits);
      case 'speech':
        return this.#onSpeech(input, turn);
    }
  }

  async #onSilence(): Promise<void> {
    this.#silences++;
    if (this.#silences >= SILENCES_BEFORE_HANGUP) {
      this.#prompt('hangUpSilent');
      await this.#end('line');
      return;
    }
    this.#prompt('stillThere');
  }

  async #onUnrecognized(): Promise<void> {
    this.#recognitionFailures++;
    if (this.#recognitionFailures >= RECOGNITION_FAILURES_FOR_KEYPAD && !this.#keypadMode) {
      this.#keypadMode = true;
      this.#prompt('keypadMenu', { items: this.#menuItems() });
      return;
    }
    this.#failedTurns++;
    this.#prompt('notUnderstood', { topics: this.#topics() });
  }

  #menuItems(): string {
    return this.#menu
      .map((item) =>
        this.#prompts.say('keypadItem', this.#lang, { key: item.key, topic: item.topic[this.#lang] }),
      )
      .join(this.#lang === 'zh' ? '' : ' ');
  }

  #topics(): string {
    const names = this.#menu.slice(0, 3).map((m) => m.topic[this.#lang]);
    return this.#lang === 'zh'
      ? names.join('、')
      : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  }

  async #onDtmf(digits: string): Promise<void> {
    const pending = this.#pending;
    const numberEntry =
      pending.kind === 'callback_number' || (pending.kind === 'form' && pending.field === 'callback');
    if (numberEntry) {
      const phone = extractPhone(digits.replace(/[#*]/g, ''), 'en');
      if (phone !== undefined) return this.#onAnswer(phone, undefined);
    }
    if (digits === '0') return this.#escalate('requested');
    if (digits === '*') {
      this.#say(this.#lastReply);
      return;
    }
    if (pending.kind === 'yesno' || pending.kind === 'confirm') {
      // 1 = yes, 2 = no, as most phone menus.
      if (digits === '1') return this.#onAnswer('', 'affirm');
      if (digits === '2') return this.#onAnswer('', 'deny');
    }
    const item = this.#menu.find((m) => m.key === digits);
    if (item === undefined) {
      this.#prompt('keypadUnknown');
      this.#prompt('keypadMenu', { items: this.#menuItems() });
      return;
    }
    this.#pending = { kind: 'open' };
    await this.#answerTopic(item.intent, {});
  }

  async #onSpeech(input: Extract<CallerInput, { kind: 'speech' }>, turn: TurnRecord): Promise<void> {
    const text = input.text.trim();
    turn.transcript = text;
    if (input.spottedKeyword !== undefined) {
      // "agent"/"人工" spotted over the reply: a request for a person, whatever the recognizer makes of the rest.
      turn.intent = 'human';
      if (input.lang !== undefined && this.#profile.languages.includes(input.lang)) this.#lang = input.lang;
      return this.#escalate('requested');
    }
    if (text === '') return this.#onUnrecognized();
    this.#recognitionFailures = 0;
    const started = performance.now();
    const u = understand(this.#o.classifier, this.#o.shop, text, this.#clock.now(), input.lang ?? this.#lang);
    turn.latency = {
      understanding: round(performance.now() - started),
      ...(input.timing?.endpointingMs !== undefined ? { endpointing: input.timing.endpointingMs } : {}),
      ...(input.timing?.recognitionMs !== undefined ? { recognition: input.timing.recognitionMs } : {}),
    };
    if (this.#profile.languages.includes(u.lang)) this.#lang = u.lang;
    this.#heardSpeech = true;
    turn.lang = u.lang;
    turn.intent = u.intent;
    turn.confidence = u.confidence;
    if (Object.keys(u.slots).length > 0) turn.slots = u.slots;
    const felt = this.#emotion.observe({
      words: u.sentiment.frustration,
      ...(input.voice !== undefined ? { voice: input.voice } : {}),
      ...(input.emotion !== undefined ? { emotion: input.emotion } : {}),
      ...(input.bargedIn !== undefined ? { bargedIn: input.bargedIn } : {}),
    });
    turn.frustration = felt.score;
    // Which signal made the score (words, voice against the caller's first turn, recognizer tag), and the voice.
    this.#o.logger?.debug(() => `turn: ${u.intent} ${u.confidence} frustration ${felt.score}`, {
      text: personal(text),
      words: felt.words,
      voice: felt.voice,
      tag: felt.tag,
      ...(input.voice !== undefined ? { prosody: input.voice } : {}),
    });
    this.#intents.push(u.intent);
    this.#lastWords = text;
    if (u.slots.name !== undefined) this.#name ??= u.slots.name;

    const reason = this.#escalationReason(u);
    if (reason !== undefined) return this.#escalate(reason);
    if (this.#pending.kind !== 'open') return this.#onAnswer(text, u.intent, u);
    return this.#onOpen(u);
  }

  /** Why this turn must go to a person, if it must. Keywords win; then requests, refunds, frustration. */
  #escalationReason(u: Understanding): EscalationReason | undefined {
    const open = this.#pending.kind === 'open';
    const keywords = this.#profile.escalation.keywords[u.lang] ?? [];
    const lower = u.text.toLowerCase();
    const keyword = keywords.some((k) =>
      u.lang === 'zh'
        ? lower.includes(k.toLowerCase())
        : new RegExp(`\\b${escapeRegExp(k.toLowerCase())}\\b`).test(lower),
    );
    const asksForPerson = u.intent === 'human' && (open || u.confidence >= HUMAN_IN_FORM_CONFIDENCE);
    if (keyword) {
      // `keyword` when the shop's keyword is what makes this a request for a person; a request that our own
      // understanding recognises without it ("帮我转人工" still asks for a transfer without "人工") is `requested`.
      const without = keywords.reduce(
        (text, k) => text.replace(new RegExp(escapeRegExp(k), 'gi'), ' '),
        u.text,
      );
      return asksForPerson && this.#o.classifier.classify(without, u.lang).intent === 'human'
        ? 'requested'
        : 'keyword';
    }
    if (asksForPerson) return 'requested';
    if (open && u.intent === 'complaint' && asksForMoney(u)) return 'complaint';
    if (this.#emotion.shouldEscalate) return 'emotion';
    return undefined;
  }

  // ── open questions ──────────────────────────────────────────────────────────────────────────────────────

  async #onOpen(u: Understanding): Promise<void> {
    if (u.intent === 'none') return this.#notUnderstood();
    this.#failedTurns = 0;
    switch (u.intent) {
      case 'thanks':
        this.#prompt('welcome');
        this.#anythingElse();
        return;
      case 'goodbye':
        this.#prompt('goodbye', this.#vars());
        await this.#end('line');
        return;
      case 'deny':
        // "No" to "anything else?": the call is done.
        this.#prompt('goodbye', this.#vars());
        await this.#end('line');
        return;
      case 'affirm':
        this.#prompt('whatElse');
        return;
      case 'repeat':
        this.#say(this.#lastReply);
        return;
      case 'complaint':
        this.#pending = { kind: 'yesno', purpose: 'complaint' };
        this.#yesnoAttempts = 0;
        this.#prompt('sorryComplaint', this.#vars());
        return;
      case 'human':
        return this.#escalate('requested');
      default:
        return this.#answerTopic(u.intent, u.slots);
    }
  }

  async #answerTopic(intent: string, slots: Record<string, string>): Promise<void> {
    const now = this.#clock.now();
    if (intent === 'hours') {
      this.#say(hoursAnswer(this.#profile, now, this.#lang, slots.date));
      this.#didTry('gave the opening hours', '告知了营业时间');
      this.#resolved++;
      this.#anythingElse();
      return;
    }
    if (intent === 'location') {
      this.#say(this.#profile.address[this.#lang] ?? '');
      this.#didTry('gave the address', '告知了地址');
      this.#resolved++;
      this.#anythingElse();
      return;
    }
    if (intent.startsWith('faq:')) {
      const faq = this.#profile.faq.find((f) => `faq:${f.id}` === intent);
      this.#say(faq?.answer[this.#lang] ?? '');
      this.#didTry(`answered ${faq?.id.replace(/_/g, ' ')}`, `回答了${faq?.id}问题`);
      this.#resolved++;
      this.#anythingElse();
      return;
    }
    if (intent === 'order_status') return this.#orderStatus(slots);
    if (intent === 'leave_message') return this.#startForm('message', slots);
    if (intent === 'booking') {
      if (!this.#profile.bookings.enabled) return this.#offerMessage('bookingsOff');
      return this.#startForm('booking', slots);
    }
    return this.#notUnderstood();
  }

  async #notUnderstood(): Promise<void> {
    this.#failedTurns++;
    if (this.#failedTurns >= this.#profile.escalation.max_failed_turns) {
      this.#failedTurns = 0;
      this.#pending = { kind: 'yesno', purpose: 'person' };
      this.#yesnoAttempts = 0;
      this.#didTry('offered a person', '提出转人工');
      this.#prompt('offerPerson');
      return;
    }
    this.#prompt('notUnderstood', { topics: this.#topics() });
  }

  #offerMessage(key: 'bookingsOff' | 'ordersOff' | 'orderNotFound', vars: PromptVars = {}): void {
    this.#pending = { kind: 'yesno', purpose: 'message' };
    this.#yesnoAttempts = 0;
    this.#prompt(key, { ...this.#vars(), ...vars });
  }

  async #orderStatus(slots: Record<string, string>): Promise<void> {
    const orders = this.#profile.orders;
    if (!orders.enabled) return this.#offerMessage('ordersOff');
    const now = this.#clock.now();
    if (slots.order_id !== undefined && orders.lookup_by.includes('order_id'))
      return this.#tellOrder(slots.order_id);
    if (orders.lookup_by.includes('caller') && this.#o.callerNumber !== null) {
      const mine = ordersOf(this.#o.shop.orders, this.#o.callerNumber)[0];
      if (mine !== undefined) {
        this.#say(orderAnswer(mine, now, this.#profile.timezone, this.#lang));
        this.#didTry(`looked up order ${mine.orderId}`, `查询了订单${mine.orderId}`);
        this.#resolved++;
        this.#anythingElse();
        return;
      }
    }
    if (!orders.lookup_by.includes('order_id')) return this.#offerMessage('orderNotFound', { id: '' });
    this.#pending = { kind: 'order_id' };
    this.#fieldAttempts = 0;
    this.#prompt('askOrderId');
  }

  #tellOrder(id: string): void {
    const order = findOrder(this.#o.shop.orders, id);
    this.#didTry(`looked up order ${id}`, `查询了订单${id}`);
    if (order === undefined) {
      this.#offerMessage('orderNotFound', { id });
      return;
    }
    this.#pending = { kind: 'open' };
    this.#say(orderAnswer(order, this.#clock.now(), this.#profile.timezone, this.#lang));
    this.#resolved++;
    this.#anythingElse();
  }

  // ── forms: messages and booking requests ──────────────────────────────────────────────────────────────

  #startForm(type: FormType, slots: Record<string, string>): void {
    const fields =
      type === 'message'
        ? ['name', ...(this.#o.callerNumber === null ? ['callback'] : []), 'text']
        : this.#profile.bookings.fields.filter((f) => f !== 'callback' || this.#o.callerNumber === null);
    const values: Record<string, string> = {};
    if (this.#o.callerNumber !== null) values.callback = this.#o.callerNumber;
    if (this.#name !== undefined) values.name = this.#name;
    if (type === 'booking') {
      if (slots.date !== undefined) values.date = slots.date;
      if (slots.time !== undefined) values.time = slots.time;
    }
    this.#ack();
    this.#askNext({ type, fields, values });
  }

  #askNext(form: Form): void {
    const field = form.fields.find((f) => form.values[f] === undefined);
    if (field === undefined) {
      this.#readBack(form);
      return;
    }
    this.#pending = { kind: 'form', form, field };
    this.#fieldAttempts = 0;
    this.#askField(field);
  }

  #askField(field: string): void {
    const what = this.#profile.bookings.what[this.#lang] ?? '';
    const key: Record<string, PromptKey> = {
      name: 'askName',
      callback: 'askCallback',
      text: 'askMessage',
      date: 'askDate',
      time: 'askTime',
      details: 'askDetails',
      party_size: 'askPartySize',
    };
    this.#prompt(key[field] ?? 'askDetails', { what });
  }

  /** Reads a field from an answer; undefined when the answer does not contain it. */
  #fieldValue(field: string, text: string, form: Form): string | undefined {
    const lang = this.#lang;
    switch (field) {
      case 'name':
        return nameFromAnswer(text, lang);
      case 'callback':
        return extractPhone(text, lang);
      case 'date': {
        const found = extractDateTime(text, lang, this.#clock.now(), this.#profile.timezone);
        if (found.time !== undefined && form.values.time === undefined) form.values.time = found.time;
        return found.date;
      }
      case 'time': {
        const found = extractDateTime(
          lang === 'en' && !/\bat\b/i.test(text) ? `at ${text}` : text,
          lang,
          this.#clock.now(),
          this.#profile.timezone,
        );
        return (
          found.time ??
          (lang === 'zh'
            ? extractDateTime(`${text}点`, lang, this.#clock.now(), this.#profile.timezone).time
            : undefined)
        );
      }
      case 'party_size': {
        const { quantity } = extractQuantities(`${text} people`, lang);
        return quantity?.split(' ')[0];
      }
      default:
        return text.length > 0 ? text : undefined;
    }
  }

  async #onAnswer(text: string, intent: string | undefined, u?: Understanding): Promise<void> {
    const pending = this.#pending;
    switch (pending.kind) {
      case 'open':
        if (u !== undefined) await this.#onOpen(u);
        return;
      case 'form': {
        const value = this.#fieldValue(pending.field, text, pending.form);
        if (value !== undefined) {
          pending.form.values[pending.field] = value;
          if (pending.field === 'name') this.#name = value;
          this.#askNext(pending.form);
          return;
        }
        this.#fieldAttempts++;
        if (this.#fieldAttempts >= FIELD_ATTEMPTS) {
          // Twice without a usable answer: keep what the caller said, so the owner can read it.
          pending.form.values[pending.field] = text || '?';
          this.#askNext(pending.form);
          return;
        }
        this.#say(this.#lang === 'zh' ? '抱歉，没听清楚。' : "Sorry, I didn't get that.");
        this.#askField(pending.field);
        return;
      }
      case 'confirm':
        return this.#onConfirm(pending.form, intent);
      case 'yesno':
        return this.#onYesNo(pending.purpose, intent, u);
      case 'order_id': {
        const id = extractOrderId(
          text,
          this.#lang,
          this.#o.shop.orders.map((o) => o.orderId),
        );
        if (id !== undefined) return this.#tellOrder(id);
        this.#fieldAttempts++;
        if (this.#fieldAttempts >= FIELD_ATTEMPTS) return this.#offerMessage('orderNotFound', { id: '' });
        this.#prompt('askOrderId');
        return;
      }
      case 'callback_number': {
        const phone = extractPhone(text, this.#lang);
        if (phone === undefined) {
          this.#fieldAttempts++;
          if (this.#fieldAttempts < FIELD_ATTEMPTS) {
            this.#prompt('askCallback');
            return;
          }
        }
        return this.#leaveCallback(pending.reason, phone ?? null, false);
      }
    }
  }

  #readBack(form: Form): void {
    this.#pending = { kind: 'confirm', form };
    this.#yesnoAttempts = 0;
    const v = form.values;
    const callback = speakablePhone(v.callback ?? '');
    if (form.type === 'message') {
      this.#prompt('readBackMessage', { name: v.name ?? '', callback, text: v.text ?? '' });
      return;
    }
    const parts: string[] = [];
    const zh = this.#lang === 'zh';
    if (v.name) parts.push(zh ? `姓名${v.name}` : `for ${v.name}`);
    if (v.date) {
      const today = DateTime.fromJSDate(this.#clock.now(), { zone: this.#profile.timezone });
      const day = DateTime.fromISO(v.date, { zone: this.#profile.timezone });
      parts.push(day.isValid ? dayName(day, today, this.#lang) : v.date);
    }
    if (v.time) parts.push(zh ? `时间${v.time}` : `at ${v.time}`);
    if (v.party_size) parts.push(zh ? `${v.party_size}位` : `for ${v.party_size} people`);
    if (v.details) parts.push(zh ? `要求：${v.details}` : `: ${v.details}`);
    if (v.callback) parts.push(zh ? `回电号码${callback}` : `, call back on ${callback}`);
    const summary = zh ? `：${parts.join('，')}` : ` ${parts.join(' ')}`.replace(/ ([:,])/g, '$1');
    this.#prompt('readBackBooking', { what: this.#profile.bookings.what[this.#lang] ?? '', summary });
  }

  async #onConfirm(form: Form, intent: string | undefined): Promise<void> {
    if (intent === 'affirm') {
      this.#pending = { kind: 'open' };
      const vars = {
        ...this.#vars(),
        name: form.values.name ?? '',
        callback: speakablePhone(form.values.callback ?? ''),
      };
      if (form.type === 'message') {
        this.#record.message = {
          ...(form.values.name !== undefined ? { name: form.values.name } : {}),
          ...(form.values.callback !== undefined ? { callback: form.values.callback } : {}),
          ...(form.values.text !== undefined ? { text: form.values.text } : {}),
        };
        this.#didTry('took a message', '记录了留言');
        this.#prompt('messageTaken', vars);
      } else {
        this.#record.booking = { ...form.values };
        this.#didTry('took a booking request', '记录了预约申请');
        this.#prompt('bookingTaken', vars);
      }
      this.#anythingElse();
      return;
    }
    if (intent === 'deny') {
      // Start over with what the form needs; the caller's name from before is not trusted either.
      this.#prompt('startOver');
      const kept: Record<string, string> = {};
      if (this.#o.callerNumber !== null) kept.callback = this.#o.callerNumber;
      this.#name = undefined;
      this.#askNext({ ...form, values: kept });
      return;
    }
    this.#yesnoAgain(() => this.#readBack(form));
  }

  #yesnoAgain(reask: () => void): void {
    this.#yesnoAttempts++;
    if (this.#yesnoAttempts > YESNO_ATTEMPTS) {
      // Still no yes or no: the keypad is clearer.
      this.#keypadMode = true;
      this.#pending = { kind: 'open' };
      this.#prompt('keypadMenu', { items: this.#menuItems() });
      return;
    }
    this.#prompt('yesOrNo');
    if (this.#yesnoAttempts === YESNO_ATTEMPTS) reask();
  }

  async #onYesNo(purpose: YesNoPurpose, intent: string | undefined, u?: Understanding): Promise<void> {
    if (intent === 'affirm') {
      this.#pending = { kind: 'open' };
      if (purpose === 'person') return this.#escalate('not_understood');
      if (purpose === 'complaint') return this.#escalate('requested');
      return this.#startForm('message', u?.slots ?? {});
    }
    if (intent === 'deny') {
      this.#pending = { kind: 'open' };
      if (purpose === 'person') {
        // They would rather not talk to a person: the keypad is the other way through.
        this.#keypadMode = true;
        this.#prompt('keypadMenu', { items: this.#menuItems() });
        return;
      }
      this.#ack();
      this.#anythingElse();
      return;
    }
    // Not a yes or no: maybe a new question.
    if (u !== undefined && u.intent !== 'none' && purpose !== 'person') {
      this.#pending = { kind: 'open' };
      return this.#onOpen(u);
    }
    this.#yesnoAgain(() => undefined);
  }

  // ── escalation ────────────────────────────────────────────────────────────────────────────────────────

  /** The brief in the owner's language; `forSpeech` words the caller's number for listening. */
  #brief(reason: EscalationReason, callback?: string, forSpeech = false): string {
    const owner = this.#ownerLang();
    const number = this.#o.callerNumber;
    return composeBrief(
      {
        ...(this.#name !== undefined ? { name: this.#name } : {}),
        number: forSpeech && number !== null ? speakablePhone(number) : number,
        intents: this.#intents,
        ...(this.#lastWords !== undefined ? { lastWords: this.#lastWords } : {}),
        mood: this.#emotion.mood(owner),
        reason,
        tried: this.#tried.map((t) => t[owner]),
        ...(callback !== undefined ? { callback } : {}),
      },
      owner,
    );
  }

  /** The owner hears briefs and reads texts in the shop's first language. */
  #ownerLang(): Lang {
    return this.#profile.languages[0] as Lang;
  }

  /** What the owner hears when they pick up a transfer. */
  #ownerBriefing(reason: EscalationReason): OwnerBriefing {
    const lang = this.#ownerLang();
    const { escalation, name } = this.#profile;
    const shop = name[lang] ?? Object.values(name)[0] ?? '';
    return {
      lang,
      brief: `${this.#prompts.say('ownerIntro', lang, { shop })} ${this.#brief(reason, undefined, true)}`,
      connecting: this.#prompts.say('ownerConnecting', lang),
      askAccept: this.#prompts.say('ownerAsk', lang),
      acceptKey: '1',
      confirm: escalation.owner_confirms,
      ringTimeoutMs: escalation.owner_ring_seconds * 1000,
    };
  }

  #priority(reason: EscalationReason): 'high' | 'normal' {
    return reason === 'emotion' || reason === 'complaint' || this.#emotion.peak >= 0.5 ? 'high' : 'normal';
  }

  async #escalate(reason: EscalationReason): Promise<void> {
    const status = openingStatus(this.#profile, this.#clock.now());
    const upset = reason === 'emotion' || reason === 'complaint';
    const lead = this.#prompts.say(upset ? 'leadUpset' : 'leadRequested', this.#lang);
    if (status.open && this.#profile.escalation.transfer_during_hours) {
      this.#prompt('transferring', { ...this.#vars(), lead });
      await this.#flush();
      const brief = this.#brief(reason);
      const priority = this.#priority(reason);
      const { result, briefSpoken } = await this.#o.channel.handoff(
        this.#profile.owner.mobile,
        this.#ownerBriefing(reason),
      );
      if (result === 'connected') {
        this.#record.escalation = { reason, brief, priority, action: 'transferred', briefSpoken };
        this.#ended = true;
        this.#record.endedBy = 'line';
        // The owner took the call without hearing who it is: they get the brief in writing instead.
        if (!briefSpoken) await this.#textOwner(`[${priority}] ${brief}`);
        return;
      }
      if (result === 'declined')
        this.#didTry('tried to transfer the call (the owner was busy)', '尝试转接但老板没空');
      else this.#didTry('tried to transfer the call (no answer)', '尝试转接但无人接听');
      this.#prompt('ownerNoAnswer', this.#vars());
      return this.#leaveCallback(reason, this.#o.callerNumber, true);
    }
    this.#say(lead.trim());
    this.#prompt('closedNow');
    return this.#leaveCallback(reason, this.#o.callerNumber, true);
  }

  /** Leaves a callback request for the owner: asks for a number when there is no caller ID, then texts the brief. */
  async #leaveCallback(reason: EscalationReason, number: string | null, mayAsk: boolean): Promise<void> {
    if (number === null && mayAsk) {
      this.#pending = { kind: 'callback_number', reason };
      this.#fieldAttempts = 0;
      this.#prompt('askCallback');
      return;
    }
    const callback = number ?? this.#prompts.say('noNumber', this.#lang);
    const brief = this.#brief(reason, number ?? undefined);
    const priority = this.#priority(reason);
    this.#record.escalation = { reason, brief, priority, action: 'callback' };
    await this.#textOwner(`[${priority}] ${brief}`);
    const status = openingStatus(this.#profile, this.#clock.now());
    const zh = this.#lang === 'zh';
    const when = status.open ? (zh ? '尽快' : 'as soon as possible') : zh ? '在营业时间内' : 'when we open';
    this.#prompt('callbackTaken', { ...this.#vars(), lead: '', callback: speakablePhone(callback), when });
    await this.#end('line');
  }

  /** Texts the owner; the record keeps the escalation even when the text could not be sent (sync delivers it). */
  async #textOwner(text: string): Promise<void> {
    try {
      await this.#o.channel.sendText(this.#profile.owner.mobile, text);
    } catch (e) {
      this.#o.logger?.warn(`could not text the owner: ${(e as Error).message}`);
    }
  }

  async #end(by: 'line' | 'caller'): Promise<void> {
    await this.#flush();
    this.#ended = true;
    this.#record.endedBy = by;
    if (by === 'line') await this.#o.channel.hangup();
  }

  #finish(): CallRecord {
    const record = this.#record;
    record.endedAt = this.#clock.now().toISOString();
    record.lang = this.#lang;
    record.outcome = this.#outcome();
    if (this.#emotion.perTurn.length > 0)
      record.emotion = { perTurn: this.#emotion.perTurn, peak: this.#emotion.peak };
    return record;
  }

  #outcome(): Outcome {
    if (this.#record.escalation !== undefined) return 'escalated';
    if (this.#record.booking !== undefined) return 'booking';
    if (this.#record.message !== undefined) return 'message';
    return this.#resolved > 0 ? 'resolved' : 'abandoned';
  }
}

function asksForMoney(u: Understanding): boolean {
  const concepts =
    u.lang === 'zh' ? chineseConcepts(normaliseChinese(u.text)) : englishConcepts(englishWords(u.text));
  return concepts.includes('refund');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
