/** The worker's usage counts the processes it runs: a live child's memory and CPU, and a finished child's CPU. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import t from 'tap';
import { processTreeUsage } from '../../src/speech/worker/process-tree-usage.js';

t.test('a live child adds its resident memory, a reaped one keeps its CPU in the total', async (t) => {
  const before = await processTreeUsage();
  // Holds 64 MB (touched, so resident) until its input closes.
  const holder = spawn('python3', [
    '-c',
    'import sys; b = bytearray(64 << 20); print("held", flush=True); sys.stdin.read()',
  ]);
  await once(createInterface({ input: holder.stdout }), 'line');
  const holding = await processTreeUsage();
  t.ok(holding.rssMb - before.rssMb > 60, `rss ${before.rssMb.toFixed(1)} → ${holding.rssMb.toFixed(1)} MB`);
  holder.stdin.end();
  await once(holder, 'close');

  // About half a second of arithmetic in a child that then exits and is reaped.
  const burner = spawn('python3', [
    '-c',
    'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass',
  ]);
  await once(burner, 'close');
  const after = await processTreeUsage();
  const childCpu = after.cpuUserMs + after.cpuSystemMs - (holding.cpuUserMs + holding.cpuSystemMs);
  t.ok(childCpu >= 450, `the finished child's ${childCpu} ms of CPU are counted`);
});
