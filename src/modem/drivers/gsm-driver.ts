/**
 * GSM/LTE voice modules (SIMCom SIM7600, Quectel EC25): 27.007 call control on the AT port, caller ID from
 * +CLIP, DTMF from the profile's URC, call audio as raw 8 kHz s16le on a second serial port that the driver
 * opens when a call is answered. SMS, health, forwarding and transfer use the standard command set.
 */
import type { PcmFrame } from '../../audio/frame.js';
import { encodeSamples } from '../../audio/line-codec.js';
import type { OwnerDecision, TransferResult } from '../../calls/active-call.js';
import { describeError } from '../../errors.js';
import { type Clock, delay } from '../../time/clock.js';
import { failedWith } from '../at-command.js';
import { parseClip } from '../caller-id.js';
import type {
  CallListEntry,
  LineDriver,
  LineTransferOptions,
  ModemCapabilities,
  ModemHealth,
  ModemIdentity,
} from '../driver.js';
import type { SerialBinding } from '../serial-binding.js';
import { decodeUcs2Hex, encodeUcs2Submit, fitsTextMode } from '../sms.js';
import { DriverBase, type DriverOptions } from './driver-base.js';

const CLCC_STATES: CallListEntry['state'][] = [
  'active',
  'held',
  'dialing',
  'alerting',
  'incoming',
  'waiting',
  'disconnect',
];

/** How long the owner's phone rings by default before the caller is taken back (below most voicemail delays). */
const OWNER_RING_MS = 25_000;
/** How often `AT+CLCC` is read while the owner's leg is set up or briefed (end reports wake it sooner). */
const LEG_POLL_MS = 500;
/** How long after a consultation end reports are checked against `AT+CLCC`. */
const VERIFY_ENDS_MS = 3000;

/** The result of an owner's leg that never answered. */
function unanswered(result: string): TransferResult {
  if (result === 'BUSY') return { status: 'busy' };
  if (result === 'NO ANSWER' || result === 'NO CARRIER') return { status: 'no-answer' };
  return { status: 'failed', reason: result };
}

/** One warm transfer in progress: end reports and call progress wake its `AT+CLCC` watch. */
class Consultation {
  /** BUSY or NO ANSWER, when the network reported one for the owner's leg. */
  progress: string | undefined;
  /** Aborted when the owner's leg is over (or the caller's), which stops the brief. */
  readonly ownerGone = new AbortController();
  #woken = false;
  #wake: (() => void) | undefined;

  /** Ends the current (or the next) `pause` at once. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Waits `ms`, or less when woken. */
  pause(clock: Clock, ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#wake = undefined;
        this.#woken = false;
        timer.clear();
        resolve();
      };
    });
  }
}

/** Parses one `+CLCC:` line. */
export function parseClcc(line: string): CallListEntry | undefined {
  const m = /^\+CLCC:\s*(\d+),(\d),(\d),(\d),(\d)(?:,"([^"]*)")?/.exec(line);
  if (!m) return undefined;
  return {
    index: Number(m[1]),
    direction: m[2] === '0' ? 'outgoing' : 'incoming',
    state: CLCC_STATES[Number(m[3])] ?? 'disconnect',
    number: m[6] ? m[6] : null,
  };
}

/** Dependencies of a GSM driver. */
export interface GsmDriverOptions extends DriverOptions {
  /** The raw PCM port (not opened yet; the driver opens it on answer and keeps it open). */
  audioPort: SerialBinding;
}

/** Driver for SIMCom and Quectel voice modules. */
export class GsmDriver extends DriverBase<GsmDriverOptions> implements LineDriver {
  /** A call is ringing or connected (end indications outside one are duplicates). */
  #active = false;
  #inCall = false;
  #audioOpen = false;
  #audioOff: (() => void) | undefined;
  /** Set during a warm transfer: end reports then concern one of two legs. */
  #consult: Consultation | undefined;
  /** Until then, end reports are checked against AT+CLCC (the owner's leg may end after the caller is back). */
  #verifyEndsUntil = 0;

