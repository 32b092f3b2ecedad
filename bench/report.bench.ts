/**
 * How long the owner report takes for a month of calls of the example shop (the Pi builds it weekly), and how
 * grouping unanswered questions scales, since clustering is the only super-linear step.
 */
import { fileURLToPath } from 'node:url';
import { loadShopProfile } from '../src/config/load.js';
import { buildReport } from '../src/report/build-report.js';
import { generateDemoCalls } from '../src/report/demo-calls.js';
import { arraySource } from '../src/report/record-source.js';
import { groupUnanswered, type Utterance, unansweredUtterances } from '../src/report/unanswered.js';
import { type Benchmark, elapsedMs, quantile } from './harness.js';

const PROFILE = fileURLToPath(new URL('../../examples/shop-bakery.yaml', import.meta.url));

/** Report build time for a month, and grouping time for 500 unanswered utterances. */
export const benchmark: Benchmark = {
  figures: ['report_month_build_p50_ms', 'report_month_calls', 'report_group_500_utterances_ms'],
  async run() {
    const { profile } = await loadShopProfile(PROFILE);
    const end = new Date('2026-11-23T10:00:00Z');
    const from = new Date(end.getTime() - 30 * 86_400_000);
    const records = generateDemoCalls(profile, { end });
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = performance.now();
      await buildReport(arraySource(records), profile, { from, to: end, deviceId: 'bench' });
      if (i >= 1) samples.push(elapsedMs(start));
    }
    // Five months of unanswered questions from differently seeded months: a heavy week for a busy shop.
    const utterances: Utterance[] = [];
    for (let seed = 1; utterances.length < 500; seed++)
      utterances.push(...unansweredUtterances(generateDemoCalls(profile, { end, seed })));
    const start = performance.now();
    groupUnanswered(utterances.slice(0, 500), profile);
    return {
      report_month_build_p50_ms: quantile(samples, 0.5),
      report_month_calls: records.length,
      report_group_500_utterances_ms: elapsedMs(start),
    };
  },
};
