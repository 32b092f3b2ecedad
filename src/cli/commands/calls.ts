/**
 * `linekeeper calls list|show|export|purge`: the owner's and installer's view of the call records on this box,
 * decrypted locally. `export` writes JSON lines of CallRecords (what reports read); `--redacted` applies the same
 * redaction as sync. Run purge with the daemon stopped: the daemon is the store's only writer while it runs.
 */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { openRecordStore } from '../../app/call-records.js';
import { configPath, loadDeviceConfig } from '../../config/load.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import { redactRecord } from '../../privacy/redact.js';
import type { CallRecord } from '../../records/call-record.js';
import { parseQueryDate, type RecordQuery, recordNotFound } from '../../store/record-store.js';

const CONFIG_HELP = 'device config (default: $LINEKEEPER_CONFIG or /etc/linekeeper/config.yaml)';

function query(options: { since?: string; until?: string }): RecordQuery {
  const q: RecordQuery = {};
  const since = parseQueryDate(options.since, '--since');
  const until = parseQueryDate(options.until, '--until');
  if (since) q.since = since;
  if (until) q.until = until;
  return q;
}

async function open(options: { config?: string }) {
  const config = await loadDeviceConfig(configPath(options.config));
  return openRecordStore(config, silentLogger);
}

/** Adds `calls` to the program. */
export function registerCalls(program: Command): void {
  const calls = program
    .command('calls')
    .description('List, show, export and purge the call records on this box.');

  calls
    .command('list')
    .description('One line per call: id, start, outcome, language, caller, turns.')
    .option('--config <file>', CONFIG_HELP)
    .option('--since <date>', 'calls that started at or after this date/time')
    .option('--until <date>', 'calls that started before this date/time')
    .action(async (options: { config?: string; since?: string; until?: string }) => {
      const { store } = await open(options);
      for await (const { record: r } of store.records(query(options))) {
        const caller = r.callerNumber ?? 'withheld';
        process.stdout.write(
          `${r.id}  ${r.startedAt}  ${r.outcome.padEnd(9)}  ${r.lang ?? '--'}  ${caller}  ${r.turns.length} turns\n`,
        );
      }
      await store.close();
    });

  calls
    .command('show <id>')
    .description('Print one call record as JSON (decrypted).')
    .option('--config <file>', CONFIG_HELP)
    .option('--redacted', 'redact personal data as sync does')
    .action(async (id: string, options: { config?: string; redacted?: boolean }) => {
      const { store, policy } = await open(options);
      const record = await store.get(id);
      await store.close();
      if (!record) throw recordNotFound(id);
      const out: CallRecord = options.redacted ? redactRecord(record, policy) : record;
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  calls
    .command('export')
    .description('Write call records as JSON lines (one CallRecord per line), oldest first.')
    .option('--config <file>', CONFIG_HELP)
    .option('--since <date>', 'calls that started at or after this date/time')
    .option('--until <date>', 'calls that started before this date/time')
    .option('--redacted', 'redact personal data and hash caller numbers as sync does')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(
      async (options: {
        config?: string;
        since?: string;
        until?: string;
        redacted?: boolean;
        output?: string;
      }) => {
        const { store, policy } = await open(options);
        const out: NodeJS.WritableStream = options.output
          ? createWriteStream(options.output, { mode: 0o600 })
          : process.stdout;
        let count = 0;
        for await (const { record } of store.records(query(options))) {
          const line = `${JSON.stringify(options.redacted ? redactRecord(record, policy) : record)}\n`;
          if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          count++;
        }
        await store.close();
        if (options.output) {
          await new Promise<void>((resolve, reject) =>
            out.end((e?: Error | null) => (e ? reject(e) : resolve())),
          );
          process.stderr.write(`exported ${count} call record(s) to ${options.output}\n`);
        }
      },
    );

  calls
    .command('purge')
    .description('Delete call records and their recordings (stop the daemon first).')
    .option('--config <file>', CONFIG_HELP)
    .option('--id <id...>', 'these calls')
    .option('--before <date>', 'every call that started before this date')
    .option('--all', 'every call on the box')
    .action(async (options: { config?: string; id?: string[]; before?: string; all?: boolean }) => {
      const chosen = [options.id !== undefined, options.before !== undefined, options.all === true].filter(
        Boolean,
      );
      if (chosen.length !== 1) {
        throw new LinekeeperError(
          ErrorCode.Config_Invalid,
          'purge needs exactly one of --id, --before or --all',
        );
      }
      const { store } = await open(options);
      let purged: number;
      if (options.id) {
        for (const id of options.id) if (!(await store.get(id))) throw recordNotFound(id);
        purged = await store.purge(options.id);
      } else {
        const before = parseQueryDate(options.before, '--before') ?? new Date(8.64e15);
        purged = await store.purgeOlderThan(before);
      }
      await store.close();
      process.stdout.write(`purged ${purged} call record(s)\n`);
    });
}
