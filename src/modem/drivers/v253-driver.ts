/**
 * Analog voice modems (USR5637, Conexant) speaking ITU-T V.253: caller ID records between the first and second
 * RING, off-hook with AT+VLS=1, full-duplex voice with AT+VTR, audio and events DLE-shielded on the AT port.
 *
 *   RING, DATE=…, TIME=…, NMBR=…, NAME=…, RING ─► caller-id ─► answer: AT+VSM, AT+VLS=1, AT+VTR → CONNECT
 *   data mode: bytes ─► DleDecoder ─► audio (decoded per AT+VSM) + DTMF (de-duplicated) + busy/dial tone/silence
 *   end: <DLE>^ → <DLE><ETX> OK, AT+VLS=0 (and AT+VCID=1 again: some modems forget it)
 */
import type { PcmFrame } from '../../audio/frame.js';
import { encodeSamples, LineAudioDecoder, type LineAudioFormat } from '../../audio/line-codec.js';
import type { OwnerDecision, TransferResult } from '../../calls/active-call.js';
import { describeError, ErrorCode, LinekeeperError } from '../../errors.js';
import type { TimerHandle } from '../../time/clock.js';
import { callerIdFromFields, parseCallerIdField } from '../caller-id.js';
import { DLE, DleDecoder, type DleEvent, dleCodeEvent, dleEscape } from '../dle.js';
import type {
  CallListEntry,
  LineDriver,
  LineEndCause,
  LineTransferOptions,
  ModemCapabilities,
  ModemHealth,
  ModemIdentity,
} from '../driver.js';
import { DriverBase, type DriverOptions } from './driver-base.js';

/** <DLE>^ ends +VTR full duplex (V.253). */
const END_DUPLEX = Uint8Array.from([DLE, 0x5e]);
/** A caller ID record is complete at the next RING or this long after its last field. */
const CALLER_ID_SETTLE_MS = 800;

/** Dependencies of a V.253 driver. */
export interface V253DriverOptions extends DriverOptions {
  /** Wire format selected with AT+VSM. */
  format: LineAudioFormat;
}

/** Driver for V.253 analog voice modems. */
export class V253Driver extends DriverBase<V253DriverOptions> implements LineDriver {
  #fields = new Map<string, string>();
  #fieldsTimer: TimerHandle | undefined;
  #ringing = false;
  #inVoice = false;
  /** Set while the owner's leg is being briefed: line tones then concern that leg. */
  #consult: { ownerGone: AbortController; busy: boolean } | undefined;

  constructor(options: V253DriverOptions) {
    const vsm = options.profile.voiceFormats?.[options.format];
    if (vsm === undefined)
      throw new LinekeeperError(
        ErrorCode.Modem_Unsupported,
        `${options.profile.name} has no AT+VSM id for audio format ${options.format}`,
      );
    super(options, options.format);
    const { urcs, engine } = options;
    for (const prefix of options.profile.urcs) urcs.declare(prefix);
    urcs.declare(/^\s*(DATE|TIME|NMBR|NAME|MESG)\s*=/);
    urcs.on('RING', () => {
      this.#flushCallerId();
      this.#ringing = true;
      this.emit({ type: 'ring' });
    });
    urcs.on(/^\s*(DATE|TIME|NMBR|NAME|MESG)\s*=/, (line) => {
      const field = parseCallerIdField(line);
      if (!field) return;
      this.#fields.set(field.key, field.value);
      this.#fieldsTimer?.clear();
      this.#fieldsTimer = options.clock.setTimeout(() => this.#flushCallerId(), CALLER_ID_SETTLE_MS);
    });
    // In command mode some modems report hook and line events as bare DLE codes.
    engine.on('dle', (code) => this.#onDleEvent(dleCodeEvent(code)));
  }

  async init(): Promise<void> {
    const { engine } = this.o;
    // ATZ goes as a recovery command: init also runs while the modem counts as unresponsive (after a reopen).
    await engine.send({ text: 'ATZ', priority: 'recovery', timeoutMs: 3000 });
    await engine.send({ text: 'ATE0', priority: 'control' });
    await this.sendInitSteps();
  }

  async answer(): Promise<void> {
    const { engine, profile, format } = this.o;
    this.#ringing = false;
    await engine.send({ text: 'AT+FCLASS=8', priority: 'control' });
    await engine.send({ text: `AT+VSM=${profile.voiceFormats?.[format]},8000`, priority: 'control' });
    await engine.send({ text: 'AT+VLS=1', priority: 'control' });
    await this.#startDuplex();
  }

  /** Full-duplex voice (AT+VTR): line audio and DLE events in, our audio out. */
  async #startDuplex(): Promise<void> {
    const { engine, format } = this.o;
    this.decoder = new LineAudioDecoder(format);
    const dle = new DleDecoder(
      (bytes) => this.pushAudio(bytes),
      (event) => this.#onDleEvent(event),
    );
    await engine.send({
      text: 'AT+VTR',
      priority: 'control',
      // Switch before the next byte is framed: voice data follows CONNECT immediately.
      onConnect: () => {
        this.#inVoice = true;
        engine.enterDataMode(dle);
      },
    });
  }

