/**
 * The HAT power key. A pulse TOGGLES the module's power (Waveshare SIM7600 HAT: BCM6 high 2 s to switch on,
 * 3 s to switch off, then 18-20 s until it answers or is gone), so pulsing a running modem turns it off. Every
 * sequence therefore asks the modem (`AT`, through the injected probe) before and after pulsing.
 */
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Clock, delay } from '../time/clock.js';
import type { GpioLine } from './gpio-line.js';

/** Answers whether the modem replies `OK` to `AT` right now (false when the port is gone). */
export type ModemProbe = () => Promise<boolean>;

/** Power-key timing in milliseconds. */
export interface PowerKeyTiming {
  /** Pulse that switches the module on. */
  onPulseMs: number;
  /** Pulse that switches a running module off. */
  offPulseMs: number;
  /** Wait after switching off before switching on again. */
  offSettleMs: number;
  /** How long after switching on the modem may take to answer `AT` (includes USB re-enumeration). */
  bootTimeoutMs: number;
  /** Pause between `AT` probes while waiting for the modem. */
  probeIntervalMs: number;
}

/** Waveshare's demo timing (hardware.md §11) with room for USB re-enumeration. */
export const DEFAULT_POWER_KEY_TIMING: PowerKeyTiming = {
  onPulseMs: 2000,
  offPulseMs: 3000,
  offSettleMs: 18000,
  bootTimeoutMs: 30000,
  probeIntervalMs: 2000,
};

/** Drives the power key of a modem HAT. */
export class PowerKey {
  #running: Promise<void> | undefined;

  constructor(
    readonly line: GpioLine,
    readonly clock: Clock,
    readonly timing: PowerKeyTiming,
    readonly probe: ModemProbe,
    readonly log: Logger,
  ) {}

  /** Switches a silent modem on; does nothing when it already answers. */
  ensureOn(): Promise<void> {
    return this.#once(async () => {
      if (await this.#answers()) return;
      await this.#recoverSilent();
    });
  }

  /**
   * Switches the modem off and on again and resolves once it answers `AT`; for the modem recovery. Concurrent
   * calls share one sequence. Fails with `Modem_Unresponsive` when the modem never answers.
   */
  powerCycle(): Promise<void> {
    return this.#once(async () => {
      if (await this.#answers()) {
        this.log.info('power cycle: modem answers, switching it off');
        await this.#pulse(this.timing.offPulseMs);
        await delay(this.clock, this.timing.offSettleMs);
        this.log.info('power cycle: switching the modem on');
        await this.#pulse(this.timing.onPulseMs);
        if (await this.#waitForAnswer()) return;
        throw this.#unresponsive('after switching it off and on');
      }
      await this.#recoverSilent();
    });
  }

  #once(sequence: () => Promise<void>): Promise<void> {
    this.#running ??= sequence().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * A silent modem is either off or hung; one pulse switches an off modem on and a hung one off. If nothing
   * answers within the boot time it was hung (and is now off), so a second pulse switches it on.
   */
  async #recoverSilent(): Promise<void> {
    // The off-length pulse, because only it is long enough to switch a hung module off; a module that is off
    // starts on any pulse longer than the on time (inference from SIMCom PWRKEY specs, hardware.md §11).
    this.log.info('modem does not answer AT: pulsing the power key');
    await this.#pulse(this.timing.offPulseMs);
    if (await this.#waitForAnswer()) return;
    this.log.warn('modem still silent: it was probably hung and is now off; pulsing again to switch it on');
    await this.#pulse(this.timing.onPulseMs);
    if (await this.#waitForAnswer()) return;
    throw this.#unresponsive('after two power-key pulses');
  }

  async #pulse(ms: number): Promise<void> {
    await this.line.write(1);
    try {
      await delay(this.clock, ms);
    } finally {
      await this.line.write(0);
    }
  }

  async #answers(): Promise<boolean> {
    try {
      return await this.probe();
    } catch (e) {
      this.log.debug(`AT probe failed: ${describeError(e)}`);
      return false;
    }
  }

  async #waitForAnswer(): Promise<boolean> {
    const deadline = this.clock.now() + this.timing.bootTimeoutMs;
    while (this.clock.now() < deadline) {
      await delay(this.clock, this.timing.probeIntervalMs);
      if (await this.#answers()) return true;
    }
    return false;
  }

  #unresponsive(what: string): LinekeeperError {
    return new LinekeeperError(
      ErrorCode.Modem_Unresponsive,
      `The modem did not answer AT within ${this.timing.bootTimeoutMs} ms ${what}; check the HAT's power-key jumper (Waveshare: PWR to D6) and gpio.powerKey (BCM ${this.line.pin})`,
      { context: { pin: this.line.pin } },
    );
  }
}
