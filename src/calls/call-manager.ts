/**
 * Call handling on one line: turns line events into calls, answers after `ringsBeforeAnswer` rings once caller
 * ID has arrived, exposes the answered call as an `ActiveCall`, and records every transition with a timestamp.
 * One call at a time: a second call (call waiting) is logged and never answered; a call someone else picked up
 * (a handset off-hook) is never played into. `AT+CLCC` polling ends a call whose end indication was lost.
 */
import { EventEmitter } from 'node:events';
import { ulid } from 'ulid';
import type { PcmFrame } from '../audio/frame.js';
import { type FrameTiming, Playout } from '../audio/playout.js';
import { describeError } from '../errors.js';
import { type Logger, personal } from '../log/logger.js';
import type {
  CallerId,
  CallListEntry,
  LineEndCause,
  LineEvent,
  LineTransferOptions,
} from '../modem/driver.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { CallEndReason, TransferOptions, TransferResult } from './active-call.js';
import { type CallEvent, type CallOutcomeReason, type CallState, canTransition } from './call-machine.js';
import { LineCall } from './line-call.js';
import { LineOwnerLeg } from './owner-leg.js';

/** The line as call handling needs it (the `Modem` implements it). */
export interface CallLine {
  onEvent(listener: (event: LineEvent) => void): () => void;
  onAudio(listener: (frame: PcmFrame) => void): () => void;
  answer(): Promise<void>;
  hangup(): Promise<void>;
  writeAudio(frame: PcmFrame): void;
  transfer(number: string, options?: LineTransferOptions): Promise<TransferResult>;
  listCalls(): Promise<CallListEntry[] | undefined>;
}

/** Options of the call manager. */
export interface CallManagerOptions {
  line: CallLine;
  clock: Clock;
  log: Logger;
  /** Rings before answering (caller ID must have arrived). */
  ringsBeforeAnswer: number;
  /** A ringing call with no ring for this long was abandoned by the caller. */
  ringTimeoutMs?: number;
  /** How often `AT+CLCC` checks a connected call is still there (GSM); 0 disables. */
  clccPollMs?: number;
  /** Receives the lateness of every outgoing frame (benchmark). */
  onFrameTiming?: (timing: FrameTiming) => void;
}

/** The record of one call: every transition, caller ID and DTMF, kept after the call ended. */
export interface CallHistory {
  callId: string;
  callerId: CallerId | null;
  events: CallEvent[];
  dtmf: string;
  /** Set for calls that ended. */
  reason?: CallOutcomeReason;
}

/** Events of the call manager. */
export interface CallManagerEvents {
  /** Every transition of every call. */
  transition: [CallEvent];
  /** A call the box answered is connected. */
  connected: [LineCall];
  /** A call is over; its full history. */
  ended: [CallHistory];
}

interface Current {
  history: CallHistory;
  state: CallState;
  rings: number;
  ringTimer?: TimerHandle;
  pollTimer?: TimerHandle;
  call?: LineCall;
  playout?: Playout;
  /** A transfer is under way: the caller is on hold, line audio and keys are the owner's. */
  onHold?: boolean;
  /** The owner's leg while they are briefed. */
  owner?: LineOwnerLeg;
}

const END_REASONS: Record<LineEndCause, CallEndReason> = {
  remote: 'caller-hangup',
  'busy-tone': 'caller-hangup',
  'dial-tone': 'caller-hangup',
  'loop-break': 'caller-hangup',
  local: 'line-hangup',
  lost: 'modem-lost',
};

/** Runs calls on one line. */
export class CallManager extends EventEmitter<CallManagerEvents> {
  readonly #o: CallManagerOptions;
  #current: Current | undefined;
  readonly #offs: (() => void)[] = [];

  constructor(options: CallManagerOptions) {
    super();
    this.#o = options;
  }

  /** Starts listening to the line. */
  start(): void {
    const { line } = this.#o;
    this.#offs.push(line.onEvent((event) => this.#onLineEvent(event)));
    this.#offs.push(
      line.onAudio((frame) => {
        if (this.#current?.state === 'connected' && !this.#current.onHold)
          this.#current.call?.deliverAudio(frame);
      }),
    );
  }

