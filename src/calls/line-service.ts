/**
 * The `modem` service of `linekeeper run`: opens the configured modem, keeps it supervised, answers calls and
 * logs every call event. Speech and conversation attach to `calls` (`connected` gives an ActiveCall).
 * On GSM it also makes sure the network forwards unanswered and unreachable calls to the owner's mobile.
 */
import type { Service } from '../app/service.js';
import type { DeviceConfig } from '../config/device-schema.js';
import { describeError } from '../errors.js';
import { type Logger, personal } from '../log/logger.js';
import { GsmDriver } from '../modem/drivers/gsm-driver.js';
import { Modem } from '../modem/modem.js';
import type { ModemProfile } from '../modem/profile.js';
import type { SerialBinding } from '../modem/serial-binding.js';
import { SerialPortBinding } from '../modem/serialport-binding.js';
import { type Clock, systemClock } from '../time/clock.js';
import { CallManager } from './call-manager.js';

/** A GSM network rings about every 5 s; the box must answer before the network's no-reply timer forwards. */
const SECONDS_PER_RING = 5;

/** What the line service is built from. */
export interface LineServiceOptions {
  config: DeviceConfig['modem'];
  profile: ModemProfile;
  log: Logger;
  /** The owner's mobile (shop profile) for network forwarding. */
  ownerMobile?: string;
  clock?: Clock;
  /** Opens a serial port; the real serialport binding unless a test injects another. */
  openBinding?: (path: string, baudRate: number) => SerialBinding;
  /** Power-cycles the HAT (GPIO power key) when the modem stops answering. */
  powerCycle?: () => Promise<void>;
}

/** The modem and call handling as one service. */
export class LineService implements Service {
  readonly name = 'modem';
  readonly modem: Modem;
  readonly calls: CallManager;
  readonly #o: LineServiceOptions;

  constructor(options: LineServiceOptions) {
    this.#o = options;
    const { config, profile } = options;
    const clock = options.clock ?? systemClock;
    const open = options.openBinding ?? ((path: string, baud: number) => new SerialPortBinding(path, baud));
    const log = options.log.child('modem');
    this.modem = new Modem({
      profile,
      port: open(config.port, config.baudRate),
      audioPort:
        profile.audio.transport === 'audio-port' ? open(config.audioPort, config.baudRate) : undefined,
      clock,
      log,
      commandTimeoutMs: config.commandTimeoutMs,
      analogFormat: config.analogAudioFormat,
      powerCycle: options.powerCycle,
    });
    this.calls = new CallManager({
      line: this.modem,
      clock,
      log: options.log.child('calls'),
      ringsBeforeAnswer: config.ringsBeforeAnswer,
      clccPollMs: config.clccPollSeconds * 1000,
    });
    this.calls.on('ended', (history) =>
      options.log.child('calls').info(`call ${history.callId} ended: ${history.reason}`, {
        caller: personal(history.callerId?.number ?? null),
        dtmf: personal(history.dtmf),
        events: history.events.length,
      }),
    );
    this.modem.on('recovery', (step) => log.info(`recovery ${step.action}: ${step.ok ? 'ok' : 'failed'}`));
    this.modem.onEvent((event) => {
      if (event.type === 'sms')
        log.info('text message received', { from: personal(event.from), text: personal(event.text) });
    });
  }

  async start(): Promise<void> {
    const { config, profile, log } = this.#o;
    this.calls.start();
    await this.modem.start();
    if (
      profile.dialect !== 'v253' &&
      config.ringsBeforeAnswer * SECONDS_PER_RING >= config.noReplyTimerSeconds
    )
      log.warn(
        `modem.ringsBeforeAnswer ${config.ringsBeforeAnswer} (~${config.ringsBeforeAnswer * SECONDS_PER_RING} s) is not shorter than the no-reply timer of ${config.noReplyTimerSeconds} s: the network would forward calls before the box answers`,
      );
    if (this.modem.state === 'ready') await this.#checkForwarding();
  }

  async stop(): Promise<void> {
    this.calls.stop();
    await this.modem.stop();
  }

  async #checkForwarding(): Promise<void> {
    const { config, ownerMobile, log } = this.#o;
    const driver = this.modem.driver;
    if (!config.forwardToOwner || !ownerMobile || !(driver instanceof GsmDriver)) return;
    try {
      const results = await driver.ensureForwarding(ownerMobile, config.noReplyTimerSeconds);
      const changed = results
        .filter((r) => r.changed)
        .map((r) => (r.reason === 2 ? 'no-reply' : 'not-reachable'));
      log.info(
        changed.length > 0
          ? `call forwarding to the owner set for ${changed.join(' and ')}`
          : 'call forwarding to the owner is in place',
      );
    } catch (e) {
      // Forwarding is a safety net: without it the box still answers, so warn and carry on.
      log.warn(`could not check call forwarding to the owner: ${describeError(e)}`);
    }
  }
}
