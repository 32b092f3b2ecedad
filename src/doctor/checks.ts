/**
 * `linekeeper doctor` and the fleet `selftest` command: one check per thing a box needs, each answering OK, WARN,
 * FAIL or "not checked", and for every problem a plain-words fix. Checks that need the modem or a live broker use
 * injected probes when the daemon has them, and otherwise say clearly what was not checked and why.
 */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, readdir, readFile, stat, statfs } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { dirname } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { DeviceConfig } from '../config/device-schema.js';
import { loadDeviceConfig, loadShopProfile } from '../config/load.js';
import { describeError } from '../errors.js';

/** How a check came out. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The result of one check. */
export interface CheckResult {
  /** Short name: config, profile, modem, sim, signal, gpio, models, broker, disk, clock, fleet-key. */
  name: string;
  status: CheckStatus;
  /** What was found, in plain words. */
  summary: string;
  /** How to fix it, in plain words (for warn and fail). */
  fix?: string;
}

/** What the running daemon knows about its modem (SIM, registration, signal); absent outside the daemon. */
export interface ModemProbe {
  /** Asks the modem; rejects when it does not answer. An analog line has no SIM and no network: not-applicable. */
  probe(): Promise<{
    sim: 'ready' | 'pin-required' | 'absent' | 'not-applicable' | string;
    registered: boolean | 'not-applicable';
    signalDbm?: number;
  }>;
}

/** What the checks may use beyond the config file. */
export interface DoctorOptions {
  /** Device config file. */
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** The daemon's modem, for SIM and signal. */
  modem?: ModemProbe;
  /** The daemon's live broker connection state, instead of a test connection. */
  brokerConnected?: () => boolean;
  /** Time limit of network checks (default 5 s). */
  timeoutMs?: number;
}

const ok = (name: string, summary: string): CheckResult => ({ name, status: 'ok', summary });
const warn = (name: string, summary: string, fix: string): CheckResult => ({
  name,
  status: 'warn',
  summary,
  fix,
});
const fail = (name: string, summary: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  summary,
  fix,
});
const skip = (name: string, summary: string): CheckResult => ({ name, status: 'skip', summary });

/** Runs every check; never throws. */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let config: DeviceConfig;
  try {
    config = await loadDeviceConfig(options.configFile, options.env ?? process.env);
    results.push(ok('config', `${options.configFile} is valid (device ${config.device.id})`));
  } catch (e) {
    results.push(
      fail(
        'config',
        describeError(e),
        `fix the device config ${options.configFile} (linekeeper check-config lists every problem)`,
      ),
    );
    return results;
  }
  results.push(await checkProfile(config));
  results.push(...(await checkModem(config, options.modem)));
  results.push(await checkGpio(config));
  results.push(await checkModels(config));
  results.push(await checkBroker(config, options));
  results.push(await checkDisk(config));
  results.push(await checkClock(options.timeoutMs ?? 5_000));
  results.push(await checkFleetKey(config));
  return results;
}

async function checkProfile(config: DeviceConfig): Promise<CheckResult> {
  try {
    const shop = await loadShopProfile(config.shopProfile);
    return ok('profile', `${shop.file} is valid (${shop.profile.faq.length} FAQ entries)`);
  } catch (e) {
    return fail(
      'profile',
      describeError(e),
      `fix the shop profile ${config.shopProfile}, or push a valid one from the fleet (linekeeper fleet push-shop)`,
    );
  }
}

