/**
 * A whole line for tests: the virtual modem (over real pseudo-terminals or in-process), the daemon's Modem
 * with the real driver, and the CallManager, with every call transition and history collected.
 *
 *   const rig = await startLineRig(t, 'sim7600', { transport: 'pty' });
 *   rig.emulator.ring({ number: '+4420', ringIntervalMs: 200 });
 *   const call = await rig.nextConnected();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { inProcessPorts } from '../../device/emulator/in-process-binding.js';
import { PtyEmulator } from '../../device/emulator/pty-emulator.js';
import { VirtualModem } from '../../device/emulator/virtual-modem.js';
import { profileById } from '../../device/profiles/index.js';
import type { LineAudioFormat } from '../../src/audio/line-codec.js';
import type { CallEvent } from '../../src/calls/call-machine.js';
import { type CallHistory, CallManager } from '../../src/calls/call-manager.js';
import type { LineCall } from '../../src/calls/line-call.js';
import { silentLogger } from '../../src/log/logger.js';
import { Modem, type ModemStateChange, type RecoveryStep } from '../../src/modem/modem.js';
import type { ProfileId } from '../../src/modem/profile.js';
import { SerialPortBinding } from '../../src/modem/serialport-binding.js';
import { systemClock } from '../../src/time/clock.js';

/** Options of a rig. */
export interface LineRigOptions {
  transport?: 'pty' | 'in-process';
  ringsBeforeAnswer?: number;
  clccPollMs?: number;
  analogFormat?: LineAudioFormat;
  commandTimeoutMs?: number;
  powerCycle?: () => Promise<void>;
}

/** A running line. */
export interface LineRig {
  emulator: VirtualModem;
  /** Present with transport 'pty'. */
  pty?: PtyEmulator;
  modem: Modem;
  calls: CallManager;
  transitions: CallEvent[];
  histories: CallHistory[];
  states: ModemStateChange[];
  recoveries: RecoveryStep[];
  /** In-process only: make the device vanish / return. */
  vanish(): Promise<void>;
  comeBack(): Promise<void>;
  nextConnected(timeoutMs?: number): Promise<LineCall>;
  nextEnded(timeoutMs?: number): Promise<CallHistory>;
}

/** Resolves when `check()` holds, polling on setImmediate; rejects after `timeoutMs` naming `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function nextEvent<T>(
  subscribe: (resolve: (value: T) => void) => () => void,
  what: string,
  timeoutMs: number,
) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = subscribe((value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/** Starts a line for `profileId`; everything is torn down with the test. */
export async function startLineRig(
  t: Test,
  profileId: ProfileId,
  options: LineRigOptions = {},
): Promise<LineRig> {
  const profile = profileById(profileId);
  const transport = options.transport ?? 'pty';
  let emulator: VirtualModem;
  let pty: PtyEmulator | undefined;
  let ports: {
    at: import('../../src/modem/serial-binding.js').SerialBinding;
    audio: import('../../src/modem/serial-binding.js').SerialBinding;
  };
  let vanish: () => Promise<void>;
  let comeBack: () => Promise<void>;
  if (transport === 'pty') {
    const dir = await mkdtemp(join(tmpdir(), 'lk-line-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    pty = new PtyEmulator(profile, join(dir, 'modem'));
    await pty.start();
    const started = pty;
    t.teardown(() => started.stop());
    emulator = pty.modem;
    ports = {
      at: new SerialPortBinding(pty.links.at, 115200),
      audio: new SerialPortBinding(pty.links.audio ?? join(dir, 'no-audio'), 115200),
    };
    vanish = () => started.vanish();
    comeBack = () => started.comeBack();
  } else {
    emulator = new VirtualModem(profile);
    const inProcess = inProcessPorts(emulator);
    ports = inProcess;
    vanish = async () => {
      inProcess.at.vanish();
      inProcess.audio.vanish();
    };
    comeBack = async () => {
      inProcess.at.returnDevice();
      inProcess.audio.returnDevice();
    };
    t.teardown(() => emulator.dispose());
  }
  const modem = new Modem({
    profile,
    port: ports.at,
    audioPort: ports.audio,
    clock: systemClock,
    log: silentLogger,
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    analogFormat: options.analogFormat,
    powerCycle: options.powerCycle,
    failuresBeforePowerCycle: 1,
    reopenBackoffMs: [50, 100, 200],
  });
  const states: ModemStateChange[] = [];
  const recoveries: RecoveryStep[] = [];
  modem.on('state', (s) => states.push(s));
  modem.on('recovery', (r) => recoveries.push(r));
  const calls = new CallManager({
    line: modem,
    clock: systemClock,
    log: silentLogger,
    ringsBeforeAnswer: options.ringsBeforeAnswer ?? 2,
    clccPollMs: options.clccPollMs ?? 0,
  });
  const transitions: CallEvent[] = [];
  const histories: CallHistory[] = [];
  calls.on('transition', (e) => transitions.push(e));
  calls.on('ended', (h) => histories.push(h));
  calls.start();
  await modem.start();
  t.teardown(async () => {
    calls.stop();
    await modem.stop();
  });
  return {
    emulator,
    pty,
    modem,
    calls,
    transitions,
    histories,
    states,
    recoveries,
    vanish,
    comeBack,
    nextConnected: (timeoutMs = 10000) =>
      nextEvent<LineCall>(
        (resolve) => {
          calls.on('connected', resolve);
          return () => calls.off('connected', resolve);
        },
        'connected call',
        timeoutMs,
      ),
    nextEnded: (timeoutMs = 10000) =>
      nextEvent<CallHistory>(
        (resolve) => {
          calls.on('ended', resolve);
          return () => calls.off('ended', resolve);
        },
        'call end',
        timeoutMs,
      ),
  };
}

/** A sine tone of `ms` at `hz` and amplitude `amp`. */
export function tone(hz: number, ms: number, amp = 8000): Int16Array {
  const n = Math.round((8000 * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

/**
 * Finds `sent` inside `received` (aligned on the first sample above the noise floor) and returns the
 * signal-to-noise ratio of the match in dB: ∞ for a bit-exact copy, ~38 for µ-law, ~40 for 8-bit linear.
 */
export function matchAudio(sent: Int16Array, received: Int16Array): { offset: number; snrDb: number } {
  const onset = (x: Int16Array) => x.findIndex((v) => Math.abs(v) > 1000);
  const s0 = onset(sent);
  const r0 = onset(received);
  if (s0 < 0 || r0 < 0) return { offset: -1, snrDb: Number.NEGATIVE_INFINITY };
  let best = { offset: -1, snrDb: Number.NEGATIVE_INFINITY };
  // Quantisation may move the onset by a sample or two: try the neighbours.
  for (let shift = -3; shift <= 3; shift++) {
    const offset = r0 - s0 + shift;
    if (offset < 0) continue;
    let signal = 0;
    let noise = 0;
    const n = Math.min(sent.length, received.length - offset);
    for (let i = 0; i < n; i++) {
      const s = sent[i] as number;
      const d = (received[offset + i] as number) - s;
      signal += s * s;
      noise += d * d;
    }
    if (n < sent.length * 0.9) continue;
    const snrDb = noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    if (snrDb > best.snrDb) best = { offset, snrDb };
  }
  return best;
}
