/** The real serial port: `serialport` with an exclusive lock, promisified, close reported with its cause. */
import { SerialPort } from 'serialport';
import {
  type PortCloseInfo,
  type PortSignals,
  type SerialBinding,
  SerialBindingBase,
} from './serial-binding.js';

/** Opens `path` at `baudRate` through node-serialport. */
export class SerialPortBinding extends SerialBindingBase implements SerialBinding {
  #port: SerialPort | undefined;

  constructor(
    readonly path: string,
    readonly baudRate: number,
  ) {
    super();
  }

  async open(): Promise<void> {
    // lock: true takes an exclusive lock so a second daemon or ModemManager cannot garble the port.
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (data: Buffer) => this.received(data));
    // node-serialport reports an unplug as 'close' with a disconnected error (or only an error on write).
    let closed = false;
    const reportClose = (error?: Error) => {
      if (closed) return;
      closed = true;
      // A close we did not ask for (it carries an error) means the device went away.
      const info: PortCloseInfo = error ? { disconnected: true, error } : { disconnected: false };
      this.closed(info);
    };
    port.on('close', (error?: Error | null) => reportClose(error ?? undefined));
    port.on('error', (error: Error) => {
      reportClose(error);
      if (port.isOpen) port.close(() => {});
    });
    this.#port = port;
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) throw new Error(`serial port ${this.path} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (e) =>
        e ? reject(e) : undefined,
      );
      port.drain((e) => (e ? reject(e) : resolve()));
    });
  }

  async setSignals(signals: PortSignals): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) throw new Error(`serial port ${this.path} is not open`);
    await new Promise<void>((resolve, reject) => port.set(signals, (e) => (e ? reject(e) : resolve())));
  }
}
