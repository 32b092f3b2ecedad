/**
 * The virtual modem: plays the network and the caller for one modem profile, speaking the profile's AT
 * dialect byte for byte. Transport-agnostic: the host's bytes come in through `receive(port, bytes)`, the
 * modem's bytes go out as `output` events; `in-process-binding.ts` and `pty-emulator.ts` connect it to the
 * daemon (in-process for unit tests, a real pseudo-terminal pair otherwise).
 *
 *   host ──AT bytes──► receive('at') ─► command handlers (per dialect) ─► output('at', "OK\r\n")
 *   host ──PCM──────► receive('audio') ─► recorded (the line's audio)  ◄── echo (delayed, attenuated)
 *   caller: ring() / sendAudio() / pressKeys() / hangUp()  ─► URCs, audio frames at real-time pace
 *   owner (transfers): held caller + ATD/ATDT ─► the owner's leg rings, answers or not (`owner`); while it is up
 *   the box's audio goes to `ownerRecorded`, `ownerPressKeys()` sends their keys; joined by AT+CHLD=4 / on-hook
 *   faults: garbage, lost or duplicated URCs, unresponsive, reset mid-call, audio stalls
 */
import { EventEmitter } from 'node:events';
import { FRAME_SAMPLES, joinSamples, type PcmFrame } from '../../src/audio/frame.js';
import { encodeSamples, LineAudioDecoder, type LineAudioFormat } from '../../src/audio/line-codec.js';
import { Playout } from '../../src/audio/playout.js';
import { DLE, dleShield, ETX } from '../../src/modem/dle.js';
import type { ModemProfile } from '../../src/modem/profile.js';
import { type Clock, systemClock, type TimerHandle } from '../../src/time/clock.js';

/** Which port of the modem. */
export type VirtualPort = 'at' | 'audio';

/** How the caller presents themselves. */
export interface CallerSpec {
  /** Number, or null for withheld. */
  number: string | null;
  /** Analog NAME field. */
  name?: string;
  /** Milliseconds between rings (real lines: ~5000). */
  ringIntervalMs?: number;
  /** Rings before the caller gives up. */
  maxRings?: number;
}

/** A message the box sent. */
export interface CapturedSms {
  /** `AT+CMGS` argument: number (text mode) or TPDU length (PDU mode). */
  destination: string;
  mode: 'text' | 'pdu';
  body: string;
}

/** How the owner's phone behaves when the box calls it during a transfer. */
export interface OwnerSpec {
  /**
   * `answer`: picks up; `busy`: the network reports busy (GSM `BUSY`, analog busy tone); `no-answer`: the network
   * gives up (GSM `NO ANSWER`; analog lines just keep ringing); `ring`: rings until the box gives up.
   */
  response: 'answer' | 'busy' | 'no-answer' | 'ring';
  /** After how long, ms (default 300). */
  afterMs?: number;
}

/** The owner's leg while the box has it up. */
interface OwnerLegState {
  number: string;
  state: 'dialing' | 'alerting' | 'active' | 'busy';
  timers: TimerHandle[];
}

/** A transfer the box made. */
export interface CapturedTransfer {
  to: string;
  method: 'explicit-call-transfer' | 'hook-flash';
}

/** Events of the virtual modem. */
export interface VirtualModemEvents {
  /** Bytes from the modem to the host. */
  output: [port: VirtualPort, bytes: Uint8Array];
  /** A complete command the host sent. */
  command: [text: string];
  /** The call state changed. */
  call: [state: 'idle' | 'ringing' | 'active'];
  /** The box hung up or the caller did. */
  hangup: [by: 'box' | 'caller'];
  sms: [CapturedSms];
  transfer: [CapturedTransfer];
}

/** +CLCC stat of the owner's leg (27.007: 0 active, 2 dialing, 3 alerting; busy shows as alerting). */
const CLCC_STAT: Record<OwnerLegState['state'], number> = { active: 0, dialing: 2, alerting: 3, busy: 3 };

const IDENTITY: Record<ModemProfile['dialect'], { cgmi: string; cgmm: string; cgmr: string }> = {
  simcom: { cgmi: 'SIMCOM INCORPORATED', cgmm: 'SIMCOM_SIM7600G-H', cgmr: '+CGMR: LE20B05SIM7600G22' },
  quectel: { cgmi: 'Quectel', cgmm: 'EC25', cgmr: 'EC25EFAR06A06M4G' },
  v253: { cgmi: 'U.S. Robotics', cgmm: '5601', cgmr: 'USRobotics 56K Voice USB V1.2.23' },
};

