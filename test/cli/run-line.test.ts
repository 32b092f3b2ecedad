import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startEmulatorProcess } from '../../device/emulator/emulator-process.js';
import { boxStorageYaml } from '../helpers/box-storage.js';
import { CLI, SHARED_EXAMPLES } from '../helpers/paths.js';

// `linekeeper run` opens the configured modem (here `linekeeper emulator` on a pseudo-terminal), answers a
// call and logs every call event, as the systemd service does on a box.

function collect(child: ChildProcess): {
  text: () => string;
  waitFor: (re: RegExp, ms: number) => Promise<void>;
} {
  let out = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters])
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    text: () => out,
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        if (re.test(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; output:\n${out}`)), ms);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

function stopChild(t: Test, child: ChildProcess): void {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
}

t.test('linekeeper run answers a call from linekeeper emulator and logs each call event', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const link = join(dir, 'ttyV0');
  const emulator = await startEmulatorProcess({
    cli: CLI,
    profile: 'sim7600',
    link,
    call: { number: '+441632960100', afterS: 2, holdS: 1 },
  });
  t.teardown(() => emulator.stop());
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      'version: 1',
      `shopProfile: ${SHARED_EXAMPLES}shop-bakery.yaml`,
      `modem: { profile: sim7600, port: ${link}, audioPort: ${link}-audio, ringsBeforeAnswer: 1 }`,
      'log: { level: info }',
      await boxStorageYaml(dir),
    ].join('\n'),
  );
  const daemon = spawn(process.execPath, [CLI, 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stopChild(t, daemon);
  const out = collect(daemon);
  await out.waitFor(/modem initialising → ready/, 10000);
  await out.waitFor(/call forwarding to the owner/, 10000);
  await out.waitFor(/ringing → answering/, 15000);
  await out.waitFor(/answering → connected/, 5000);
  await out.waitFor(/connected → ended \(remote\)/, 10000);
  await out.waitFor(/ended: caller-hangup/, 5000);
  t.match(emulator.output(), /← ATA/);
  t.match(emulator.output(), /← AT\+CPCMREG=1/);
  t.match(emulator.output(), /← AT\+CCFC=2,3,/, 'forwarding on no-reply set to the owner');
  t.notMatch(out.text(), /\+441632960100/, 'the caller number stays out of info-level logs');
  daemon.kill('SIGTERM');
  await out.waitFor(/stopped/, 10000);
});