  constructor(options: GsmDriverOptions) {
    super(options, options.profile.audio.format);
    const { urcs, profile } = options;
    for (const prefix of ['RING', '+CRING:', '+CLIP:', '+CLCC:', '+CCWA:', '+CMTI:', 'NO CARRIER', 'BUSY'])
      urcs.declare(prefix);
    for (const prefix of profile.urcs) urcs.declare(prefix);
    urcs.on('RING', () => this.#ring());
    urcs.on('+CRING:', () => this.#ring());
    urcs.on('+CLIP:', (line) => {
      const callerId = parseClip(line);
      if (callerId) this.emit({ type: 'caller-id', callerId });
    });
    urcs.on('+CCWA:', (line) => {
      const callerId = parseClip(line.replace('+CCWA:', '+CLIP:')) ?? { number: null, absent: 'unavailable' };
      this.emit({ type: 'call-waiting', callerId });
    });
    urcs.on('+CMTI:', (line) => {
      const index = Number(/,\s*(\d+)/.exec(line)?.[1] ?? Number.NaN);
      if (Number.isInteger(index)) void this.#readSms(index);
    });
    if (profile.dtmf) {
      const { prefix, value } = profile.dtmf;
      urcs.on(prefix, (line) => {
        const raw = line.slice(prefix.length).trim();
        const digit = value === 'ascii-code' ? String.fromCharCode(Number(raw)) : raw.slice(0, 1);
        if (/^[0-9*#A-D]$/.test(digit)) this.emit({ type: 'dtmf', digit });
      });
    }
    for (const prefix of profile.callEnd) urcs.on(prefix, () => this.#ended('remote'));
    // RDY after power-up means the module reset: any call is gone and every setting must be sent again.
    urcs.declare('RDY');
    urcs.on('RDY', () => {
      if (this.#active) this.#ended('lost');
      this.reset();
      this.emit({ type: 'modem-reset' });
    });
    if (!profile.callEnd.includes('NO CARRIER')) urcs.on('NO CARRIER', () => this.#ended('remote'));
  }

  async init(): Promise<void> {
    const { engine, profile, log } = this.o;
    // The first AT after power-up may be lost (agentOS): probe a few times before giving up.
    let alive = false;
    for (let i = 0; i < 3 && !alive; i++) {
      alive = await engine.send({ text: 'AT', priority: 'recovery', timeoutMs: 1000 }).then(
        () => true,
        () => false,
      );
    }
    await engine.send({ text: 'ATE0', priority: 'control' });
    await this.sendInitSteps();
    // A call left over from before a reopen has no owner any more: hang it up so the line is free.
    // (A call still ringing in is not left over: the call manager will pick it up.)
    const leftover = (await this.listCalls().catch(() => [])).filter(
      (c) => c.state !== 'incoming' && c.state !== 'waiting',
    );
    if (leftover.length > 0) {
      log.warn(`hanging up ${leftover.length} call(s) left over from before the modem was reopened`);
      for (const command of profile.hangup)
        await engine.send({ text: command, priority: 'control' }).catch(() => undefined);
    }
  }

  async answer(): Promise<void> {
    const { engine, profile, clock, log } = this.o;
    this.#active = true;
    await engine.send({ text: 'ATA', priority: 'control', timeoutMs: 15000 });
    this.#inCall = true;
    await this.#openAudio();
    // AT+CPCMREG=1 is accepted only once the call is really up, with variable latency (callpilot#112).
    const deadline = clock.now() + profile.audio.enableRetryMs;
    for (const command of profile.audio.enable) {
      for (let attempt = 1; ; attempt++) {
        try {
          await engine.send({ text: command, priority: 'control' });
          if (attempt > 1) log.info(`${command} succeeded on attempt ${attempt}`);
          break;
        } catch (e) {
          if (!failedWith(e, 'error-result') || clock.now() >= deadline || !this.#inCall) throw e;
          await delay(clock, 200);
        }
      }
    }
  }

  async hangup(): Promise<void> {
    const { engine, profile } = this.o;
    try {
      for (const command of profile.hangup) await engine.send({ text: command, priority: 'control' });
    } finally {
      this.#ended('local');
    }
  }

  writeAudio(frame: PcmFrame): void {
    if (!this.#inCall || !this.#audioOpen) return;
    this.o.audioPort.write(encodeSamples(this.o.profile.audio.format, frame)).catch((e: unknown) => {
      this.o.log.debug(`audio write failed: ${describeError(e)}`);
    });
  }

  async listCalls(): Promise<CallListEntry[]> {
    const response = await this.o.engine.send({ text: 'AT+CLCC', infoPrefixes: ['+CLCC:'] });
    return response.lines.map(parseClcc).filter((c): c is CallListEntry => c !== undefined);
  }

  /**
   * Warm transfer (27.007 +CHLD, hardware.md §2): `AT+CHLD=2` holds the caller, `ATD<owner>;` rings the owner,
   * `AT+CLCC` shows when their leg turns active; then the brief plays over the call audio (which now carries the
   * owner's leg) and `AT+CHLD=4` joins the two (explicit call transfer). When the owner is busy, does not answer
   * within `ringTimeoutMs`, hangs up or declines, `AT+CHLD=1<x>` ends a leg still ringing and `AT+CHLD=1`
   * releases the active leg and retrieves the held caller.
   */
  async transfer(number: string, options: LineTransferOptions = {}): Promise<TransferResult> {
    const { engine, urcs, log } = this.o;
    const support = await engine.send({ text: 'AT+CHLD=?', infoPrefixes: ['+CHLD:'] }).catch(() => undefined);
    const chld = /\(([^)]*)\)/.exec(support?.lines[0] ?? '')?.[1]?.split(',') ?? [];
    if (!chld.includes('4'))
      return {
        status: 'unsupported',
        reason: `the network offers no explicit call transfer (AT+CHLD=? gave ${support?.lines[0] ?? 'ERROR'})`,
      };
    try {
      await engine.send({ text: 'AT+CHLD=2', priority: 'control' });
    } catch (e) {
      return { status: 'failed', reason: `the caller could not be put on hold: ${describeError(e)}` };
    }
    const consult = new Consultation();
    this.#consult = consult;
    const offProgress = urcs.on(/^(BUSY|NO ANSWER|VOICE CALL: BEGIN)/, (line) => {
      if (!line.startsWith('VOICE CALL')) consult.progress = line;
      consult.wake();
    });
    try {
      const dialFailure = await engine
        .send({ text: `ATD${number};`, priority: 'control', timeoutMs: 30000 })
        .then(
          () => undefined,
          (e: unknown) => (failedWith(e, 'error-result') ? e.failure.result : describeError(e)),
        );
      if (dialFailure !== undefined) return await this.#takeBack(consult, unanswered(dialFailure));
      const answer = await this.#ownerAnswer(consult, options.ringTimeoutMs ?? OWNER_RING_MS);
      if (answer === 'caller-gone') return await this.#callerLeft();
      if (answer !== 'answered') return await this.#takeBack(consult, unanswered(answer));
      const decision = options.brief ? await this.#briefOwner(consult, options.brief) : 'connect';
      if (decision === 'caller-gone') return await this.#callerLeft();
      if (decision === 'owner-gone' || decision === 'silent')
        return await this.#takeBack(consult, { status: 'no-answer' });
      if (decision === 'decline') return await this.#takeBack(consult, { status: 'declined' });
      try {
        await engine.send({ text: 'AT+CHLD=4', priority: 'control', timeoutMs: 10000 });
      } catch (e) {
        log.warn(`joining the calls failed: ${describeError(e)}`);
        return await this.#takeBack(consult, { status: 'failed', reason: describeError(e) });
      }
      // The call manager records the transfer as the end of the call; the driver only forgets it.
      this.#consult = undefined;
      this.#ended('local', false);
      return { status: 'connected' };
    } finally {
      offProgress();
      this.#consult = undefined;
    }
  }

  /** The caller's and the owner's legs as `AT+CLCC` lists them (undefined when it could not be read). */
  async #legs(): Promise<{ caller?: CallListEntry; owner?: CallListEntry } | undefined> {
    const calls = await this.listCalls().catch(() => undefined);
    if (calls === undefined) return undefined;
    const live = calls.filter((c) => c.state !== 'disconnect');
    return {
      caller: live.find((c) => c.direction === 'incoming'),
      owner: live.find((c) => c.direction === 'outgoing'),
    };
  }

  /** Waits until the owner's leg turns active, ends, or rings past the deadline. */
  async #ownerAnswer(
    consult: Consultation,
    ringTimeoutMs: number,
  ): Promise<'answered' | 'caller-gone' | 'BUSY' | 'NO ANSWER'> {
    const { clock } = this.o;
    const deadline = clock.now() + ringTimeoutMs;
    for (;;) {
      const legs = await this.#legs();
      if (legs !== undefined) {
        if (!legs.caller) return 'caller-gone';
        if (!legs.owner) return consult.progress === 'BUSY' ? 'BUSY' : 'NO ANSWER';
        if (legs.owner.state === 'active') return 'answered';
      }
      const left = deadline - clock.now();
      if (left <= 0) return 'NO ANSWER';
      await consult.pause(clock, Math.min(LEG_POLL_MS, left));
    }
  }

  /** Runs the brief while watching both legs; a leg that ends stops the brief (`ownerGone`). */
  async #briefOwner(
    consult: Consultation,
    brief: NonNullable<LineTransferOptions['brief']>,
  ): Promise<OwnerDecision | 'owner-gone' | 'caller-gone'> {
    const { clock, log } = this.o;
    let briefing = true;
    let left: 'owner-gone' | 'caller-gone' | undefined;
    const watching = (async () => {
      while (briefing && left === undefined) {
        await consult.pause(clock, LEG_POLL_MS);
        const legs = briefing ? await this.#legs() : undefined;
        if (legs === undefined || !briefing) continue;
        left = !legs.caller ? 'caller-gone' : !legs.owner ? 'owner-gone' : undefined;
        if (left !== undefined) consult.ownerGone.abort();
      }
    })();
    try {
      const decision = await brief(consult.ownerGone.signal, true).catch((e: unknown) => {
        log.warn(`briefing the owner failed: ${describeError(e)}`);
        return 'decline' as const;
      });
      return left ?? decision;
    } finally {
      briefing = false;
      consult.wake();
      await watching;
    }
  }

  /**
   * Takes the held caller back: `AT+CHLD=1<x>` ends the owner's leg while it still rings (1 alone only releases
   * active calls), then `AT+CHLD=1` releases an active owner's leg and retrieves the held call. End reports of the
   * owner's leg that arrive afterwards are checked against `AT+CLCC` before they end the caller's call.
   */
  async #takeBack(consult: Consultation, result: TransferResult): Promise<TransferResult> {
    const { engine, clock, log } = this.o;
    consult.ownerGone.abort();
    try {
      const legs = await this.#legs();
      if (legs?.owner && legs.owner.state !== 'active')
        await engine.send({ text: `AT+CHLD=1${legs.owner.index}`, priority: 'control' });
      await engine.send({ text: 'AT+CHLD=1', priority: 'control' });
    } catch (e) {
      log.warn(`taking the caller back from hold failed: ${describeError(e)}`);
      return {
        status: 'failed',
        reason: `the caller could not be taken back from hold: ${describeError(e)}`,
      };
    } finally {
      this.#verifyEndsUntil = clock.now() + VERIFY_ENDS_MS;
    }
    return result;
  }

  /** The caller hung up while on hold: end the owner's leg too and report the end of the call. */
  async #callerLeft(): Promise<TransferResult> {
    const { engine, profile } = this.o;
    this.#consult?.ownerGone.abort();
    this.#consult = undefined;
    for (const command of profile.hangup)
      await engine.send({ text: command, priority: 'control' }).catch(() => undefined);
    this.#ended('remote');
    return { status: 'failed', reason: 'the caller hung up while on hold' };
  }

  /** An end report right after a consultation may belong to the owner's leg: end the call only if AT+CLCC agrees. */
  async #confirmEnd(): Promise<void> {
    const legs = await this.#legs();
    if (legs?.caller && (legs.caller.state === 'active' || legs.caller.state === 'held')) return;
    this.#verifyEndsUntil = 0;
    this.#ended('remote');
  }

  async identify(): Promise<ModemIdentity> {
    const { identify } = this.o.profile;
    const read = async (command: string) =>
      (await this.o.engine.send({ text: command })).lines.join(' ').replace(/^\+\w+:\s*/, '');
    return {
      manufacturer: await read(identify.manufacturer),
      model: await read(identify.model),
      firmware: await read(identify.firmware),
    };
  }

  async health(): Promise<ModemHealth> {
    const { engine } = this.o;
    const sim = await engine
      .send({ text: 'AT+CPIN?', infoPrefixes: ['+CPIN:'] })
      .then((r) => r.lines[0]?.replace(/^\+CPIN:\s*/, '') ?? null)
      .catch((e: unknown) => (failedWith(e, 'error-result') ? e.failure.result : null));
    const csq = await engine.send({ text: 'AT+CSQ', infoPrefixes: ['+CSQ:'] }).catch(() => undefined);
    const rssiMatch = /\+CSQ:\s*(\d+)/.exec(csq?.lines[0] ?? '');
    const rssi = rssiMatch ? Number(rssiMatch[1]) : null;
    const signalDbm = rssi === null || rssi === 99 ? null : -113 + 2 * rssi;
    // On LTE-only modules +CREG may say not registered while +CEREG is fine: take the better of both.
    let registration: ModemHealth['registration'] = 'unknown';
    for (const command of ['AT+CEREG?', 'AT+CREG?']) {
      const prefix = command.slice(2, -1);
      const response = await engine
        .send({ text: command, infoPrefixes: [`${prefix}:`] })
        .catch(() => undefined);
      const stat = Number(/,\s*(\d+)/.exec(response?.lines[0] ?? '')?.[1] ?? -1);
      const mapped = registrationOf(stat);
      if (mapped === 'home' || mapped === 'roaming') {
        registration = mapped;
        break;
      }
      if (registration === 'unknown') registration = mapped;
    }
    return { sim, signalDbm, rssi, registration };
  }

  async capabilities(): Promise<ModemCapabilities> {
    const { engine, profile } = this.o;
    const chld = await engine.send({ text: 'AT+CHLD=?', infoPrefixes: ['+CHLD:'] }).catch(() => undefined);
    const ect =
      /\(([^)]*)\)/
        .exec(chld?.lines[0] ?? '')?.[1]
        ?.split(',')
        .includes('4') ?? false;
    return {
      callerId: await this.succeeds('AT+CLIP?'),
      digitalAudio: profile.audio.enable.length > 0,
      dtmf: profile.dtmf !== undefined,
      sms: await this.succeeds('AT+CMGF=?'),
      transfer: ect ? 'explicit-call-transfer' : 'none',
      forwarding: await this.succeeds('AT+CCFC=?'),
    };
  }

  /** Sends an SMS: text mode for plain ASCII, UCS-2 PDUs otherwise (Chinese). */
  async sendSms(number: string, text: string): Promise<void> {
    const { engine } = this.o;
    if (fitsTextMode(text)) {
      await engine.send({ text: 'AT+CMGF=1' });
      await engine.send({
        text: `AT+CMGS="${number}"`,
        payload: text,
        timeoutMs: 60000,
        infoPrefixes: ['+CMGS:'],
      });
      return;
    }
    await engine.send({ text: 'AT+CMGF=0' });
    try {
      for (const part of encodeUcs2Submit(number, text, Math.floor(this.o.clock.now()) & 0xff)) {
        await engine.send({
          text: `AT+CMGS=${part.tpduLength}`,
          payload: part.pdu,
          timeoutMs: 60000,
          infoPrefixes: ['+CMGS:'],
        });
      }
    } finally {
      await engine.send({ text: 'AT+CMGF=1' }).catch(() => undefined);
    }
  }

  /**
   * Makes sure the network forwards unanswered (reason 2) and unreachable (reason 3) calls to `owner`, so a
   * person answers when the box is down. Returns what was found and what was changed.
   */
  async ensureForwarding(
    owner: string,
    noReplySeconds: number,
  ): Promise<{ reason: number; changed: boolean }[]> {
    const { engine } = this.o;
    const results: { reason: number; changed: boolean }[] = [];
    for (const reason of [2, 3]) {
      const query = await engine.send({
        text: `AT+CCFC=${reason},2`,
        infoPrefixes: ['+CCFC:'],
        timeoutMs: 20000,
      });
      const active = query.lines.some((l) => /^\+CCFC:\s*1,\s*1\s*,\s*"([^"]*)"/.exec(l)?.[1] === owner);
      if (!active) {
        const type = owner.startsWith('+') ? 145 : 129;
        const time = reason === 2 ? `,,,${noReplySeconds}` : '';
        await engine.send({ text: `AT+CCFC=${reason},3,"${owner}",${type},1${time}`, timeoutMs: 20000 });
      }
      results.push({ reason, changed: !active });
    }
    return results;
  }

