/**
 * The modem as the rest of the daemon sees it: opens the ports, runs the driver's init, keeps the line alive
 * and publishes its state as events. Recovery ladder (hardware.md §7, §9):
 *
 *   command timeout ─► unresponsive ─► probe `AT` ─ok─► ready
 *                                         └─fail─► reopen port + DTR drop ─► probe ─ok─► init ─► ready
 *                                                      └─fail × N─► powerCycle() (GPIO power key) ─► reopen
 *   port closed by the OS ─► port-lost ─► reopen with backoff (250 ms … 10 s) ─► init ─► ready
 */
import { EventEmitter } from 'node:events';
import type { PcmFrame } from '../audio/frame.js';
import type { LineAudioFormat } from '../audio/line-codec.js';
import type { TransferResult } from '../calls/active-call.js';
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Clock, delay } from '../time/clock.js';
import { AtEngine } from './at-engine.js';
import type {
  CallListEntry,
  LineDriver,
  LineEvent,
  LineTransferOptions,
  ModemCapabilities,
  ModemHealth,
  ModemIdentity,
} from './driver.js';
import { GsmDriver } from './drivers/gsm-driver.js';
import { V253Driver } from './drivers/v253-driver.js';
import type { ModemProfile } from './profile.js';
import type { SerialBinding } from './serial-binding.js';
import { UrcRouter } from './urc-router.js';

/** Where the modem is. */
export type ModemState =
  | 'stopped'
  | 'opening'
  | 'initialising'
  | 'ready'
  | 'unresponsive'
  | 'recovering'
  | 'port-lost';

/** One state change, as published to the daemon (and later the fleet). */
export interface ModemStateChange {
  state: ModemState;
  previous: ModemState;
  at: Date;
  /** What caused it, for operators. */
  reason: string;
}

/** A recovery action the supervisor took, with how long the outage lasted once it ended. */
export interface RecoveryStep {
  action: 'probe' | 'reopen' | 'power-cycle' | 'reinit';
  ok: boolean;
  at: Date;
}

/** Options of a modem. */
export interface ModemOptions {
  profile: ModemProfile;
  /** The AT port. */
  port: SerialBinding;
  /** The PCM audio port (GSM profiles). */
  audioPort?: SerialBinding;
  clock: Clock;
  log: Logger;
  commandTimeoutMs: number;
  /** Analog wire format (V.253). */
  analogFormat?: LineAudioFormat;
  /** Power-cycles the HAT (GPIO power key), injected by the composition root. */
  powerCycle?: () => Promise<void>;
  /** Failed recoveries before `powerCycle` is tried. */
  failuresBeforePowerCycle?: number;
  /** Reopen backoff steps in ms (the last one repeats). */
  reopenBackoffMs?: readonly number[];
}

/** Events of a modem. */
export interface ModemEvents {
  state: [ModemStateChange];
  recovery: [RecoveryStep];
  line: [LineEvent];
}

/** A supervised modem: driver + engine + recovery. */
export class Modem extends EventEmitter<ModemEvents> {
  readonly engine: AtEngine;
  readonly urcs: UrcRouter;
  readonly driver: LineDriver;
  readonly #o: ModemOptions;
  #state: ModemState = 'stopped';
  #failures = 0;
  #recovering = false;
  #stopped = true;
  #offClose: (() => void) | undefined;

  constructor(options: ModemOptions) {
    super();
    this.#o = options;
    const log = options.log;
    this.urcs = new UrcRouter(log.child('urc'));
    this.engine = new AtEngine({
      binding: options.port,
      urcs: this.urcs,
      clock: options.clock,
      log: log.child('at'),
      defaultTimeoutMs: options.commandTimeoutMs,
    });
    const common = {
      profile: options.profile,
      engine: this.engine,
      urcs: this.urcs,
      clock: options.clock,
      log,
    };
    if (options.profile.dialect === 'v253') {
      this.driver = new V253Driver({ ...common, format: options.analogFormat ?? 'pcm16le' });
    } else {
      if (!options.audioPort) throw new TypeError(`audioPort: ${options.profile.name} needs an audio port`);
      this.driver = new GsmDriver({ ...common, audioPort: options.audioPort });
    }
    this.driver.onEvent((event) => {
      this.emit('line', event);
      if (event.type === 'modem-reset') void this.#reinit();
    });
    this.engine.on('unresponsive', (command) => {
      this.#setState('unresponsive', `${command} timed out`);
      void this.#recover();
    });
  }

