/**
 * Bytes from the AT port → lines, `> ` prompts, DLE codes, or (in a voice data stream) raw bytes for a sink.
 *
 *   bytes ──► LineFramer ──► line("OK") / prompt() / dle(code) / discarded(bytes, why)
 *                  │
 *                  └─ data mode (after CONNECT of +VTR/+VRX/+VTX): bytes ──► sink.push() until it hands back
 *
 * Garbage never throws: a line that is not printable text is reported as `discarded` with its bytes, so the
 * caller can log a hex dump and carry on.
 */

/** What the framer reports. */
export interface FramerHandlers {
  /** A complete, non-empty line without its terminator. */
  line(text: string): void;
  /** The SMS prompt `> ` (it has no line terminator). */
  prompt(): void;
  /** A DLE code received in command mode (some voice modems report ring or hook events this way). */
  dle(code: number): void;
  /** Bytes that were not a line of text. */
  discarded(bytes: Uint8Array, reason: string): void;
}

/** Takes voice data while the port is in data mode. */
export interface DataSink {
  /** Consumes bytes; `ended` once the stream's end marker was read (the rest goes back to line mode). */
  push(data: Uint8Array): { used: number; ended: boolean };
}

const MAX_LINE = 2048;
const CR = 0x0d;
const LF = 0x0a;
const DLE = 0x10;

/** Hex dump of up to 64 bytes for logs, e.g. `ff 00 10 … (+12 bytes)`. */
export function hexDump(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 64), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > 64 ? `${shown} … (+${bytes.length - 64} bytes)` : shown;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Splits the AT port byte stream into lines and prompts, or hands it to a data sink. */
export class LineFramer {
  #buffer: number[] = [];
  #sink: DataSink | undefined;
  #pendingDle = false;
  #lastByteCr = false;
  #skipLf = false;
  #skipToEol = false;

  constructor(private readonly handlers: FramerHandlers) {}

  /** Sends all following bytes to `sink` until it reports the end of the stream. */
  enterDataMode(sink: DataSink): void {
    this.#flushPartial('data mode started');
    // `CONNECT\r\n`: the line ended at CR, so the LF still to come is not voice data.
    this.#skipLf = this.#lastByteCr;
    this.#sink = sink;
  }

  /** Leaves data mode (e.g. the port was reopened). */
  leaveDataMode(): void {
    this.#sink = undefined;
  }

  /** True while bytes go to a data sink. */
  get inDataMode(): boolean {
    return this.#sink !== undefined;
  }

  /** Feeds received bytes. */
  push(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#sink) {
        if (this.#skipLf) {
          this.#skipLf = false;
          if (data[offset] === LF) {
            offset++;
            continue;
          }
        }
        const { used, ended } = this.#sink.push(data.subarray(offset));
        offset += used;
        if (ended) this.#sink = undefined;
        continue;
      }
      const byte = data[offset++] as number;
      this.#lastByteCr = byte === CR;
      if (this.#skipToEol) {
        if (byte === CR || byte === LF) this.#skipToEol = false;
        continue;
      }
      if (this.#pendingDle) {
        this.#pendingDle = false;
        this.handlers.dle(byte);
        continue;
      }
      if (byte === DLE && this.#buffer.length === 0) {
        this.#pendingDle = true;
        continue;
      }
      if (byte === CR || byte === LF) {
        this.#emitLine();
        continue;
      }
      this.#buffer.push(byte);
      if (this.#buffer.length === 2 && this.#buffer[0] === 0x3e && this.#buffer[1] === 0x20) {
        this.#buffer = [];
        this.handlers.prompt();
      } else if (this.#buffer.length > MAX_LINE) {
        this.#flushPartial(`line longer than ${MAX_LINE} bytes`);
        this.#skipToEol = true;
      }
    }
  }

  #flushPartial(reason: string): void {
    if (this.#buffer.length === 0) return;
    const bytes = Uint8Array.from(this.#buffer);
    this.#buffer = [];
    this.handlers.discarded(bytes, reason);
  }

  #emitLine(): void {
    if (this.#buffer.length === 0) return;
    const bytes = Uint8Array.from(this.#buffer);
    this.#buffer = [];
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      this.handlers.discarded(bytes, 'not UTF-8 text');
      return;
    }
    // Control characters other than tab never appear in AT responses; such a line is line noise.
    if (bytes.some((b) => (b < 0x20 && b !== 0x09) || b === 0x7f)) {
      this.handlers.discarded(bytes, 'control characters in a line');
      return;
    }
    const trimmed = text.trim();
    if (trimmed.length > 0) this.handlers.line(trimmed);
  }
}