  /** Stops listening; a call in progress ends as modem-lost. */
  stop(): void {
    for (const off of this.#offs.splice(0)) off();
    if (this.#current) this.#end('modem-lost', 'call handling stopped');
  }

  /** The state of the current call, or idle. */
  get state(): CallState {
    return this.#current?.state ?? 'idle';
  }

  /** The connected call, if any. */
  get activeCall(): LineCall | undefined {
    return this.#current?.state === 'connected' ? this.#current.call : undefined;
  }

  #onLineEvent(event: LineEvent): void {
    const current = this.#current;
    const { log } = this.#o;
    switch (event.type) {
      case 'ring':
        if (!current) {
          this.#begin();
          return;
        }
        if (current.state === 'ringing') {
          current.rings++;
          this.#armRingTimer(current);
          this.#maybeAnswer(current);
        } else {
          log.info('ring while a call is in progress: not answered (one call at a time)');
        }
        return;
      case 'caller-id':
        if (!current) this.#begin();
        if (this.#current && this.#current.state === 'ringing') {
          this.#current.history.callerId = event.callerId;
          this.#maybeAnswer(this.#current);
        }
        return;
      case 'call-waiting':
        log.info('call waiting: a second caller is not answered', {
          caller: personal(event.callerId.number),
        });
        return;
      case 'handset-off-hook':
        if (current?.state === 'ringing') this.#end('answered-elsewhere', 'a handset on the line picked up');
        return;
      case 'dtmf':
        if (current?.onHold) current.owner?.deliverKey(event.digit);
        else if (current?.state === 'connected') {
          current.history.dtmf += event.digit;
          current.call?.deliverDtmf(event.digit);
        }
        return;
      case 'call-ended':
        if (!current) return;
        if (current.state === 'ringing')
          this.#end(event.cause === 'lost' ? 'modem-lost' : 'missed', event.cause);
        // The box is hanging up: the modem's end report (which may overtake the OK) is the box's own doing.
        else if (current.state === 'ending') this.#end('line-hangup', 'hung up by the box');
        else this.#end(END_REASONS[event.cause], event.cause);
        return;
      case 'silence':
      case 'sms':
      case 'modem-reset':
        return;
    }
  }

  #begin(): void {
    const history: CallHistory = { callId: ulid(), callerId: null, events: [], dtmf: '' };
    const current: Current = { history, state: 'idle', rings: 1 };
    this.#current = current;
    this.#transition(current, 'ringing');
    this.#armRingTimer(current);
  }