  /** Reads message `index` in text mode (UCS-2 bodies decoded), reports it, then deletes it from storage. */
  async #readSms(index: number): Promise<void> {
    const { engine, log } = this.o;
    try {
      await engine.send({ text: 'AT+CMGF=1' });
      const response = await engine.send({ text: `AT+CMGR=${index}`, infoPrefixes: ['+CMGR:'] });
      const header = /^\+CMGR:\s*"[^"]*"\s*,\s*"([^"]*)"/.exec(response.lines[0] ?? '');
      const body = response.lines.slice(1).join('\n');
      if (!header) {
        log.warn(`message ${index}: unreadable header "${response.lines[0] ?? ''}"`);
        return;
      }
      // With AT+CSCS="UCS2" (or a UCS-2 message) the body arrives as hex UTF-16BE.
      const text = /^([0-9A-F]{4})+$/.test(body) ? decodeUcs2Hex(body) : body;
      this.emit({ type: 'sms', from: header[1] as string, text });
      await engine.send({ text: `AT+CMGD=${index}` });
    } catch (e) {
      log.warn(`reading message ${index} failed: ${describeError(e)}`);
    }
  }

  reset(): void {
    this.#consult?.ownerGone.abort();
    this.#consult = undefined;
    this.#active = false;
    this.#inCall = false;
    this.jitter.reset();
  }

