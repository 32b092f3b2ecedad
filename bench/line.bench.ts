/**
 * The line over a real pseudo-terminal to the virtual modem: AT round trip through socat + serialport, and how
 * late outgoing 20 ms audio frames leave during a call while a worker thread keeps the other core busy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startEmulatorProcess } from '../device/emulator/emulator-process.js';
import { PtyEmulator } from '../device/emulator/pty-emulator.js';
import { sim7600 } from '../device/profiles/sim7600.js';
import { CallManager } from '../src/calls/call-manager.js';
import type { LineCall } from '../src/calls/line-call.js';
import { silentLogger } from '../src/log/logger.js';
import { AtEngine } from '../src/modem/at-engine.js';
import { Modem } from '../src/modem/modem.js';
import { SerialPortBinding } from '../src/modem/serialport-binding.js';
import { UrcRouter } from '../src/modem/urc-router.js';
import { systemClock } from '../src/time/clock.js';
import { type Benchmark, quantile } from './harness.js';

/** The built CLI (bench runs from dist/bench). */
const CLI = fileURLToPath(new URL('../../bin/linekeeper.js', import.meta.url));

async function atRoundTrip(dir: string): Promise<number[]> {
  const emulator = new PtyEmulator(sim7600, join(dir, 'at'));
  await emulator.start();
  const binding = new SerialPortBinding(emulator.links.at, 115200);
  await binding.open();
  const engine = new AtEngine({
    binding,
    urcs: new UrcRouter(silentLogger),
    clock: systemClock,
    log: silentLogger,
    defaultTimeoutMs: 2000,
  });
  engine.attach();
  const samples: number[] = [];
  try {
    await engine.send({ text: 'ATE0' });
    for (let i = 0; i < 220; i++) {
      const start = performance.now();
      await engine.send({ text: 'AT' });
      if (i >= 20) samples.push(performance.now() - start);
    }
  } finally {
    engine.portClosed();
    await binding.close();
    await emulator.stop();
  }
  return samples;
}

async function frameLateness(
  dir: string,
  seconds: number,
): Promise<{ late: number[]; loopDelayP99: number }> {
  const link = join(dir, 'call');
  const emulator = await startEmulatorProcess({
    cli: CLI,
    profile: 'sim7600',
    link,
    call: { number: '+441632960200', afterS: 0.3, holdS: 30 },
  });
  const modem = new Modem({
    profile: sim7600,
    port: new SerialPortBinding(link, 115200),
    audioPort: new SerialPortBinding(`${link}-audio`, 115200),
    clock: systemClock,
    log: silentLogger,
    commandTimeoutMs: 2000,
  });
  const late: number[] = [];
  const calls = new CallManager({
    line: modem,
    clock: systemClock,
    log: silentLogger,
    ringsBeforeAnswer: 1,
    clccPollMs: 2000,
    onFrameTiming: (timing) => late.push(timing.lateMs),
  });
  calls.start();
  const connected = new Promise<LineCall>((resolve) => calls.once('connected', resolve));
  await modem.start();
  // The other core is busy the whole time (speech recognition on a real box).
  const busy = new Worker(
    'const { parentPort } = require("node:worker_threads"); let stop = false; parentPort.on("message", () => { stop = true; }); (function spin() { const end = Date.now() + 50; while (Date.now() < end) {} if (!stop) setImmediate(spin); })();',
    { eval: true },
  );
  // Event-loop delay during the call tells scheduling stalls (a loaded machine) from slow code.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  try {
    const call = await connected;
    loop.enable();
    const clip = new Int16Array(8000 * seconds);
    for (let i = 0; i < clip.length; i++)
      clip[i] = Math.round(6000 * Math.sin((2 * Math.PI * 700 * i) / 8000));
    await call.play(clip);
    loop.disable();
    await call.hangup();
  } finally {
    loop.disable();
    busy.postMessage('stop');
    await busy.terminate();
    calls.stop();
    await modem.stop();
    await emulator.stop();
  }
  return { late, loopDelayP99: loop.percentile(99) / 1e6 };
}

/** AT round trip and outgoing frame lateness. */
export const benchmark: Benchmark = {
  figures: [
    'at_roundtrip_p50_ms',
    'at_roundtrip_p95_ms',
    'audio_frame_late_p50_ms',
    'audio_frame_late_p99_ms',
    'line_event_loop_delay_p99_ms',
  ],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'lk-bench-line-'));
    try {
      const rtt = await atRoundTrip(dir);
      const { late, loopDelayP99 } = await frameLateness(dir, 5);
      return {
        at_roundtrip_p50_ms: quantile(rtt, 0.5),
        at_roundtrip_p95_ms: quantile(rtt, 0.95),
        audio_frame_late_p50_ms: quantile(late, 0.5),
        audio_frame_late_p99_ms: quantile(late, 0.99),
        line_event_loop_delay_p99_ms: loopDelayP99,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