/** Emulates one modem and the caller on its line. */
export class VirtualModem extends EventEmitter<VirtualModemEvents> {
  readonly profile: ModemProfile;
  readonly #clock: Clock;
  /** Every command received, in order. */
  readonly commands: string[] = [];
  /** Audio the box sent into the line (16-bit samples). */
  recorded: Int16Array[] = [];
  readonly sms: CapturedSms[] = [];
  readonly transfers: CapturedTransfer[] = [];
  /** Whether the network offers explicit call transfer (AT+CHLD=4). */
  ect = true;
  /**
   * What the GSM network and SIM look like: `+CSQ` rssi (0..31, 99 = unknown), the `+CPIN` answer (`absent`
   * answers `+CME ERROR: 10`) and the `+CREG`/`+CEREG` stat (1 home, 5 roaming, 2 searching, 0 not registered).
   */
  network = { rssi: 23, sim: 'READY' as 'READY' | 'SIM PIN' | 'SIM PUK' | 'absent', registration: 1 };
  /** How the owner's phone answers the next transfer. */
  owner: OwnerSpec = { response: 'answer' };
  /** Audio the box sent into the owner's leg (16-bit samples), apart from the caller's. */
  ownerRecorded: Int16Array[] = [];

  #echoOn = true;
  #callState: 'idle' | 'ringing' | 'active' = 'idle';
  #caller: CallerSpec | undefined;
  #rings = 0;
  #ringTimer: TimerHandle | undefined;
  #answeredAt = 0;
  #audioOn = false;
  #urcPortAt = false;
  #vcid = false;
  #vsm = 128;
  #inVtr = false;
  /** The caller is on hold (GSM AT+CHLD=2, or an analog hook flash). */
  #held = false;
  #ownerLeg: OwnerLegState | undefined;
  #forwarding = new Map<number, string>();
  #lineBuffer = '';
  #smsPending: { destination: string; mode: 'text' | 'pdu'; body: number[] } | undefined;
  #cmgf = 0;
  #hostDlePending = false;
  #playout: Playout | undefined;
  #echo: { delaySamples: number; gain: number; queue: number[] } | undefined;
  #stallUntil = 0;
  #ignoreCommands = 0;
  #dropPatterns: RegExp[] = [];
  #duplicateUrcs = false;
  #hostAudioDecoder = new LineAudioDecoder('pcm16le');

  constructor(profile: ModemProfile, options: { clock?: Clock } = {}) {
    super();
    this.profile = profile;
    this.#clock = options.clock ?? systemClock;
  }

  /** The call state. */
  get callState(): 'idle' | 'ringing' | 'active' {
    return this.#callState;
  }