  #ring(): void {
    this.#active = true;
    this.emit({ type: 'ring' });
  }

  #ended(cause: 'remote' | 'local' | 'lost', report = true): void {
    // VOICE CALL: END is followed by NO CARRIER, and a modem may repeat either: one end per call.
    if (!this.#active) return;
    // With two legs up, an end report may be the owner's: the consultation reads AT+CLCC to tell.
    if (cause === 'remote' && this.#consult) {
      this.#consult.wake();
      return;
    }
    if (cause === 'remote' && this.o.clock.now() < this.#verifyEndsUntil) {
      void this.#confirmEnd();
      return;
    }
    const wasInCall = this.#inCall;
    this.#active = false;
    this.#inCall = false;
    this.jitter.reset();
    if (wasInCall && cause !== 'lost')
      for (const command of this.o.profile.audio.disable)
        this.o.engine.send({ text: command }).catch(() => undefined);
    if (report) this.emit({ type: 'call-ended', cause });
  }

  async #openAudio(): Promise<void> {
    if (this.#audioOpen) return;
    const { audioPort } = this.o;
    await audioPort.open();
    this.#audioOpen = true;
    const offData = audioPort.onData((data) => {
      if (this.#inCall) this.pushAudio(data);
    });
    const offClose = audioPort.onClose(() => {
      this.#audioOpen = false;
      this.#audioOff?.();
    });
    this.#audioOff = () => {
      offData();
      offClose();
    };
  }

  /** Closes the audio port (modem stop). */
  async close(): Promise<void> {
    this.#audioOff?.();
    this.#audioOff = undefined;
    if (this.#audioOpen) await this.o.audioPort.close();
    this.#audioOpen = false;
  }
}

function registrationOf(stat: number): ModemHealth['registration'] {
  switch (stat) {
    case 1:
    case 6:
    case 9:
      return 'home';
    case 5:
    case 7:
    case 10:
      return 'roaming';
    case 2:
      return 'searching';
    case 3:
      return 'denied';
    case 0:
      return 'not-registered';
    default:
      return 'unknown';
  }
}
