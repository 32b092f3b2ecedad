/** `linekeeper report`: the owner's report of recent calls as one self-contained HTML page. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openRecordStore } from '../../app/call-records.js';
import { configPath, loadDeviceConfig, loadShopProfile } from '../../config/load.js';
import { silentLogger } from '../../log/logger.js';
import { buildReport } from '../../report/build-report.js';
import { generateDemoCalls } from '../../report/demo-calls.js';
import {
  arraySource,
  type CallRecordSource,
  exportFileSource,
  storeSource,
} from '../../report/record-source.js';
import { parseSince } from '../../report/stats.js';
import { EXAMPLE_PROFILE } from './demo.js';

interface ReportOptions {
  since?: string;
  out: string;
  records?: string;
  shop?: string;
  config?: string;
  demo?: boolean;
  now?: string;
  digest?: string;
}

/** Adds `report` to the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write the owner report as one HTML page that opens offline: calls by hour and day, outcomes, topics, after-hours demand, mood, escalations, latency, unanswered questions with suggested FAQ entries, and review cards for calls that went to a person.',
    )
    .option('--since <span>', 'period: 7d, 24h, 2w or an ISO date (default 7d; 30d with --demo)')
    .option('--out <file>', 'where to write the page', 'report.html')
    .option('--records <file>', 'call records: JSON lines (linekeeper calls export) or a JSON array')
    .option(
      '--shop <file>',
      'shop profile (default: the one the device config names; the example with --demo)',
    )
    .option('--config <file>', 'device config, for the shop profile and the device id')
    .option('--demo', 'report on a generated month of realistic calls for the shop profile')
    .option('--now <time>', 'end of the period, ISO 8601 (default: now)')
    .option('--digest <file>', 'also write the weekly digest JSON (what is published to the fleet) here')
    .action(async (options: ReportOptions) => {
      const now = options.now === undefined ? new Date() : new Date(options.now);
      if (Number.isNaN(now.getTime())) throw new Error(`--now "${options.now}" is not an ISO 8601 time`);
      const sinceText = options.since ?? (options.demo ? '30d' : '7d');
      const from = parseSince(sinceText, now);
      if (from === null)
        throw new Error(`--since "${sinceText}" is not a span like 7d, 24h, 2w or an ISO date`);

      const explicitConfig = options.config !== undefined;
      const device =
        explicitConfig || (!options.demo && options.shop === undefined)
          ? await loadDeviceConfig(configPath(options.config), process.env, { allowMissing: !explicitConfig })
          : undefined;
      const shopFile =
        options.shop ?? (options.demo && !explicitConfig ? EXAMPLE_PROFILE : device?.shopProfile);
      if (shopFile === undefined) throw new Error('no shop profile: pass --shop FILE or --config FILE');
      const { profile } = await loadShopProfile(shopFile);

      let source: CallRecordSource;
      // Without --demo or --records the report reads this box's own call records (decrypted locally).
      const store =
        !options.demo && options.records === undefined && device
          ? await openRecordStore(device, silentLogger)
          : undefined;
      if (options.demo) source = arraySource(generateDemoCalls(profile, { end: now }));
      else if (options.records !== undefined) source = exportFileSource(options.records);
      else if (store !== undefined) source = storeSource(store.store);
      else throw new Error('no call records: pass --records FILE (from `linekeeper calls export`) or --demo');

      const report = await buildReport(source, profile, {
        from,
        to: now,
        deviceId: device?.device.id ?? 'lk-unprovisioned',
        ...(options.demo ? { demo: true } : {}),
      }).finally(() => store?.store.close());
      await writeFile(options.out, report.html);
      if (options.digest !== undefined)
        await writeFile(options.digest, `${JSON.stringify(report.digest, null, 2)}\n`);
      process.stdout.write(
        `wrote ${options.out}: ${report.records.length} calls, ${report.content.unanswered.length} unanswered question groups, ${report.content.coaching.length} review cards\n`,
      );
    });
}