  #armRingTimer(current: Current): void {
    current.ringTimer?.clear();
    current.ringTimer = this.#o.clock.setTimeout(() => {
      if (this.#current === current && current.state === 'ringing') this.#end('missed', 'rings stopped');
    }, this.#o.ringTimeoutMs ?? 8000);
  }

  #maybeAnswer(current: Current): void {
    const { ringsBeforeAnswer } = this.#o;
    const haveId = current.history.callerId !== null;
    // Answer once caller ID is in; a line that never sends it gets one extra ring to be sure.
    if (current.rings >= ringsBeforeAnswer && (haveId || current.rings > ringsBeforeAnswer))
      void this.#answer(current);
  }

  async #answer(current: Current): Promise<void> {
    current.ringTimer?.clear();
    this.#transition(current, 'answering');
    try {
      await this.#o.line.answer();
    } catch (e) {
      this.#o.log.error(`answering failed: ${describeError(e)}`);
      if (this.#current === current) {
        await this.#o.line.hangup().catch(() => undefined);
        this.#end('error', describeError(e));
      }
      return;
    }
    if (this.#current !== current || current.state !== 'answering') return;
    const { clock, line } = this.#o;
    const playout = new Playout(clock, (frame) => line.writeAudio(frame), this.#o.onFrameTiming);
    const call = new LineCall(
      current.history.callId,
      current.history.callerId?.number ?? null,
      new Date(clock.now()),
      playout,
      {
        transfer: (number, options) => this.#transfer(current, number, options),
        hangup: () => this.#hangup(current),
      },
    );
    current.call = call;
    current.playout = playout;
    playout.start();
    this.#transition(current, 'connected');
    this.#schedulePoll(current);
    this.emit('connected', call);
  }

  async #hangup(current: Current): Promise<void> {
    if (this.#current !== current || current.state !== 'connected') return;
    this.#transition(current, 'ending');
    try {
      await this.#o.line.hangup();
    } catch (e) {
      this.#o.log.warn(`hangup failed: ${describeError(e)}`);
    }
    if (this.#current === current) this.#end('line-hangup', 'hung up by the box');
  }

  async #transfer(current: Current, number: string, options: TransferOptions = {}): Promise<TransferResult> {
    const { brief, ringTimeoutMs } = options;
    const { playout } = current;
    const lineOptions: LineTransferOptions = {
      ...(ringTimeoutMs !== undefined ? { ringTimeoutMs } : {}),
      ...(brief && playout
        ? {
            brief: async (ownerGone, answerSignalled) => {
              const owner = new LineOwnerLeg(answerSignalled, playout, this.#o.clock, ownerGone);
              current.owner = owner;
              try {
                return await brief(owner);
              } finally {
                current.owner = undefined;
                // Nothing of the brief may reach the caller when they are taken back.
                playout.stopPlayback();
              }
            },
          }
        : {}),
    };
    current.onHold = true;
    try {
      const result = await this.#o.line.transfer(number, lineOptions);
      if (result.status === 'connected' && this.#current === current)
        this.#end('transferred', `to ${number}`);
      return result;
    } finally {
      current.onHold = false;
    }
  }

  #schedulePoll(current: Current): void {
    const every = this.#o.clccPollMs ?? 2000;
    if (every <= 0) return;
    current.pollTimer = this.#o.clock.setTimeout(async () => {
      if (this.#current !== current || current.state !== 'connected') return;
      const calls = await this.#o.line.listCalls().catch(() => undefined);
      if (this.#current !== current || current.state !== 'connected') return;
      // Only a definite answer ends the call: an empty list from a modem that can list calls.
      if (calls !== undefined && !calls.some((c) => c.state === 'active' || c.state === 'held')) {
        this.#o.log.warn('AT+CLCC shows no call: the end-of-call indication was lost');
        this.#end('caller-hangup', 'lost end of call, found by AT+CLCC');
        return;
      }
      this.#schedulePoll(current);
    }, every);
  }

  #end(reason: CallOutcomeReason, detail: string): void {
    const current = this.#current;
    if (!current) return;
    current.ringTimer?.clear();
    current.pollTimer?.clear();
    current.history.reason = reason;
    this.#transition(current, 'ended', { reason, detail });
    this.#current = undefined;
    if (current.call) {
      const endReason: CallEndReason =
        reason === 'missed' || reason === 'answered-elsewhere' ? 'caller-hangup' : reason;
      current.call.end(endReason);
    }
    this.emit('ended', current.history);
  }

  #transition(
    current: Current,
    to: CallState,
    extra: { reason?: CallOutcomeReason; detail?: string } = {},
  ): void {
    if (!canTransition(current.state, to)) {
      this.#o.log.error(`call ${current.history.callId}: no transition ${current.state} → ${to}`);
      return;
    }
    const event: CallEvent = {
      callId: current.history.callId,
      state: to,
      previous: current.state,
      at: new Date(this.#o.clock.now()),
      callerNumber: current.history.callerId?.number ?? null,
      ...extra,
    };
    current.state = to;
    current.history.events.push(event);
    this.#o.log.info(
      `call ${event.callId}: ${event.previous} → ${to}${extra.detail ? ` (${extra.detail})` : ''}`,
      {
        caller: personal(event.callerNumber),
      },
    );
    this.emit('transition', event);
  }
}