  /** The current state. */
  get state(): ModemState {
    return this.#state;
  }

  /** The profile in use. */
  get profile(): ModemProfile {
    return this.#o.profile;
  }

  /** Opens and initialises; when the port is missing, keeps retrying in the background and resolves. */
  async start(): Promise<void> {
    this.#stopped = false;
    try {
      await this.#openAndInit();
    } catch (e) {
      this.#o.log.error(`modem not ready: ${describeError(e)}; retrying in the background`);
      this.#setState('port-lost', describeError(e));
      void this.#reopenLoop();
    }
  }

  /** Closes the ports. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#offClose?.();
    this.engine.portClosed();
    await this.#o.port.close().catch(() => undefined);
    if (this.driver instanceof GsmDriver) await this.driver.close().catch(() => undefined);
    this.#setState('stopped', 'stopped');
  }

  /** Line events; returns an unsubscribe function. */
  onEvent(listener: (event: LineEvent) => void): () => void {
    this.on('line', listener);
    return () => this.off('line', listener);
  }

  /** Caller audio frames; returns an unsubscribe function. */
  onAudio(listener: (frame: PcmFrame) => void): () => void {
    return this.driver.onAudio(listener);
  }

  /** Answers the ringing call. */
  answer(): Promise<void> {
    return this.driver.answer();
  }

  /** Hangs up. */
  hangup(): Promise<void> {
    return this.driver.hangup();
  }

  /** Sends a frame to the caller. */
  writeAudio(frame: PcmFrame): void {
    this.driver.writeAudio(frame);
  }

  /** Lists calls (GSM). */
  listCalls(): Promise<CallListEntry[] | undefined> {
    return this.driver.listCalls();
  }

  /** Transfers the connected call (a warm transfer when `options.brief` is given). */
  transfer(number: string, options?: LineTransferOptions): Promise<TransferResult> {
    return this.driver.transfer(number, options);
  }

  /** Identification. */
  identify(): Promise<ModemIdentity> {
    return this.driver.identify();
  }

  /** Health. */
  health(): Promise<ModemHealth> {
    return this.driver.health();
  }

  /** Capabilities. */
  capabilities(): Promise<ModemCapabilities> {
    return this.driver.capabilities();
  }

  /** Sends a text message (the owner's brief); analog voice modems cannot, and say so. */
  sendText(number: string, text: string): Promise<void> {
    if (this.driver instanceof GsmDriver) return this.driver.sendSms(number, text);
    return Promise.reject(
      new LinekeeperError(
        ErrorCode.Modem_Unsupported,
        `the ${this.#o.profile.id} modem cannot send text messages`,
      ),
    );
  }

  /** True when the modem answers a bare `AT` within a second (also what the HAT power key checks first). */
  probe(): Promise<boolean> {
    return this.engine.send({ text: 'AT', priority: 'recovery', timeoutMs: 1000 }).then(
      () => true,
      () => false,
    );
  }