  async hangup(): Promise<void> {
    await this.#leaveVoice();
    try {
      for (const command of this.o.profile.hangup)
        await this.o.engine.send({ text: command, priority: 'control' });
    } finally {
      this.#finish('local');
    }
  }

  writeAudio(frame: PcmFrame): void {
    if (!this.#inVoice) return;
    const bytes = dleEscape(encodeSamples(this.o.format, frame));
    this.o.engine
      .writeData(bytes)
      .catch((e: unknown) => this.o.log.debug(`audio write failed: ${describeError(e)}`));
  }

  async listCalls(): Promise<CallListEntry[] | undefined> {
    return undefined;
  }

  /**
   * Hook-flash transfer: `AT+VTS=!` puts the caller on hold at the exchange, `ATDT<owner>;` dials, and going
   * on-hook hands the caller to the owner (the exchange's transfer on hang-up). With a brief, the line returns to
   * voice mode after dialling and plays it into the owner's leg. An analog line gives no answer signal, so the
   * brief repeats until the owner presses a key; busy tone or a decline flashes again, which drops the owner's
   * leg and brings the caller back (three-way calling; exchange-dependent).
   */
  async transfer(number: string, options: LineTransferOptions = {}): Promise<TransferResult> {
    if (!/^[0-9*#]+$/.test(number.replace(/^\+/, '')))
      return { status: 'failed', reason: `cannot dial "${number}" on an analog line` };
    const { engine } = this.o;
    try {
      await this.#leaveVoice();
      await engine.send({ text: 'AT+VTS=!', priority: 'control' });
      await engine.send({ text: `ATDT${number.replace(/^\+/, '')};`, priority: 'control', timeoutMs: 30000 });
      if (options.brief) {
        const outcome = await this.#briefOwner(options.brief);
        if (outcome !== 'connect') return await this.#takeBack(outcome);
        await this.#leaveVoice();
      }
      for (const command of this.o.profile.hangup) await engine.send({ text: command, priority: 'control' });
    } catch (e) {
      return { status: 'failed', reason: describeError(e) };
    }
    // The call manager records the transfer as the end of the call; the driver only forgets it.
    this.#finish('local', false);
    return { status: 'connected' };
  }

  /** Plays the brief into the owner's leg in voice mode; busy or dial tone there ends the owner's leg. */
  async #briefOwner(
    brief: NonNullable<LineTransferOptions['brief']>,
  ): Promise<OwnerDecision | 'busy' | 'owner-gone'> {
    const consult = { ownerGone: new AbortController(), busy: false };
    this.#consult = consult;
    try {
      await this.#startDuplex();
      const decision = await brief(consult.ownerGone.signal, false).catch((e: unknown) => {
        this.o.log.warn(`briefing the owner failed: ${describeError(e)}`);
        return 'decline' as const;
      });
      if (consult.busy) return 'busy';
      return consult.ownerGone.signal.aborted ? 'owner-gone' : decision;
    } finally {
      this.#consult = undefined;
    }
  }

  /** Flashes again to drop the owner's leg and talk to the caller, then resumes voice mode with them. */
  async #takeBack(
    outcome: Exclude<OwnerDecision, 'connect'> | 'busy' | 'owner-gone',
  ): Promise<TransferResult> {
    await this.#leaveVoice();
    await this.o.engine.send({ text: 'AT+VTS=!', priority: 'control' });
    await this.#startDuplex();
    if (outcome === 'busy') return { status: 'busy' };
    return outcome === 'decline' ? { status: 'declined' } : { status: 'no-answer' };
  }

  async identify(): Promise<ModemIdentity> {
    const { engine } = this.o;
    const code = (await engine.send({ text: 'ATI0' })).lines.join(' ').trim();
    const firmware = (await engine.send({ text: 'ATI3' })).lines.join(' ').trim();
    // ATI0 answers 5601 on a USR5637 and 56000 on Conexant chips (callattendant).
    const known: Record<string, ModemIdentity> = {
      '5601': { manufacturer: 'U.S. Robotics', model: 'USR5637', firmware },
      '56000': { manufacturer: 'Conexant', model: 'CX93001', firmware },
    };
    return known[code] ?? { manufacturer: 'unknown', model: code, firmware };
  }

  async health(): Promise<ModemHealth> {
    await this.o.engine.send({ text: 'AT' });
    return { sim: null, signalDbm: null, rssi: null, registration: 'not-applicable' };
  }

  async capabilities(): Promise<ModemCapabilities> {
    return {
      callerId: await this.succeeds('AT+VCID?'),
      digitalAudio: await this.succeeds('AT+VSM=?'),
      dtmf: true,
      sms: false,
      transfer: (await this.succeeds('AT+VTS=?')) ? 'hook-flash' : 'none',
      forwarding: false,
    };
  }

  reset(): void {
    this.#ringing = false;
    this.#inVoice = false;
    this.#fields.clear();
    this.jitter.reset();
    this.o.engine.leaveDataMode();
  }

  async #leaveVoice(): Promise<void> {
    if (!this.#inVoice && !this.o.engine.inDataMode) return;
    this.#inVoice = false;
    await this.o.engine.send({ text: '<DLE>^', raw: END_DUPLEX, priority: 'control', timeoutMs: 3000 });
  }

  #onDleEvent(event: DleEvent): void {
    switch (event.kind) {
      case 'dtmf':
        this.emit({ type: 'dtmf', digit: event.digit });
        return;
      case 'busy':
      case 'dial-tone':
      case 'loop-break':
        // During a transfer these are the owner's leg: busy, or back to dial tone (the caller waits on hold).
        if (this.#consult) {
          this.#consult.busy ||= event.kind === 'busy';
          this.#consult.ownerGone.abort();
          return;
        }
        // The far end hung up: the exchange plays busy or dial tone, or the loop current breaks.
        if (this.#inVoice || this.#ringing)
          void this.#remoteEnd(event.kind === 'busy' ? 'busy-tone' : event.kind);
        return;
      case 'silence':
        this.emit({ type: 'silence' });
        return;
      case 'handset-off-hook':
        this.emit({ type: 'handset-off-hook' });
        return;
      case 'ring':
        this.#ringing = true;
        this.emit({ type: 'ring' });
        return;
      case 'end-of-data':
        // We end voice mode with <DLE>^ after clearing #inVoice; an end while still in voice is a modem reset.
        if (this.#inVoice) {
          this.#inVoice = false;
          this.#finish('lost');
          this.emit({ type: 'modem-reset' });
        }
        return;
      default:
        this.o.log.debug(`DLE code 0x${(event.kind === 'other' ? event.code : 0).toString(16)} ignored`);
    }
  }

  async #remoteEnd(cause: LineEndCause): Promise<void> {
    this.#finish(cause);
    try {
      await this.#leaveVoice();
      for (const command of this.o.profile.hangup)
        await this.o.engine.send({ text: command, priority: 'control' });
    } catch (e) {
      this.o.log.warn(`going on-hook after the caller hung up failed: ${describeError(e)}`);
    }
  }

  #finish(cause: LineEndCause, report = true): void {
    this.#ringing = false;
    this.jitter.reset();
    // Some modems forget caller ID after a call or reset despite AT&W (home-assistant/core#57765).
    this.o.engine.send({ text: 'AT+VCID=1' }).catch(() => undefined);
    if (report) this.emit({ type: 'call-ended', cause });
  }

  #flushCallerId(): void {
    this.#fieldsTimer?.clear();
    this.#fieldsTimer = undefined;
    if (this.#fields.size === 0) return;
    const callerId = callerIdFromFields(this.#fields);
    this.#fields = new Map();
    this.emit({ type: 'caller-id', callerId });
  }
}
