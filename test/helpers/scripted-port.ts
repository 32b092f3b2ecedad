/** An in-memory SerialBinding for engine unit tests: records writes, lets the test push modem bytes. */
import { type SerialBinding, SerialBindingBase } from '../../src/modem/serial-binding.js';

/** A port whose far side is the test. */
export class ScriptedPort extends SerialBindingBase implements SerialBinding {
  readonly path = 'scripted';
  readonly writes: string[] = [];
  #onWrite: ((text: string) => void) | undefined;
  isOpen = false;

  async open(): Promise<void> {
    this.isOpen = true;
  }
  async close(): Promise<void> {
    this.isOpen = false;
  }
  async write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) throw new Error('closed');
    const text = Buffer.from(data).toString('latin1');
    this.writes.push(text);
    this.#onWrite?.(text);
  }
  /** Answers every write with `respond(text)` (when it returns something). */
  respondWith(respond: (text: string) => string | Uint8Array | undefined): void {
    this.#onWrite = (text) => {
      const reply = respond(text);
      if (reply !== undefined) this.emit(reply);
    };
  }
  /** Pushes modem → host bytes. */
  emit(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.received(bytes);
  }
  /** Simulates the device going away. */
  vanish(): void {
    this.isOpen = false;
    this.closed({ disconnected: true, error: new Error('ENXIO') });
  }
}
