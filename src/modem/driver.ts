/**
 * What a modem driver offers the call code: line events (ring, caller ID, DTMF, the far end hanging up),
 * caller audio as 20 ms frames, and call control. `drivers/gsm-driver.ts` (SIM7600, EC25) and
 * `drivers/v253-driver.ts` (USR5637 / Conexant) implement it from a profile.
 */
import type { PcmFrame } from '../audio/frame.js';
import type { OwnerDecision, TransferResult } from '../calls/active-call.js';

/** Caller ID as the line presented it. */
export interface CallerId {
  /** The number, or null when withheld or unavailable. */
  number: string | null;
  /** Why there is no number. */
  absent?: 'withheld' | 'unavailable';
  /** Name from analog caller ID (NAME=), when sent. */
  name?: string;
}

/** Why the line says the call is over. */
export type LineEndCause = 'remote' | 'local' | 'busy-tone' | 'dial-tone' | 'loop-break' | 'lost';

/** Something that happened on the line. */
export type LineEvent =
  | { type: 'ring' }
  | { type: 'caller-id'; callerId: CallerId }
  | { type: 'call-ended'; cause: LineEndCause }
  | { type: 'dtmf'; digit: string }
  | { type: 'call-waiting'; callerId: CallerId }
  | { type: 'handset-off-hook' }
  | { type: 'silence' }
  /** A text message arrived (read from storage and deleted there). */
  | { type: 'sms'; from: string; text: string }
  /** The modem restarted on its own (RDY, or voice mode dropped): settings are lost, init must run again. */
  | { type: 'modem-reset' };

/** One row of `AT+CLCC`. */
export interface CallListEntry {
  index: number;
  direction: 'outgoing' | 'incoming';
  /** 27.007 stat: active, held, dialing, alerting, incoming, waiting, disconnect. */
  state: 'active' | 'held' | 'dialing' | 'alerting' | 'incoming' | 'waiting' | 'disconnect';
  number: string | null;
}

/** Identification and status for `modem probe` and health reports. */
export interface ModemIdentity {
  manufacturer: string;
  model: string;
  firmware: string;
}

/** Network and SIM health (GSM); analog modems report what applies. */
export interface ModemHealth {
  sim: string | null;
  /** Signal in dBm from +CSQ, null when unknown. */
  signalDbm: number | null;
  /** Raw +CSQ rssi 0..31 (99 unknown). */
  rssi: number | null;
  registration: 'home' | 'roaming' | 'searching' | 'denied' | 'not-registered' | 'unknown' | 'not-applicable';
}

/** What the driver found the modem can do. */
export interface ModemCapabilities {
  callerId: boolean;
  digitalAudio: boolean;
  dtmf: boolean;
  sms: boolean;
  transfer: 'explicit-call-transfer' | 'hook-flash' | 'none';
  forwarding: boolean;
}

/** How a driver hands the connected call over (a warm transfer when `brief` is given). */
export interface LineTransferOptions {
  /** How long the owner's phone may ring before the caller is taken back, ms (where the line signals answer). */
  ringTimeoutMs?: number;
  /**
   * Runs while the caller is on hold and the owner's leg carries the call audio (from the answer where the line
   * signals it, else from the dialling): the call layer plays the brief and hears the owner's keys. `ownerGone`
   * aborts when the owner's leg ends. 'decline' takes the caller back.
   */
  brief?: (ownerGone: AbortSignal, answerSignalled: boolean) => Promise<OwnerDecision>;
}

/** A modem driver bound to an open AT engine. */
export interface LineDriver {
  /** Runs the init sequence (again after every reset or reopen). */
  init(): Promise<void>;
  /** Takes the ringing call and starts its audio; resolves when audio flows. */
  answer(): Promise<void>;
  /** Ends the call from the box. */
  hangup(): Promise<void>;
  /** Sends one frame of audio to the caller (non-blocking; the playout paces calls). */
  writeAudio(frame: PcmFrame): void;
  /** Line events; returns an unsubscribe function. */
  onEvent(listener: (event: LineEvent) => void): () => void;
  /** Caller audio frames; returns an unsubscribe function. */
  onAudio(listener: (frame: PcmFrame) => void): () => void;
  /** Current calls from `AT+CLCC`, or undefined when the modem cannot list calls (analog). */
  listCalls(): Promise<CallListEntry[] | undefined>;
  /** Hands the connected call to `number`; DTMF and audio during `brief` are the owner's. */
  transfer(number: string, options?: LineTransferOptions): Promise<TransferResult>;
  /** Manufacturer, model, firmware. */
  identify(): Promise<ModemIdentity>;
  /** SIM, signal, registration. */
  health(): Promise<ModemHealth>;
  /** Probes optional features. */
  capabilities(): Promise<ModemCapabilities>;
  /** Forgets call state after the port was lost (no commands sent). */
  reset(): void;
}
