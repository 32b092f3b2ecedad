/**
 * The virtual modem behind real pseudo-terminals: `socat` creates a PTY pair per modem port, the emulator opens
 * one end with `serialport` and the daemon opens the other (the `link` path) exactly as it opens hardware.
 * GSM profiles get a second pair for the audio port. `vanish()` kills the pairs (the daemon's port dies as on
 * a USB unplug) and `comeBack()` recreates them at the same paths.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ModemProfile } from '../../src/modem/profile.js';
import { SerialPortBinding } from '../../src/modem/serialport-binding.js';
import type { Clock } from '../../src/time/clock.js';
import { VirtualModem, type VirtualPort } from './virtual-modem.js';

/** Where the daemon finds the emulated ports. */
export interface PtyLinks {
  /** AT port path for the daemon. */
  at: string;
  /** Audio port path (GSM profiles). */
  audio?: string;
}

interface Pair {
  port: VirtualPort;
  link: string;
  socat?: ChildProcess;
  modemSide?: SerialPortBinding;
}

async function waitForPath(path: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  // socat creates the link once both PTYs exist; poll the file system (there is no event for it).
  while (!existsSync(path)) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`socat did not create ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A virtual modem on pseudo-terminals. */
export class PtyEmulator {
  readonly modem: VirtualModem;
  readonly links: PtyLinks;
  readonly #pairs: Pair[];
  #outputListener: ((port: VirtualPort, bytes: Uint8Array) => void) | undefined;

  constructor(profile: ModemProfile, link: string, options: { audioLink?: string; clock?: Clock } = {}) {
    this.modem = new VirtualModem(profile, { clock: options.clock });
    const audioLink =
      profile.audio.transport === 'audio-port' ? (options.audioLink ?? `${link}-audio`) : undefined;
    this.links = audioLink ? { at: link, audio: audioLink } : { at: link };
    this.#pairs = [{ port: 'at', link }];
    if (audioLink) this.#pairs.push({ port: 'audio', link: audioLink });
  }

  /** Creates the PTY pairs and opens the modem side. */
  async start(): Promise<void> {
    for (const pair of this.#pairs) await this.#startPair(pair);
    if (!this.#outputListener) {
      this.#outputListener = (port, bytes) => {
        const pair = this.#pairs.find((p) => p.port === port);
        pair?.modemSide?.write(bytes).catch(() => undefined);
      };
      this.modem.on('output', this.#outputListener);
    }
  }

  /** The ports disappear (USB unplug / renumbering). */
  async vanish(): Promise<void> {
    for (const pair of this.#pairs) await this.#stopPair(pair);
  }

  /** The ports come back at the same paths. */
  async comeBack(): Promise<void> {
    for (const pair of this.#pairs) await this.#startPair(pair);
  }

  /** Stops everything. */
  async stop(): Promise<void> {
    this.modem.dispose();
    if (this.#outputListener) this.modem.off('output', this.#outputListener);
    this.#outputListener = undefined;
    await this.vanish();
  }

  async #startPair(pair: Pair): Promise<void> {
    const modemLink = `${pair.link}.modem`;
    await rm(pair.link, { force: true });
    await rm(modemLink, { force: true });
    const socat = spawn('socat', [`pty,raw,echo=0,link=${pair.link}`, `pty,raw,echo=0,link=${modemLink}`], {
      stdio: 'ignore',
    });
    pair.socat = socat;
    await Promise.all([waitForPath(pair.link, 5000), waitForPath(modemLink, 5000)]);
    const side = new SerialPortBinding(modemLink, 115200);
    await side.open();
    side.onData((bytes) => this.modem.receive(pair.port, bytes));
    pair.modemSide = side;
  }

  async #stopPair(pair: Pair): Promise<void> {
    const side = pair.modemSide;
    pair.modemSide = undefined;
    await side?.close().catch(() => undefined);
    const socat = pair.socat;
    pair.socat = undefined;
    if (socat && socat.exitCode === null) {
      const exited = new Promise((resolve) => socat.once('exit', resolve));
      socat.kill('SIGTERM');
      await exited;
    }
    await rm(pair.link, { force: true });
    await rm(`${pair.link}.modem`, { force: true });
  }
}
