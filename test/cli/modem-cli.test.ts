import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startEmulatorProcess } from '../../device/emulator/emulator-process.js';
import { runCli } from '../helpers/cli.js';
import { CLI } from '../helpers/paths.js';

// `linekeeper modem probe` against `linekeeper emulator`, both as the built CLI in child processes.
const EXPECTED = {
  sim7600: {
    manufacturer: 'SIMCOM INCORPORATED',
    model: 'SIMCOM_SIM7600G-H',
    sim: 'READY',
    transfer: 'explicit-call-transfer',
  },
  ec25: { manufacturer: 'Quectel', model: 'EC25', sim: 'READY', transfer: 'explicit-call-transfer' },
  usr5637: { manufacturer: 'U.S. Robotics', model: 'USR5637', sim: null, transfer: 'hook-flash' },
} as const;

for (const [profile, expected] of Object.entries(EXPECTED)) {
  t.test(`modem probe --json against the ${profile} emulator`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lk-probe-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const link = join(dir, 'ttyV0');
    const emulator = await startEmulatorProcess({ cli: CLI, profile, link });
    t.teardown(() => emulator.stop());
    // Without --profile the probe detects the modem itself.
    const result = await runCli(['modem', 'probe', '--port', link, '--json']);
    t.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown> & {
      capabilities: Record<string, unknown>;
    };
    t.equal(report.profile, profile);
    t.equal(report.manufacturer, expected.manufacturer);
    t.equal(report.model, expected.model);
    t.type(report.firmware, 'string');
    t.equal(report.sim, expected.sim);
    t.equal(report.capabilities.transfer, expected.transfer);
    t.equal(report.capabilities.callerId, true);
    t.equal(report.capabilities.digitalAudio, true);
    t.equal(report.capabilities.dtmf, true);
    if (profile !== 'usr5637') {
      t.equal(report.registration, 'home');
      t.equal(report.signalDbm, -67);
      t.equal(report.capabilities.sms, true);
    }
    t.comment(result.stdout.trim());
  });
}

t.test('modem probe names the problem when the port does not exist', async (t) => {
  const result = await runCli(['modem', 'probe', '--port', '/dev/does-not-exist-lk', '--profile', 'sim7600']);
  t.equal(result.code, 1);
  t.match(result.stderr, /does-not-exist-lk/);
});