  /** The wire format of call audio in the current mode. */
  get audioFormat(): LineAudioFormat {
    if (this.profile.dialect !== 'v253') return this.profile.audio.format;
    const entry = Object.entries(this.profile.voiceFormats ?? {}).find(([, id]) => id === this.#vsm);
    return (entry?.[0] as LineAudioFormat | undefined) ?? 'linear8';
  }

  /** The audio the box sent to the caller, concatenated: all of it, or from sample `from` on (a poller's tail). */
  recordedSamples(from = 0): Int16Array {
    let first = 0;
    let skipped = 0;
    for (; first < this.recorded.length; first++) {
      const length = (this.recorded[first] as Int16Array).length;
      if (skipped + length > from) break;
      skipped += length;
    }
    const tail = this.recorded.slice(first);
    if (tail.length > 0) tail[0] = (tail[0] as Int16Array).subarray(from - skipped);
    return joinSamples(tail);
  }

  /** All audio the box sent into the owner's leg, concatenated. */
  ownerRecordedSamples(): Int16Array {
    return joinSamples(this.ownerRecorded);
  }

  /** Where the owner's leg is: undefined when there is none. */
  get ownerLegState(): OwnerLegState['state'] | undefined {
    return this.#ownerLeg?.state;
  }

  // ── caller side ────────────────────────────────────────────────────────────────────────────────────

  /** A call arrives: rings with caller ID until answered or `maxRings` passed. */
  ring(caller: CallerSpec): void {
    if (this.#callState !== 'idle') {
      // A second call while one is up: call waiting (GSM) or nothing (analog).
      if (this.profile.dialect !== 'v253') this.#urc(`+CCWA: "${caller.number ?? ''}",145,1`);
      return;
    }
    this.#caller = caller;
    this.#rings = 0;
    this.#setCall('ringing');
    this.#ringOnce();
  }

  /** Streams caller audio at real-time pace; resolves when it has been sent. */
  sendAudio(samples: Int16Array): Promise<'played' | 'stopped'> {
    if (!this.#playout) return Promise.resolve('stopped');
    return this.#playout.play(samples);
  }

  /** The caller presses keys (one per `gapMs`); on hold they reach nobody. */
  async pressKeys(digits: string, gapMs = 120): Promise<void> {
    for (const digit of digits) {
      if (this.#callState !== 'active') return;
      if (!this.#held) this.#sendDtmf(digit);
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, gapMs));
    }
  }

  /** The owner presses keys on their answered leg (one per `gapMs`). */
  async ownerPressKeys(digits: string, gapMs = 120): Promise<void> {
    for (const digit of digits) {
      if (this.#ownerLeg?.state !== 'active') return;
      this.#sendDtmf(digit);
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, gapMs));
    }
  }

  /** The owner hangs up their leg: GSM reports the call end, an analog line returns dial tone. */
  ownerHangsUp(): void {
    if (this.#ownerLeg?.state !== 'active') return;
    this.#releaseOwner('owner');
  }

  /** The caller hangs up. */
  hangUp(): void {
    if (this.#callState === 'idle') return;
    const wasActive = this.#callState === 'active';
    this.#endCall();
    this.emit('hangup', 'caller');
    if (this.profile.dialect === 'v253') {
      // The exchange plays busy tone; the modem reports it in the data stream (or nothing while on-hook).
      if (this.#inVtr) this.#emitAudioBytes(Uint8Array.from([DLE, 0x62 /* b */]));
      return;
    }
    if (this.profile.dialect === 'simcom' && wasActive) this.#urc('VOICE CALL: END: 000010');
    this.#urc(wasActive ? 'NO CARRIER' : 'MISSED_CALL: 12:00AM');
  }

  /** A text message arrives from `from`: stored at the next index and announced with +CMTI. */
  receiveSms(from: string, text: string): void {
    const index = this.#inbox.size + 1;
    this.#inbox.set(index, { from, text });
    this.#urc(`+CMTI: "SM",${index}`);
  }

  /** Messages still in the modem's storage. */
  get inboxSize(): number {
    return this.#inbox.size;
  }

  /** Someone picks up an extension handset while the line rings (analog): the modem reports <DLE>H. */
  pickUpHandset(): void {
    if (this.#callState !== 'ringing') return;
    this.#ringTimer?.clear();
    this.emit('output', 'at', Uint8Array.from([DLE, 0x48 /* H */]));
  }

  /** Mixes the box's own audio back into the caller audio (line echo), delayed and attenuated. */
  setEcho(delayMs: number, gain: number): void {
    this.#echo = {
      delaySamples: (delayMs * 8000) / 1000,
      gain,
      queue: new Array((delayMs * 8000) / 1000).fill(0),
    };
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────────────────

  /** Sends line noise on the AT port. */
  injectGarbage(bytes = Uint8Array.from([0xff, 0x00, 0x81, 0x13, 0xfe, 0x0d, 0x0a])): void {
    this.emit('output', 'at', bytes);
  }

  /** The next URC matching `pattern` is lost. */
  loseNextUrc(pattern: RegExp): void {
    this.#dropPatterns.push(pattern);
  }

  /** Every URC is sent twice while on. */
  duplicateUrcs(on: boolean): void {
    this.#duplicateUrcs = on;
  }

  /** The modem ignores the next `count` commands (no answer at all). */
  ignoreCommands(count: number): void {
    this.#ignoreCommands = count;
  }

  /** Caller audio stops for `ms` (USB stall). */
  stallAudio(ms: number): void {
    this.#stallUntil = this.#clock.now() + ms;
  }

  /** The modem resets: the call drops, settings are forgotten, echo is back on; GSM modules say RDY. */
  reset(): void {
    const wasVtr = this.#inVtr;
    this.#inVtr = false;
    this.#endCall();
    this.#echoOn = true;
    this.#vcid = false;
    this.#urcPortAt = false;
    this.#cmgf = 0;
    if (this.profile.dialect === 'v253') {
      if (wasVtr) this.emit('output', 'at', Uint8Array.from([DLE, ETX]));
      this.#send('OK');
    } else {
      this.#send('RDY');
    }
  }

  /** Stops every timer (test teardown). */
  dispose(): void {
    this.#endCall();
  }

  // ── host side ──────────────────────────────────────────────────────────────────────────────────────

  /** Bytes the host wrote to `port`. */
  receive(port: VirtualPort, bytes: Uint8Array): void {
    if (port === 'audio') {
      if (this.#callState === 'active' && this.#audioOn) this.#record(this.#hostAudioDecoder.decode(bytes));
      return;
    }
    if (this.#inVtr) {
      this.#receiveVoiceData(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (this.#smsPending) {
        if (byte === 0x1a) this.#finishSms();
        else if (byte === 0x1b) this.#smsPending = undefined;
        else this.#smsPending.body.push(byte);
        continue;
      }
      if (byte === 0x0d) {
        const text = this.#lineBuffer.trim();
        this.#lineBuffer = '';
        if (text.length > 0) this.#command(text);
        // A command may switch to voice data; the rest of the chunk is then data.
        if (this.#inVtr) {
          this.#receiveVoiceData(bytes.subarray(i + 1));
          return;
        }
        continue;
      }
      if (byte !== 0x0a) this.#lineBuffer += String.fromCharCode(byte);
    }
  }

  #receiveVoiceData(bytes: Uint8Array): void {
    const audio: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (!this.#hostDlePending) {
        if (byte === DLE) this.#hostDlePending = true;
        else audio.push(byte);
        continue;
      }
      this.#hostDlePending = false;
      if (byte === DLE) {
        audio.push(DLE);
      } else if (byte === 0x5e /* ^ */ || byte === ETX || byte === 0x21 /* ! */) {
        this.#flushVoice(audio);
        this.#inVtr = false;
        this.#stopAudio();
        this.emit('output', 'at', Uint8Array.from([DLE, ETX]));
        this.#send('OK');
        this.receive('at', bytes.subarray(i + 1));
        return;
      }
    }
    this.#flushVoice(audio);
  }

  #flushVoice(audio: number[]): void {
    if (audio.length === 0 || this.#callState !== 'active') return;
    this.#record(this.#hostAudioDecoder.decode(Uint8Array.from(audio)));
  }

  /** The box's audio goes to whoever the line connects it to: the caller, or the owner while the caller holds. */
  #record(samples: Int16Array): void {
    if (this.#held) {
      if (this.#ownerLeg?.state === 'active') this.ownerRecorded.push(samples);
      return;
    }
    this.recorded.push(samples);
    if (this.#echo) for (const s of samples) this.#echo.queue.push(Math.round(s * this.#echo.gain));
  }

  #command(received: string): void {
    // Like a real modem, resynchronise on "AT": bytes before it (late voice data, noise) are ignored.
    const printable = received.replace(/[^\x20-\x7e]/g, '');
    const at = printable.toUpperCase().indexOf('AT');
    const raw = at > 0 ? printable.slice(at) : printable;
    if (raw.length === 0) return;
    if (this.#echoOn) this.#send(raw);
    if (this.#ignoreCommands > 0) {
      this.#ignoreCommands--;
      return;
    }
    this.commands.push(raw);
    this.emit('command', raw);
    const reply = this.#handle(raw.toUpperCase().startsWith('AT') ? raw : `AT${raw}`);
    if (reply === undefined) return;
    for (const line of reply) this.#send(line);
  }

  /** Answers one command; undefined when the answer comes later (or never). */
  #handle(command: string): string[] | undefined {
    const upper = command.toUpperCase();
    const dialect = this.profile.dialect;
    const id = IDENTITY[dialect];
    if (upper === 'AT' || upper === 'ATV1' || upper === 'AT&W') return ['OK'];
    if (upper === 'ATE0') {
      this.#echoOn = false;
      return ['OK'];
    }
    if (upper === 'ATE1') {
      this.#echoOn = true;
      return ['OK'];
    }
    if (upper === 'ATZ') {
      // A reset goes on-hook: a call in progress is dropped.
      if (this.#callState !== 'idle') {
        this.#endCall();
        this.emit('hangup', 'box');
      }
      this.#echoOn = true;
      this.#vcid = false;
      return ['OK'];
    }
    if (dialect === 'v253') return this.#handleV253(upper);
    if (upper === 'AT+CGMI') return [id.cgmi, 'OK'];
    if (upper === 'AT+CGMM') return [id.cgmm, 'OK'];
    if (upper === 'AT+CGMR') return [id.cgmr, 'OK'];
    const network = this.network;
    if (upper === 'AT+CPIN?')
      return network.sim === 'absent' ? ['+CME ERROR: 10'] : [`+CPIN: ${network.sim}`, 'OK'];
    if (upper === 'AT+CSQ') return [`+CSQ: ${network.rssi},99`, 'OK'];
    if (upper === 'AT+CREG?') return [`+CREG: 0,${network.registration}`, 'OK'];
    if (upper === 'AT+CEREG?') return [`+CEREG: 0,${network.registration}`, 'OK'];
    if (upper === 'AT+CLIP?') return ['+CLIP: 1,1', 'OK'];
    if (upper === 'AT+QURCCFG="URCPORT","USBAT"' && dialect === 'quectel') {
      this.#urcPortAt = true;
      return ['OK'];
    }
    if (upper.startsWith('AT+CMGF=')) {
      if (upper === 'AT+CMGF=?') return ['+CMGF: (0,1)', 'OK'];
      this.#cmgf = Number(upper.slice(8));
      return ['OK'];
    }
    if (upper.startsWith('AT+CMGS=')) {
      this.#smsPending = {
        destination: command.slice(8).replace(/"/g, ''),
        mode: this.#cmgf === 1 ? 'text' : 'pdu',
        body: [],
      };
      this.emit('output', 'at', new TextEncoder().encode('\r\n> '));
      return undefined;
    }
    const cmgr = /^AT\+CMGR=(\d+)$/.exec(upper);
    if (cmgr) {
      const message = this.#inbox.get(Number(cmgr[1]));
      if (!message) return ['+CMS ERROR: 321'];
      // Non-ASCII bodies are shown as UCS-2 hex, as a module in text mode shows a UCS-2 message.
      const body = /^[\x20-\x7e]*$/.test(message.text)
        ? message.text
        : Array.from(message.text, (c) =>
            (c.codePointAt(0) ?? 0).toString(16).padStart(4, '0').toUpperCase(),
          ).join('');
      return [`+CMGR: "REC UNREAD","${message.from}",,"26/11/24,01:00:00+00"`, body, 'OK'];
    }
    const cmgd = /^AT\+CMGD=(\d+)$/.exec(upper);
    if (cmgd) {
      this.#inbox.delete(Number(cmgd[1]));
      return ['OK'];
    }
    if (upper === 'ATA') {
      if (this.#callState !== 'ringing') return ['NO CARRIER'];
      this.#answer();
      // SIM7600 reports the call up shortly after ATA; CPCMREG is refused until then.
      if (dialect === 'simcom') this.#clock.setTimeout(() => this.#urc('VOICE CALL: BEGIN'), 50);
      return ['OK'];
    }
    if (upper === 'AT+CPCMREG=1') {
      if (this.#callState !== 'active' || this.#clock.now() - this.#answeredAt < 50) return ['ERROR'];
      this.#startAudio();
      return ['OK'];
    }
    if (upper === 'AT+QPCMV=1,0') {
      if (this.#callState !== 'active') return ['ERROR'];
      this.#startAudio();
      return ['OK'];
    }
    if (upper === 'AT+CPCMREG=0' || upper === 'AT+QPCMV=0') {
      this.#stopAudio();
      return ['OK'];
    }
    if (upper === 'AT+CHUP' || upper === 'ATH' || upper === 'ATH0') {
      const wasUp = this.#callState !== 'idle';
      this.#endCall();
      if (wasUp) {
        this.emit('hangup', 'box');
        if (dialect === 'simcom') this.#clock.setTimeout(() => this.#urc('VOICE CALL: END: 000010'), 5);
      }
      return ['OK'];
    }
    if (upper === 'AT+CLCC') {
      if (this.#callState === 'idle') return ['OK'];
      const stat = this.#callState === 'active' ? (this.#held ? 1 : 0) : 4;
      const lines = [`+CLCC: 1,1,${stat},0,0,"${this.#caller?.number ?? ''}",145`];
      const owner = this.#ownerLeg;
      if (owner) lines.push(`+CLCC: 2,0,${CLCC_STAT[owner.state]},0,0,"${owner.number}",145`);
      return [...lines, 'OK'];
    }
    if (upper === 'AT+CHLD=?') return [this.ect ? '+CHLD: (0,1,1x,2,2x,3,4)' : '+CHLD: (0,1,2)', 'OK'];
    if (upper.startsWith('AT+CHLD=')) return this.#chld(upper.slice(8));
    if (upper.startsWith('ATD') && upper.endsWith(';')) {
      if (this.#callState === 'active' && !this.#held) return ['+CME ERROR: 3'];
      if (this.#held && !this.#ownerLeg) this.#dialOwner(command.slice(3, -1));
      return ['OK'];
    }
    const ccfc = /^AT\+CCFC=(\d),(\d)(?:,"([^"]*)")?/.exec(command);
    if (upper === 'AT+CCFC=?') return ['+CCFC: (0-5)', 'OK'];
    if (ccfc) {
      const reason = Number(ccfc[1]);
      const mode = Number(ccfc[2]);
      if (mode === 2) {
        const to = this.#forwarding.get(reason);
        return [to ? `+CCFC: 1,1,"${to}",145` : '+CCFC: 0,1', 'OK'];
      }
      if (mode === 3 && ccfc[3]) this.#forwarding.set(reason, ccfc[3]);
      if (mode === 0 || mode === 4) this.#forwarding.delete(reason);
      return ['OK'];
    }
    if (this.profile.init.some((step) => step.command.toUpperCase() === upper)) return ['OK'];
    return ['ERROR'];
  }

  #inbox = new Map<number, { from: string; text: string }>();

  /**
   * 27.007 call hold (GSM): 2 holds the active caller (or retrieves a held one when nothing else is up), 1
   * releases the active calls and retrieves the held caller, 1x releases call x in any state, 4 joins the held
   * caller and the owner's leg (explicit call transfer).
   */
  #chld(code: string): string[] {
    const notAllowed = ['+CME ERROR: 3'];
    const owner = this.#ownerLeg;
    if (this.#callState !== 'active') return notAllowed;
    switch (code) {
      case '2':
        if (owner) return notAllowed;
        this.#held = !this.#held;
        return ['OK'];
      case '1':
        // An owner's leg still ringing is not active: 1 alone cannot end it (1x does).
        if (owner && owner.state !== 'active') return notAllowed;
        if (owner) this.#releaseOwner('box');
        else if (!this.#held) {
          this.#endCall();
          this.emit('hangup', 'box');
          return ['OK'];
        }
        this.#held = false;
        return ['OK'];
      case '11':
        this.#endCall();
        this.emit('hangup', 'box');
        return ['OK'];
      case '12':
        if (!owner) return notAllowed;
        this.#releaseOwner('box');
        return ['OK'];
      case '4':
        if (!this.ect || !this.#held || (owner?.state !== 'active' && owner?.state !== 'alerting'))
          return notAllowed;
        this.#transfer({ to: owner.number, method: 'explicit-call-transfer' });
        return ['OK'];
      default:
        return notAllowed;
    }
  }

  /** The box rings the owner with the caller on hold; the owner's phone behaves as `owner` says. */
  #dialOwner(number: string): void {
    const leg: OwnerLegState = { number, state: 'dialing', timers: [] };
    this.#ownerLeg = leg;
    const analog = this.profile.dialect === 'v253';
    const at = (ms: number, step: () => void) =>
      leg.timers.push(
        this.#clock.setTimeout(() => {
          if (this.#ownerLeg === leg) step();
        }, ms),
      );
    at(20, () => {
      leg.state = 'alerting';
    });
    const { response, afterMs = 300 } = this.owner;
    at(Math.max(afterMs, 30), () => {
      if (response === 'answer') {
        leg.state = 'active';
        if (this.profile.dialect === 'simcom') this.#urc('VOICE CALL: BEGIN');
      } else if (response === 'busy') {
        if (!analog) {
          this.#ownerLeg = undefined;
          this.#urc('BUSY');
          return;
        }
        // The exchange plays busy tone until the box flashes back; the modem reports it in voice mode.
        leg.state = 'busy';
        const tone = () => {
          if (this.#ownerLeg !== leg) return;
          if (this.#inVtr) this.#emitAudioBytes(Uint8Array.from([DLE, 0x62 /* b */]));
          at(500, tone);
        };
        tone();
      } else if (response === 'no-answer' && !analog) {
        this.#ownerLeg = undefined;
        this.#urc('NO ANSWER');
      }
    });
  }

  /** The owner's leg ends: released by the box (AT+CHLD, a flash back) or by the owner hanging up. */
  #releaseOwner(by: 'box' | 'owner'): void {
    const leg = this.#ownerLeg;
    if (!leg) return;
    for (const timer of leg.timers) timer.clear();
    this.#ownerLeg = undefined;
    if (this.profile.dialect === 'v253') {
      // The owner hanging up leaves the box on dial tone, with the caller still held at the exchange.
      if (by === 'owner' && this.#inVtr) this.#emitAudioBytes(Uint8Array.from([DLE, 0x64 /* d */]));
      return;
    }
    // Modules report the end of a released leg a moment later, which the box must not take for the caller's.
    if (this.profile.dialect === 'simcom')
      this.#clock.setTimeout(() => this.#urc(`VOICE CALL: END: ${by === 'box' ? '000000' : '000008'}`), 5);
    if (by === 'owner') this.#urc('NO CARRIER');
  }

  #handleV253(upper: string): string[] | undefined {
    const id = IDENTITY.v253;
    if (upper === 'ATI0') return [id.cgmm, 'OK'];
    if (upper === 'ATI3') return [id.cgmr, 'OK'];
    if (upper === 'AT+FCLASS=8' || upper === 'AT+VIT=0') return ['OK'];
    if (upper === 'AT+VCID=1') {
      this.#vcid = true;
      return ['OK'];
    }
    if (upper === 'AT+VCID?') return [this.#vcid ? '1' : '0', 'OK'];
    if (upper === 'AT+VTS=?') return ['(0-9,#,*,A-D,!)', 'OK'];
    if (upper === 'AT+VSM=?') {
      return [
        '128,"8-BIT LINEAR",(7200,8000,11025)',
        '129,"16-BIT LINEAR",(7200,8000,11025)',
        '130,"8-BIT ALAW",(8000)',
        '131,"8-BIT ULAW",(8000)',
        'OK',
      ];
    }
    const vsm = /^AT\+VSM=(\d+),8000/.exec(upper);
    if (vsm) {
      const code = Number(vsm[1]);
      if (!Object.values(this.profile.voiceFormats ?? {}).includes(code)) return ['ERROR'];
      this.#vsm = code;
      return ['OK'];
    }
    if (upper === 'AT+VLS=1') {
      if (this.#callState === 'ringing') this.#answer();
      return ['OK'];
    }
    if (upper === 'AT+VLS=0') {
      // On-hook with the caller held and the owner's leg up (or still ringing): the exchange joins the two.
      const owner = this.#ownerLeg;
      if (this.#held && owner && owner.state !== 'busy') {
        this.#transfer({ to: owner.number, method: 'hook-flash' });
        return ['OK'];
      }
      const wasUp = this.#callState !== 'idle';
      this.#endCall();
      if (wasUp) this.emit('hangup', 'box');
      return ['OK'];
    }
    if (upper === 'AT+VTR') {
      if (this.#callState !== 'active') return ['ERROR'];
      this.#send('CONNECT');
      this.#inVtr = true;
      this.#startAudio();
      return undefined;
    }
    if (upper === 'AT+VTS=!') {
      if (this.#callState !== 'active') return ['OK'];
      // The first flash holds the caller; a second drops the owner's leg and returns to the caller.
      if (this.#held) this.#releaseOwner('box');
      this.#held = !this.#held;
      return ['OK'];
    }
    const dial = /^ATDT([0-9*#]+);$/.exec(upper);
    if (dial) {
      if (this.#held && !this.#ownerLeg) this.#dialOwner(dial[1] as string);
      return ['OK'];
    }
    return ['ERROR'];
  }

  #transfer(transfer: CapturedTransfer): void {
    this.transfers.push(transfer);
    this.emit('transfer', transfer);
    this.#endCall();
  }

  #finishSms(): void {
    const pending = this.#smsPending;
    this.#smsPending = undefined;
    if (!pending) return;
    const sms: CapturedSms = {
      destination: pending.destination,
      mode: pending.mode,
      body: Buffer.from(pending.body).toString('latin1'),
    };
    this.sms.push(sms);
    this.emit('sms', sms);
    this.#send(`+CMGS: ${this.sms.length}`);
    this.#send('OK');
  }

  #ringOnce(): void {
    if (this.#callState !== 'ringing' || !this.#caller) return;
    const caller = this.#caller;
    this.#rings++;
    if (this.#rings > (caller.maxRings ?? 10)) {
      this.hangUp();
      return;
    }
    this.#urc('RING');
    if (this.profile.dialect === 'v253') {
      // Caller ID is sent once, between the first and second ring, only when AT+VCID=1 is on.
      if (this.#rings === 1 && this.#vcid) {
        this.#urc('DATE = 0124');
        this.#urc('TIME = 1200');
        this.#urc(`NMBR = ${caller.number ?? 'P'}`);
        if (caller.name) this.#urc(`NAME = ${caller.name}`);
      }
    } else {
      const clip =
        caller.number === null
          ? '+CLIP: "",128,,,,1'
          : `+CLIP: "${caller.number}",${caller.number.startsWith('+') ? 145 : 129},,,,0`;
      this.#urc(clip);
    }
    this.#ringTimer = this.#clock.setTimeout(() => this.#ringOnce(), caller.ringIntervalMs ?? 1000);
  }

  #answer(): void {
    this.#ringTimer?.clear();
    this.#answeredAt = this.#clock.now();
    this.#setCall('active');
  }

  #setCall(state: 'idle' | 'ringing' | 'active'): void {
    if (state === this.#callState) return;
    this.#callState = state;
    this.emit('call', state);
  }

  #endCall(): void {
    this.#ringTimer?.clear();
    this.#stopAudio();
    this.#held = false;
    for (const timer of this.#ownerLeg?.timers ?? []) timer.clear();
    this.#ownerLeg = undefined;
    this.#setCall('idle');
  }

  #startAudio(): void {
    if (this.#audioOn) return;
    this.#audioOn = true;
    this.#hostAudioDecoder = new LineAudioDecoder(this.audioFormat);
    this.#playout = new Playout(this.#clock, (frame) => this.#sendFrame(frame));
    this.#playout.start();
  }

  #stopAudio(): void {
    this.#audioOn = false;
    this.#playout?.stop();
    this.#playout = undefined;
  }

  #sendFrame(frame: PcmFrame): void {
    if (this.#clock.now() < this.#stallUntil) return;
    // A held caller is not heard; the owner's leg (when up) is silent in this emulator.
    if (this.#held) frame.fill(0);
    const echo = this.#echo;
    if (echo) {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const e = echo.queue.shift() ?? 0;
        frame[i] = Math.max(-32768, Math.min(32767, (frame[i] as number) + e));
      }
      // Keep the echo delay constant: the queue never grows past delay + one frame.
      while (echo.queue.length > echo.delaySamples + FRAME_SAMPLES) echo.queue.shift();
    }
    const bytes = encodeSamples(this.audioFormat, frame);
    this.#emitAudioBytes(this.profile.dialect === 'v253' ? dleShield(bytes) : bytes);
  }

  #emitAudioBytes(bytes: Uint8Array): void {
    this.emit('output', this.profile.dialect === 'v253' ? 'at' : 'audio', bytes);
  }

  #sendDtmf(digit: string): void {
    switch (this.profile.dialect) {
      case 'simcom':
        this.#urc(`+RXDTMF: ${digit}`);
        return;
      case 'quectel':
        this.#urc(`+QTONEDET: ${digit.charCodeAt(0)}`);
        return;
      case 'v253': {
        // A held key repeats every ~70 ms inside one shielded span (IS-101): three repeats here.
        const code = digit.charCodeAt(0);
        this.#emitAudioBytes(Uint8Array.from([DLE, 0x2f, DLE, code, DLE, code, DLE, code, DLE, 0x7e]));
        return;
      }
    }
  }

  #urc(line: string): void {
    const drop = this.#dropPatterns.findIndex((p) => p.test(line));
    if (drop >= 0) {
      this.#dropPatterns.splice(drop, 1);
      return;
    }
    // EC25 sends URCs to another USB port until AT+QURCCFG="urcport","usbat" (hardware.md §4).
    const port: VirtualPort = this.profile.dialect === 'quectel' && !this.#urcPortAt ? 'audio' : 'at';
    const bytes = new TextEncoder().encode(`\r\n${line}\r\n`);
    if (this.#inVtr && port === 'at') return;
    this.emit('output', port, bytes);
    if (this.#duplicateUrcs) this.emit('output', port, bytes);
  }

  #send(line: string): void {
    this.emit('output', 'at', new TextEncoder().encode(`\r\n${line}\r\n`));
  }
}
