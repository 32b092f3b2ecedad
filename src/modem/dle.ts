/**
 * DLE shielding of V.253 / IS-101 voice data (ITU-T V.253 §4.2, mgetty IS_101.c).
 *
 *   host → modem: every 0x10 in audio is doubled; <DLE><ETX> ends playback, <DLE>^ ends full duplex.
 *   modem → host: <DLE><DLE> is a literal 0x10, <DLE><SUB> two of them, <DLE><ETX> ends the data stream,
 *                 <DLE>/ … <DLE>~ shields DTMF, and other <DLE>x codes are events (busy, dial tone, silence…).
 */

/** Data Link Escape. */
export const DLE = 0x10;
/** End of text: with DLE, ends a voice data stream. */
export const ETX = 0x03;
/** Substitute: <DLE><SUB> stands for two 0x10 bytes. */
export const SUB = 0x1a;

/** Events a voice modem reports with DLE codes (the subset the line cares about). */
export type DleEvent =
  | { kind: 'dtmf'; digit: string }
  | { kind: 'busy' }
  | { kind: 'dial-tone' }
  | { kind: 'silence' }
  | { kind: 'loop-break' }
  | { kind: 'handset-off-hook' }
  | { kind: 'handset-on-hook' }
  | { kind: 'ring' }
  | { kind: 'end-of-data' }
  | { kind: 'other'; code: number };

const DTMF_CODES = '0123456789*#ABCD';

/** Maps one DLE code byte to an event (DTMF codes excluded). */
export function dleCodeEvent(code: number): DleEvent {
  switch (String.fromCharCode(code)) {
    case 'b':
    case 'K':
      return { kind: 'busy' };
    case 'd':
    case 'i':
      return { kind: 'dial-tone' };
    case 's':
    case 'q':
      return { kind: 'silence' };
    case 'l':
      return { kind: 'loop-break' };
    case 'H':
    case 'P':
      return { kind: 'handset-off-hook' };
    case 'h':
    case 'p':
      return { kind: 'handset-on-hook' };
    case 'R':
      return { kind: 'ring' };
    default:
      return code === ETX ? { kind: 'end-of-data' } : { kind: 'other', code };
  }
}

/** Doubles every DLE in outgoing audio bytes. */
export function dleEscape(data: Uint8Array): Uint8Array {
  let count = 0;
  for (const byte of data) if (byte === DLE) count++;
  if (count === 0) return data;
  const out = new Uint8Array(data.length + count);
  let j = 0;
  for (const byte of data) {
    out[j++] = byte;
    if (byte === DLE) out[j++] = DLE;
  }
  return out;
}

/** Escapes modem → host data (used by the virtual modem): doubles DLE bytes. */
export const dleShield = dleEscape;

/**
 * Un-shields a modem → host voice stream chunk by chunk: audio bytes out, events out, DTMF de-duplicated
 * (a held key repeats `<DLE>digit` every ~70 ms inside one `<DLE>/ … <DLE>~` span: one press, one event).
 */
export class DleDecoder {
  #pendingDle = false;
  #inDtmfSpan = false;
  #lastSpanDigit: string | undefined;

  constructor(
    private readonly onAudio: (bytes: Uint8Array) => void,
    private readonly onEvent: (event: DleEvent) => void,
  ) {}

  /** Decodes `data`; stops right after <DLE><ETX> and says how much it used. */
  push(data: Uint8Array): { used: number; ended: boolean } {
    const audio: number[] = [];
    const flush = () => {
      if (audio.length > 0) this.onAudio(Uint8Array.from(audio.splice(0)));
    };
    for (let i = 0; i < data.length; i++) {
      const byte = data[i] as number;
      if (!this.#pendingDle) {
        if (byte === DLE) this.#pendingDle = true;
        else audio.push(byte);
        continue;
      }
      this.#pendingDle = false;
      if (byte === DLE) {
        audio.push(DLE);
      } else if (byte === SUB) {
        audio.push(DLE, DLE);
      } else if (byte === 0x2f /* / */) {
        this.#inDtmfSpan = true;
        this.#lastSpanDigit = undefined;
      } else if (byte === 0x7e /* ~ */) {
        this.#inDtmfSpan = false;
        this.#lastSpanDigit = undefined;
      } else if (DTMF_CODES.includes(String.fromCharCode(byte))) {
        const digit = String.fromCharCode(byte);
        // Inside a shielded span, a repeated digit is the same key still held down.
        if (this.#inDtmfSpan && this.#lastSpanDigit === digit) continue;
        this.#lastSpanDigit = digit;
        flush();
        this.onEvent({ kind: 'dtmf', digit });
      } else {
        flush();
        this.onEvent(dleCodeEvent(byte));
        if (byte === ETX) {
          this.#inDtmfSpan = false;
          return { used: i + 1, ended: true };
        }
      }
    }
    flush();
    return { used: data.length, ended: false };
  }
}
