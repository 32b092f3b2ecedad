/**
 * What differs between modem families, as data: init strings, unsolicited result prefixes, audio transport and
 * format, call control commands, quirks. Profiles live in `device/profiles/`; the drivers in `drivers/` read
 * them, and the virtual modem emulates the same dialects from them.
 */
import type { LineAudioFormat } from '../audio/line-codec.js';

/** The profile ids the config accepts. */
export type ProfileId = 'sim7600' | 'ec25' | 'usr5637';

/** Which driver code a profile needs. */
export type Dialect = 'simcom' | 'quectel' | 'v253';

/** Identification queries: command and how to read its answer. */
export interface IdentifyCommands {
  manufacturer: string;
  model: string;
  firmware: string;
}

/** One modem family. */
export interface ModemProfile {
  /** Profile id (config `modem.profile`). */
  id: ProfileId;
  /** Human name for logs and the probe. */
  name: string;
  /** Which driver code handles it. */
  dialect: Dialect;
  /** Commands sent after reset/echo-off, in order; a failing one is logged and skipped unless `required`. */
  init: readonly { command: string; required?: boolean }[];
  /** Unsolicited result prefixes of this family (besides the 27.007 base set the driver declares). */
  urcs: readonly string[];
  /** Identification commands. */
  identify: IdentifyCommands;
  /** Call audio. */
  audio: {
    /** `audio-port`: a second serial port carries raw PCM; `dle`: DLE-shielded data on the AT port. */
    transport: 'audio-port' | 'dle';
    /** Wire format on a GSM audio port (analog modems take `modem.analogAudioFormat`). */
    format: LineAudioFormat;
    /** Commands that start the audio stream once the call is connected (retried until they succeed). */
    enable: readonly string[];
    /** How long to keep retrying `enable` (SIM7600 accepts CPCMREG only once the call is really up). */
    enableRetryMs: number;
    /** Commands that stop the stream after the call. */
    disable: readonly string[];
  };
  /** Commands that end the call from the box. */
  hangup: readonly string[];
  /** DTMF reported by the modem: URC prefix and whether the value is the key or its ASCII code. */
  dtmf?: { prefix: string; value: 'key' | 'ascii-code' };
  /** URC prefixes that mean the call ended. */
  callEnd: readonly string[];
  /** V.253 only: `AT+VSM` compression ids per wire format. */
  voiceFormats?: Partial<Record<LineAudioFormat, number>>;
  /** Free-form notes for the probe output and the README. */
  notes: string;
}