  /** Resolves once the state is `state` (or rejects after `timeoutMs`). */
  waitForState(state: ModemState, timeoutMs: number): Promise<void> {
    if (this.#state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.off('state', listener);
        reject(new Error(`modem not ${state} within ${timeoutMs} ms (is ${this.#state})`));
      }, timeoutMs);
      const listener = (change: ModemStateChange) => {
        if (change.state !== state) return;
        timer.clear();
        this.off('state', listener);
        resolve();
      };
      this.on('state', listener);
    });
  }

  #setState(state: ModemState, reason: string): void {
    if (state === this.#state) return;
    const change: ModemStateChange = {
      state,
      previous: this.#state,
      at: new Date(this.#o.clock.now()),
      reason,
    };
    this.#state = state;
    this.#o.log.info(`modem ${change.previous} → ${state}: ${reason}`);
    this.emit('state', change);
  }

  async #openAndInit(): Promise<void> {
    const { port, log } = this.#o;
    this.#setState('opening', `opening ${port.path}`);
    this.#offClose?.();
    this.engine.portClosed();
    await port.close().catch(() => undefined);
    // After a reopen the audio port may be a new device node too: open it afresh on the next call.
    if (this.driver instanceof GsmDriver) await this.driver.close().catch(() => undefined);
    await port.open();
    this.engine.attach();
    this.#offClose = port.onClose((info) => {
      if (this.#stopped || !info.disconnected) return;
      log.warn(`modem port ${port.path} went away: ${info.error?.message ?? 'closed'}`);
      this.driver.reset();
      this.emit('line', { type: 'call-ended', cause: 'lost' });
      this.#setState('port-lost', info.error?.message ?? 'port closed');
      void this.#reopenLoop();
    });
    this.#setState('initialising', 'port open');
    this.driver.reset();
    await this.driver.init();
    this.#failures = 0;
    this.#setState('ready', 'init done');
  }

  async #reinit(): Promise<void> {
    if (this.#stopped) return;
    this.#setState('initialising', 'the modem reset itself');
    try {
      await this.driver.init();
      this.#setState('ready', 'init done after reset');
      this.emit('recovery', { action: 'reinit', ok: true, at: new Date(this.#o.clock.now()) });
    } catch (e) {
      this.#o.log.error(`init after reset failed: ${describeError(e)}`);
    }
  }

  async #reopenLoop(): Promise<void> {
    if (this.#recovering) return;
    this.#recovering = true;
    const steps = this.#o.reopenBackoffMs ?? [250, 500, 1000, 2000, 5000, 10000];
    try {
      for (let attempt = 0; !this.#stopped; attempt++) {
        await delay(this.#o.clock, steps[Math.min(attempt, steps.length - 1)] ?? 1000);
        if (this.#stopped) return;
        try {
          await this.#openAndInit();
          this.emit('recovery', { action: 'reopen', ok: true, at: new Date(this.#o.clock.now()) });
          return;
        } catch (e) {
          this.#o.log.debug(`reopen attempt ${attempt + 1} failed: ${describeError(e)}`);
          this.#setState('port-lost', describeError(e));
        }
      }
    } finally {
      this.#recovering = false;
    }
  }

  async #recover(): Promise<void> {
    if (this.#recovering || this.#stopped) return;
    this.#recovering = true;
    const { clock, port, log } = this.#o;
    const step = (action: RecoveryStep['action'], ok: boolean) =>
      this.emit('recovery', { action, ok, at: new Date(clock.now()) });
    try {
      while (!this.#stopped && this.engine.unresponsive) {
        this.#setState('recovering', 'probing with AT');
        const probe = await this.probe();
        step('probe', probe);
        if (probe) break;
        this.#failures++;
        const n = this.#o.failuresBeforePowerCycle ?? 3;
        if (this.#failures >= n && this.#o.powerCycle) {
          log.warn(`modem unresponsive after ${this.#failures} recoveries: power-cycling the HAT`);
          const ok = await this.#o.powerCycle().then(
            () => true,
            (e: unknown) => {
              log.error(`power cycle failed: ${describeError(e)}`);
              return false;
            },
          );
          step('power-cycle', ok);
          this.#failures = 0;
        }
        // Drop DTR (hangs up and resets most modems; PTYs have none), then reopen the port and run init.
        await port.setSignals?.({ dtr: false }).catch(() => undefined);
        await port.setSignals?.({ dtr: true }).catch(() => undefined);
        try {
          await this.#openAndInit();
          step('reopen', true);
          return;
        } catch (e) {
          step('reopen', false);
          log.warn(`reopen failed: ${describeError(e)}`);
          await delay(clock, 500);
        }
      }
      if (!this.#stopped) this.#setState('ready', 'modem answers again');
    } finally {
      this.#recovering = false;
    }
  }
}
