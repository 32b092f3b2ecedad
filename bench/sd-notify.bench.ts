/** What one sd_notify message costs when sent through the `systemd-notify` program (one per watchdog period). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log/logger.js';
import { createSdNotify } from '../src/system/sd-notify.js';
import { type Benchmark, elapsedMs, quantile } from './harness.js';

const LISTENER =
  'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("up",flush=True)\nwhile True: s.recv(65536)\n';

/** Send time of WATCHDOG=1 to a real datagram socket, including systemd-notify's barrier round trip. */
export const benchmark: Benchmark = {
  figures: ['sd_notify_send_p50_ms', 'sd_notify_send_p95_ms'],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'lk-bench-notify-'));
    const path = join(dir, 'notify.sock');
    const listener: ChildProcess = spawn('python3', ['-c', LISTENER, path], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise((resolve) => listener.stdout?.once('data', resolve));
      const notifier = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: path }, log: silentLogger });
      const samples: number[] = [];
      for (let i = 0; i < 40; i++) {
        const start = performance.now();
        await notifier.notify({ WATCHDOG: '1' });
        if (i >= 5) samples.push(elapsedMs(start));
      }
      return {
        sd_notify_send_p50_ms: quantile(samples, 0.5),
        sd_notify_send_p95_ms: quantile(samples, 0.95),
      };
    } finally {
      listener.kill();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
