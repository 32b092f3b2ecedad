/**
 * Daemon-kill soak (fleet.md R3) on demand: `npm run soak:sync -- --kills 200`. Starts Mosquitto (TLS + ACL),
 * PostgreSQL and an ingest, kills a box daemon with SIGKILL at random moments during calls and syncs, drains,
 * and prints the counts. Exit 0 when nothing was lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runKillSoak } from '../test/helpers/kill-soak.js';
import { SyncRig } from '../test/helpers/sync-rig.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '200' } } });
const kills = Number(values.kills);
const cleanups: (() => unknown)[] = [];
const scope = { teardown: (fn: () => unknown) => cleanups.push(fn) };
let code = 1;
try {
  const rig = await SyncRig.start(scope);
  await rig.startIngest();
  const dir = await mkdtemp(join(tmpdir(), 'lk-soak-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const started = Date.now();
  const report = await runKillSoak(rig, dir, {
    kills,
    progress: (line) => process.stderr.write(`\r${line}   `),
  });
  process.stderr.write('\n');
  process.stdout.write(
    `${JSON.stringify({ ...report, seconds: Math.round((Date.now() - started) / 1000) })}\n`,
  );
  code = report.missing === 0 && report.tempFiles === 0 && report.stored === report.recorded ? 0 : 1;
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
process.exit(code);
