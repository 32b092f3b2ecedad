/**
 * The seam between the modem code and a serial port: the real `serialport` implementation lives in
 * `serialport-binding.ts`, the virtual modem in `device/emulator/` provides an in-process one for unit tests.
 */
import { Listeners } from '../events/listeners.js';

/** Why a port closed. */
export interface PortCloseInfo {
  /** True when the device went away (unplug, USB renumbering) rather than being closed by us. */
  disconnected: boolean;
  /** The error that closed it, if any. */
  error?: Error;
}

/** Modem-control lines; DTR low hangs up most modems. */
export interface PortSignals {
  dtr?: boolean;
  rts?: boolean;
}

/** One serial port. */
export interface SerialBinding {
  /** Device path, for logs. */
  readonly path: string;
  /** Opens the port; rejects with the OS error when it cannot. */
  open(): Promise<void>;
  /** Closes the port; resolves also when it was not open. */
  close(): Promise<void>;
  /** Writes bytes; resolves once handed to the OS (drained). */
  write(data: Uint8Array): Promise<void>;
  /** Receives bytes as they arrive; returns an unsubscribe function. */
  onData(listener: (data: Uint8Array) => void): () => void;
  /** Hears the port close (by us or the OS); returns an unsubscribe function. */
  onClose(listener: (info: PortCloseInfo) => void): () => void;
  /** Sets modem-control lines where the port has them (pseudo-terminals do not). */
  setSignals?(signals: PortSignals): Promise<void>;
}

/** The listener half every binding shares (the real port, the in-process virtual modem, test ports). */
export abstract class SerialBindingBase {
  readonly #data = new Listeners<Uint8Array>();
  readonly #close = new Listeners<PortCloseInfo>();

  /** Receives bytes as they arrive; returns an unsubscribe function. */
  onData(listener: (data: Uint8Array) => void): () => void {
    return this.#data.add(listener);
  }

  /** Hears the port close (by us or the OS); returns an unsubscribe function. */
  onClose(listener: (info: PortCloseInfo) => void): () => void {
    return this.#close.add(listener);
  }

  /** Hands bytes from the device to the data listeners. */
  protected received(data: Uint8Array): void {
    this.#data.emit(data);
  }

  /** Tells the close listeners why the port closed. */
  protected closed(info: PortCloseInfo): void {
    this.#close.emit(info);
  }
}
