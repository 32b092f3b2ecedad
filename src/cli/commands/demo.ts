/** `linekeeper demo` (`npm start`): loads a shop profile and shows what the line answers for it. */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadShopProfile } from '../../config/load.js';
import { describeOpening, openingStatus } from '../../shop/hours.js';

/** The example profile shipped with the project (a copy of shared/examples/shop-bakery.yaml). */
export const EXAMPLE_PROFILE = fileURLToPath(
  new URL('../../../../examples/shop-bakery.yaml', import.meta.url),
);

/** Adds `demo` to the program. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Show what the line answers for a shop profile (npm start).')
    .option('--shop <file>', 'shop profile', EXAMPLE_PROFILE)
    .option('--at <time>', 'moment of the call, ISO 8601 (default: now)')
    .action(async (options: { shop: string; at?: string }) => {
      const at = options.at === undefined ? new Date() : new Date(options.at);
      if (Number.isNaN(at.getTime())) throw new Error(`--at "${options.at}" is not an ISO 8601 time`);
      const { profile } = await loadShopProfile(options.shop);
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
    });
}
