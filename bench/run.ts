/**
 * `npm run bench`: runs every `bench/*.bench.ts` on this machine and prints a table of measured figures, or with
 * `--json` one flat JSON object on the last line; `--only PREFIX` runs only benchmarks with figures that start
 * with PREFIX and reports only those figures.
 */
import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Benchmark, roundFigure } from './harness.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true, default: [] },
  },
});
const prefixes = values.only ?? [];
const wanted = (figure: string) => prefixes.length === 0 || prefixes.some((p) => figure.startsWith(p));

const dir = new URL('.', import.meta.url);
const files = (await readdir(dir)).filter((f) => /\.bench\.js$/.test(f)).sort();
const results: Record<string, number> = {};
for (const file of files) {
  const { benchmark } = (await import(new URL(file, dir).href)) as { benchmark: Benchmark };
  if (!benchmark.figures.some(wanted)) continue;
  if (!values.json) process.stderr.write(`running ${file.replace(/\.js$/, '')} …\n`);
  const measured = await benchmark.run();
  for (const figure of benchmark.figures) {
    const value = measured[figure];
    if (value === undefined) throw new Error(`${file} did not report ${figure}`);
    if (wanted(figure)) results[figure] = roundFigure(value);
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
  const width = Math.max(6, ...Object.keys(results).map((k) => k.length));
  process.stdout.write(`${'figure'.padEnd(width)}  value\n${'-'.repeat(width)}  -----\n`);
  for (const [figure, value] of Object.entries(results))
    process.stdout.write(`${figure.padEnd(width)}  ${value}\n`);
}
