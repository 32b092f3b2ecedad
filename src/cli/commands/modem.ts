/** `linekeeper modem probe`: identifies a modem and reports SIM, signal, registration and capabilities. */
import { type Command, InvalidArgumentError } from 'commander';
import { PROFILES, profileById } from '../../../device/profiles/index.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { AtEngine } from '../../modem/at-engine.js';
import { detectProfile } from '../../modem/detect.js';
import { Modem } from '../../modem/modem.js';
import { SerialPortBinding } from '../../modem/serialport-binding.js';
import { UrcRouter } from '../../modem/urc-router.js';
import { systemClock } from '../../time/clock.js';

/** What `modem probe` reports. */
export interface ProbeReport {
  port: string;
  profile: string;
  manufacturer: string;
  model: string;
  firmware: string;
  sim: string | null;
  signalDbm: number | null;
  registration: string;
  capabilities: Record<string, unknown>;
}

async function probe(options: {
  port: string;
  audioPort?: string;
  profile?: string;
  baud: number;
  verbose: boolean;
}) {
  const log = options.verbose ? createLogger({ level: 'debug' }) : silentLogger;
  const at = new SerialPortBinding(options.port, options.baud);
  let profileId = options.profile;
  if (profileId === undefined) {
    await at.open();
    const engine = new AtEngine({
      binding: at,
      urcs: new UrcRouter(log),
      clock: systemClock,
      log,
      defaultTimeoutMs: 3000,
    });
    engine.attach();
    try {
      profileId = await detectProfile(engine);
    } finally {
      engine.portClosed();
      await at.close();
    }
  }
  const profile = profileById(profileId);
  const modem = new Modem({
    profile,
    port: at,
    audioPort: new SerialPortBinding(options.audioPort ?? `${options.port}-audio`, options.baud),
    clock: systemClock,
    log,
    commandTimeoutMs: 5000,
  });
  try {
    await modem.start();
    if (modem.state !== 'ready')
      throw new LinekeeperError(ErrorCode.Modem_Unresponsive, `modem on ${options.port} did not initialise`);
    const identity = await modem.identify();
    const health = await modem.health();
    const capabilities = await modem.capabilities();
    const report: ProbeReport = {
      port: options.port,
      profile: profile.id,
      ...identity,
      sim: health.sim,
      signalDbm: health.signalDbm,
      registration: health.registration,
      capabilities: { ...capabilities },
    };
    return report;
  } finally {
    await modem.stop();
  }
}

/** Adds `modem probe` to the program. */
export function registerModem(program: Command): void {
  const modem = program
    .command('modem')
    .description('Talk to the modem HAT directly (bring-up and diagnosis).');
  modem
    .command('probe')
    .description(
      'Identify the modem and print manufacturer, model, firmware, SIM, signal, registration and capabilities.',
    )
    .requiredOption('--port <path>', 'AT command port, e.g. /dev/ttyUSB2 or /dev/linekeeper-modem')
    .option('--audio-port <path>', 'PCM audio port of GSM modules (default: <port>-audio)')
    .option(
      '--profile <id>',
      `driver profile (${Object.keys(PROFILES).join('|')}); detected when omitted`,
      (value) => {
        if (!(value in PROFILES))
          throw new InvalidArgumentError(`expected one of ${Object.keys(PROFILES).join(', ')}`);
        return value;
      },
    )
    .option('--baud <n>', 'serial speed', (v) => Number.parseInt(v, 10), 115200)
    .option('--json', 'print one JSON object')
    .option('--verbose', 'log the AT traffic at debug level')
    .action(
      async (options: {
        port: string;
        audioPort?: string;
        profile?: string;
        baud: number;
        json?: boolean;
        verbose?: boolean;
      }) => {
        const report = await probe({ ...options, verbose: options.verbose === true });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        const lines = [
          `port          ${report.port}`,
          `profile       ${report.profile}`,
          `manufacturer  ${report.manufacturer}`,
          `model         ${report.model}`,
          `firmware      ${report.firmware}`,
          `SIM           ${report.sim ?? 'n/a'}`,
          `signal        ${report.signalDbm === null ? 'n/a' : `${report.signalDbm} dBm`}`,
          `registration  ${report.registration}`,
          `capabilities  ${Object.entries(report.capabilities)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' ')}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