async function checkModem(config: DeviceConfig, modem: ModemProbe | undefined): Promise<CheckResult[]> {
  const port = config.modem.port;
  let portResult: CheckResult;
  try {
    // Non-blocking open without becoming the controlling terminal: proves the node exists and we may use it.
    const handle = await open(port, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    await handle.close();
    portResult = ok('modem', `${port} exists and can be opened`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    portResult =
      code === 'ENOENT'
        ? fail(
            'modem',
            `${port} does not exist`,
            'check that the modem HAT is seated and powered and its USB cable is in; the udev rules create this name (ls /dev/serial/by-id)',
          )
        : code === 'EACCES'
          ? fail(
              'modem',
              `${port}: permission denied`,
              'the linekeeper user must be in the dialout group (setup.sh does it; then restart the service)',
            )
          : fail(
              'modem',
              `${port}: ${describeError(e)}`,
              'unplug and replug the modem, then run doctor again',
            );
  }
  if (!modem) {
    const why = 'not checked: needs the running daemon (ask the box with `linekeeper fleet cmd ID selftest`)';
    return [portResult, skip('sim', why), skip('signal', why)];
  }
  try {
    const state = await modem.probe();
    const sim =
      state.sim === 'ready'
        ? ok('sim', 'SIM ready')
        : state.sim === 'not-applicable'
          ? ok('sim', 'no SIM: an analog phone line')
          : fail(
              'sim',
              `SIM ${state.sim}`,
              'insert an active SIM card without a PIN lock (or set the PIN in the config)',
            );
    let signal: CheckResult;
    if (state.registered === 'not-applicable') {
      signal = ok('signal', 'no mobile network: an analog phone line');
    } else if (!state.registered) {
      signal = fail(
        'signal',
        'not registered on the network',
        'check the antenna and that the SIM has service here',
      );
    } else if (state.signalDbm === undefined) {
      signal = warn('signal', 'registered, signal strength unknown', 'ask the modem again later');
    } else if (state.signalDbm < -100) {
      signal = warn(
        'signal',
        `registered, weak signal ${state.signalDbm} dBm`,
        'move the antenna up or near a window; calls may drop below -100 dBm',
      );
    } else {
      signal = ok('signal', `registered, signal ${state.signalDbm} dBm`);
    }
    return [portResult, sim, signal];
  } catch (e) {
    const summary = `the modem does not answer: ${describeError(e)}`;
    const fix = 'power-cycle the modem HAT; if it stays silent, check the modem profile in the config';
    return [portResult, fail('sim', summary, fix), fail('signal', summary, fix)];
  }
}

async function checkGpio(config: DeviceConfig): Promise<CheckResult> {
  if (!config.gpio.enabled) return ok('gpio', 'not used (gpio.enabled is false)');
  const chips = (await readdir('/dev').catch(() => [] as string[])).filter((n) => n.startsWith('gpiochip'));
  if (chips.length === 0) {
    return fail(
      'gpio',
      'no /dev/gpiochip* device',
      'this is not a Raspberry Pi, or GPIO is disabled: set gpio.enabled: false',
    );
  }
  try {
    await access(`/dev/${chips[0]}`, constants.R_OK | constants.W_OK);
    return ok('gpio', `${chips.join(', ')} accessible`);
  } catch {
    return fail(
      'gpio',
      `/dev/${chips[0]}: permission denied`,
      'the linekeeper user must be in the gpio group (setup.sh does it; then restart the service)',
    );
  }
}

async function checkModels(config: DeviceConfig): Promise<CheckResult> {
  const dir = config.speech.modelsDir;
  const entries = await readdir(dir).catch(() => undefined);
  if (entries === undefined || entries.length === 0) {
    return warn(
      'models',
      `no speech models in ${dir}: the embedded engines answer (less accurate)`,
      'fetch them when the box has internet: sudo -u linekeeper linekeeper models fetch',
    );
  }
  return ok('models', `${entries.length} entries in ${dir}`);
}

async function checkBroker(config: DeviceConfig, options: DoctorOptions): Promise<CheckResult> {
  if (!config.mqtt.enabled) return skip('broker', 'not checked: sync is off (mqtt.enabled is false)');
  if (options.brokerConnected) {
    return options.brokerConnected()
      ? ok('broker', `connected to ${config.mqtt.url}`)
      : fail(
          'broker',
          `not connected to ${config.mqtt.url}`,
          'check the internet connection and the broker address',
        );
  }
  // A TCP/TLS handshake only, no MQTT CONNECT: with use_username_as_clientid a second session under the box's
  // identity would take over the running daemon's connection.
  let url: URL;
  try {
    url = new URL(config.mqtt.url);
  } catch {
    return fail(
      'broker',
      `${config.mqtt.url} is not a URL`,
      'set mqtt.url, e.g. mqtts://fleet.example.com:8883',
    );
  }
  const secure = url.protocol === 'mqtts:' || url.protocol === 'ssl:';
  const port = Number(url.port || (secure ? 8883 : 1883));
  try {
    const tls = secure ? await tlsFiles(config) : undefined;
    await new Promise<void>((resolve, reject) => {
      const socket = secure
        ? tlsConnect({ host: url.hostname, port, servername: url.hostname, ...tls }, () => {
            socket.end();
            resolve();
          })
        : netConnect({ host: url.hostname, port }, () => {
            socket.end();
            resolve();
          });
      socket.setTimeout(options.timeoutMs ?? 5_000, () => socket.destroy(new Error('timed out')));
      socket.once('error', reject);
    });
    return ok(
      'broker',
      `${url.host} reachable${secure ? ' (TLS handshake with the client certificate ok)' : ''}`,
    );
  } catch (e) {
    return fail(
      'broker',
      `${url.host} not reachable: ${describeError(e)}`,
      'check the internet connection, the broker address (mqtt.url) and the certificate files (mqtt.caFile/certFile/keyFile)',
    );
  }
}

async function tlsFiles(config: DeviceConfig): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const read = (file: string) => (file === '' ? undefined : readFile(file));
  const [ca, cert, key] = await Promise.all([
    read(config.mqtt.caFile),
    read(config.mqtt.certFile),
    read(config.mqtt.keyFile),
  ]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

async function checkDisk(config: DeviceConfig): Promise<CheckResult> {
  let dir = config.storage.dataDir;
  // The data directory may not exist yet (first boot): measure the filesystem it will be on.
  while (
    !(await stat(dir).then(
      () => true,
      () => false,
    ))
  )
    dir = dirname(dir);
  const fs = await statfs(dir);
  const freeMb = Math.floor((Number(fs.bavail) * Number(fs.bsize)) / 2 ** 20);
  const min = config.storage.minFreeMb;
  if (freeMb < min) {
    return fail(
      'disk',
      `${freeMb} MB free on ${dir}, below the ${min} MB minimum: recordings are not kept`,
      'delete old exports or use a bigger SD card; synced call audio can be removed (linekeeper fleet cmd ID calls.export first)',
    );
  }
  if (freeMb < 2 * min) return warn('disk', `${freeMb} MB free on ${dir}`, 'free some space soon');
  return ok('disk', `${freeMb} MB free on ${dir}`);
}

async function checkClock(timeoutMs: number): Promise<CheckResult> {
  if (new Date().getUTCFullYear() < 2025) {
    return fail(
      'clock',
      `the clock says ${new Date().toISOString()}`,
      'connect the box to the internet so NTP sets the time',
    );
  }
  const synced = await new Promise<string | undefined>((resolve) =>
    execFile(
      'timedatectl',
      ['show', '-p', 'NTPSynchronized', '--value'],
      { timeout: timeoutMs },
      (error, stdout) => resolve(error ? undefined : stdout.trim()),
    ),
  );
  if (synced === undefined)
    return skip('clock', 'not checked: timedatectl is not available (no systemd running)');
  return synced === 'yes'
    ? ok('clock', 'synchronised with NTP')
    : warn(
        'clock',
        'not synchronised with NTP: opening hours and call times may be wrong',
        'check the internet connection; sudo timedatectl set-ntp true',
      );
}

async function checkFleetKey(config: DeviceConfig): Promise<CheckResult> {
  const file = config.fleet.publicKeyFile;
  try {
    const key = createPublicKey(await readFile(file));
    if (key.asymmetricKeyType !== 'ed25519') {
      return fail(
        'fleet-key',
        `${file} is a ${key.asymmetricKeyType} key, not Ed25519`,
        'install the fleet key from `linekeeper fleet keygen`',
      );
    }
    return ok('fleet-key', `${file} installed`);
  } catch (e) {
    return warn(
      'fleet-key',
      `no fleet public key (${describeError(e)}): fleet pushes and commands are refused`,
      'install it: sudo scripts/setup.sh --fleet-pubkey FILE',
    );
  }
}

/** Renders results as aligned lines with the fix under each problem. */
export function formatResults(results: readonly CheckResult[]): string {
  const label: Record<CheckStatus, string> = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skip: '--  ' };
  return results
    .map(
      (r) =>
        `${label[r.status]} ${r.name.padEnd(9)} ${r.summary}${r.fix ? `\n               fix: ${r.fix}` : ''}`,
    )
    .join('\n');
}
