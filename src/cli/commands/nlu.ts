/** `linekeeper nlu`: reads utterances on stdin, one per line, and prints what the line understands of each. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadShopProfile } from '../../config/load.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import { understand } from '../../nlu/understand.js';
import { EXAMPLE_PROFILE } from './demo.js';
import { defaultModelDir } from './model-dir.js';

/** Adds `nlu` to the program. */
export function registerNlu(program: Command): void {
  program
    .command('nlu')
    .description(
      'Understand utterances (stdin, one per line): prints one JSON object per line with text, lang, intent, confidence, slots and sentiment.',
    )
    .option('--shop <file>', 'shop profile', EXAMPLE_PROFILE)
    .option('--at <time>', 'moment the utterances are said, ISO 8601, for relative dates (default: now)')
    .option(
      '--models <dir>',
      'where trained intent models are kept (default: $LINEKEEPER_MODELS_DIR or a cache dir)',
    )
    .action(async (options: { shop: string; at?: string; models?: string }) => {
      const at = options.at === undefined ? new Date() : new Date(options.at);
      if (Number.isNaN(at.getTime())) throw new Error(`--at "${options.at}" is not an ISO 8601 time`);
      const shop = await loadShopProfile(options.shop);
      const { classifier } = await loadOrTrain(shop, options.models ?? defaultModelDir());
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        const text = line.trim();
        if (text === '') continue;
        const u = understand(classifier, shop, text, at);
        process.stdout.write(
          `${JSON.stringify({ text: u.text, lang: u.lang, intent: u.intent, confidence: u.confidence, slots: u.slots, sentiment: u.sentiment })}\n`,
        );
      }
    });
}
