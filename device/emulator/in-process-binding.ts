/** SerialBindings wired straight to a VirtualModem in the same process (unit tests; no pseudo-terminal). */
import { type SerialBinding, SerialBindingBase } from '../../src/modem/serial-binding.js';
import type { VirtualModem, VirtualPort } from './virtual-modem.js';

/** One port of a virtual modem, as the daemon sees it. */
export class InProcessBinding extends SerialBindingBase implements SerialBinding {
  #open = false;
  #present = true;

  constructor(
    private readonly modem: VirtualModem,
    private readonly port: VirtualPort,
    readonly path = `virtual:${port}`,
  ) {
    super();
    modem.on('output', (target, bytes) => {
      if (target !== this.port || !this.#open) return;
      // Deliver asynchronously, as a real port would.
      setImmediate(() => this.received(bytes));
    });
  }

  async open(): Promise<void> {
    if (!this.#present) throw new Error(`ENOENT: ${this.path} does not exist`);
    if (this.#open) throw new Error(`${this.path} is already open (locked)`);
    this.#open = true;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.closed({ disconnected: false });
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.#open) throw new Error(`${this.path} is not open`);
    const copy = Uint8Array.from(data);
    setImmediate(() => this.modem.receive(this.port, copy));
  }

  /** The device goes away (USB unplug): open fails until `returnDevice()`. */
  vanish(): void {
    this.#present = false;
    if (!this.#open) return;
    this.#open = false;
    this.closed({ disconnected: true, error: new Error(`EIO: ${this.path} vanished`) });
  }

  /** The device is back. */
  returnDevice(): void {
    this.#present = true;
  }
}

/** The AT and audio bindings of a virtual modem. */
export function inProcessPorts(modem: VirtualModem): { at: InProcessBinding; audio: InProcessBinding } {
  return { at: new InProcessBinding(modem, 'at'), audio: new InProcessBinding(modem, 'audio') };
}
