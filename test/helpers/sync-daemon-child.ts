/**
 * A box daemon for kill tests, run as its own process: the real composition (`composeCore` under
 * `startDaemon`) with a config file, taking calls in a loop. Prints `ready`, then `durable <id>` each time
 * `recordCall` has resolved (the record is on disk). `drain` mode takes no calls, waits for an empty outbox and
 * prints `drained <json>` with the ids of every record in the store.
 *   node --import tsx test/helpers/sync-daemon-child.ts <config.yaml> calls|drain
 */
import { type CoreServices, composeCore } from '../../src/app/compose.js';
import { startDaemon } from '../../src/app/daemon.js';
import { makeRecord } from './store.js';

const [file, mode] = process.argv.slice(2);
let core: CoreServices | undefined;
const daemon = await startDaemon({
  config: file,
  compose: (context) => {
    core = composeCore(context);
    return core.services;
  },
});
if (!core) throw new Error('not composed');
const records = core.records;
process.stdout.write('ready\n');
if (mode === 'drain') {
  const deadline = Date.now() + 60_000;
  while ((records.sync?.outboxDepth ?? 0) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ids = (await records.list()).map((s) => s.record.id);
  process.stdout.write(`drained ${JSON.stringify({ depth: records.sync?.outboxDepth, ids })}\n`);
  await daemon.stop();
} else {
  for (let i = 0; ; i++) {
    const record = makeRecord(
      i % 7 === 0
        ? {
            outcome: 'escalated',
            escalation: {
              reason: 'requested',
              brief: 'wants the owner',
              priority: 'normal',
              action: 'callback',
            },
          }
        : {},
    );
    await records.recordCall(record);
    process.stdout.write(`durable ${record.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
