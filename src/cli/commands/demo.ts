/**
 * `linekeeper demo` (`npm start`): loads a shop profile, shows what the line answers for it, then plays the
 * example calls (examples/calls/*.yaml) as a live transcript and checks each against its expectations.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type LoadedShop, loadShopProfile } from '../../config/load.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import { describeOpening, openingStatus } from '../../shop/hours.js';
import { loadCallFile } from '../../simulate/call-file.js';
import { ScriptedTextChannel } from '../../simulate/scripted-channel.js';
import { simulateCall } from '../../simulate/simulate-call.js';
import { formatEvent, formatTurnNote } from '../../simulate/transcript.js';
import { defaultModelDir } from './model-dir.js';

/** The example profile shipped with the project (a copy of shared/examples/shop-bakery.yaml). */
export const EXAMPLE_PROFILE = fileURLToPath(
  new URL('../../../../examples/shop-bakery.yaml', import.meta.url),
);

/** The example calls shipped with the project (copies of shared/examples/calls). */
export const EXAMPLE_CALLS = fileURLToPath(new URL('../../../../examples/calls/', import.meta.url));

/** Plays every call file of a folder as a live transcript; returns how many failed their expectations. */
async function playCalls(
  shop: LoadedShop,
  dir: string,
  models: string,
  out: (...lines: string[]) => void,
): Promise<number> {
  const { classifier, source, ms } = await loadOrTrain(shop, models);
  out(`intent model ${source === 'stored' ? 'loaded' : 'trained'} in ${Math.round(ms)} ms`);
  let failed = 0;
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const call = await loadCallFile(join(dir, name));
    out('', `── ${name} · caller ${call.caller ?? 'withheld'} · ${call.at.toISOString()}`);
    const channel = new ScriptedTextChannel(call, (e) => {
      for (const line of formatEvent(e)) out(line);
    });
    const { record, failures } = await simulateCall(shop, classifier, call, channel, (turn) => {
      const note = formatTurnNote(turn);
      if (note !== undefined) out(note);
    });
    const escalation = record.escalation ? ` (${record.escalation.reason}, ${record.escalation.action})` : '';
    out(
      `  → ${record.outcome}${escalation}: ${failures.length === 0 ? 'as expected' : `NOT as expected: ${failures.join('; ')}`}`,
    );
    if (failures.length > 0) failed++;
  }
  return failed;
}

/** Adds `demo` to the program. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Show what the line answers for a shop profile (npm start).')
    .option('--shop <file>', 'shop profile', EXAMPLE_PROFILE)
    .option('--at <time>', 'moment of the call, ISO 8601 (default: now)')
    .option('--calls <dir>', 'folder of call files to play', EXAMPLE_CALLS)
    .option('--no-calls', 'only show the answers, play no calls')
    .option(
      '--models <dir>',
      'where trained intent models are kept (default: $LINEKEEPER_MODELS_DIR or a cache dir)',
    )
    .action(async (options: { shop: string; at?: string; calls: string | false; models?: string }) => {
      const at = options.at === undefined ? new Date() : new Date(options.at);
      if (Number.isNaN(at.getTime())) throw new Error(`--at "${options.at}" is not an ISO 8601 time`);
      const shop = await loadShopProfile(options.shop);
      const { profile } = shop;
      const status = openingStatus(profile, at);
      const out: string[] = [];
      const line = (caller: string, reply: string) =>
        out.push(`  caller: ${caller}`, `  line:   ${reply}`, '');
      out.push(
        `${profile.name.en ?? profile.name.zh} · ${profile.timezone} · ${status.local.toFormat('ccc d LLL HH:mm')}`,
        '',
      );
      for (const lang of profile.languages) {
        out.push(`[${lang}]`, `  line:   ${profile.greeting[lang]}`, '');
        line(lang === 'zh' ? '你们几点关门？' : 'what are your hours?', describeOpening(status, lang));
        line(lang === 'zh' ? '你们在哪里？' : 'where are you?', profile.address[lang] ?? '');
        for (const faq of profile.faq) line(faq.examples[lang]?.[0] ?? faq.id, faq.answer[lang] ?? '');
      }
      process.stdout.write(`${out.join('\n')}\n`);
      if (options.calls === false) return;
      const print = (...lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
      print('', 'Example calls (text mode):');
      const failed = await playCalls(shop, options.calls, options.models ?? defaultModelDir(), print);
      if (failed > 0) process.exitCode = 1;
    });
}
