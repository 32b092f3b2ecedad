/**
 * `linekeeper demo` (`npm start`): loads a shop profile, shows what the line answers for it, then plays the
 * example calls (examples/calls/*.yaml) as a live transcript, English ones through the simulated line in audio,
 * and checks each against its expectations.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { DeviceConfig } from '../../config/device-schema.js';
import { type LoadedShop, loadShopProfile, validateDeviceConfig } from '../../config/load.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import { describeOpening, openingStatus } from '../../shop/hours.js';
import { loadCallFile } from '../../simulate/call-file.js';
import { type InputMode, playCall } from '../../simulate/play-call.js';
import { formatEvent, formatTurnNote } from '../../simulate/transcript.js';
import { loadManifest } from '../../speech/models/manifest.js';
import { planSpeech } from '../../speech/plan.js';
import { DEV_SPEECH_MODELS, defaultModelDir } from './model-dir.js';

/** The example profile shipped with the project (a copy of shared/examples/shop-bakery.yaml). */
export const EXAMPLE_PROFILE = fileURLToPath(
  new URL('../../../../examples/shop-bakery.yaml', import.meta.url),
);

/** The example calls shipped with the project (copies of shared/examples/calls). */
export const EXAMPLE_CALLS = fileURLToPath(new URL('../../../../examples/calls/', import.meta.url));

/** Why English calls cannot be played in audio here, or undefined when they can. */
async function audioUnavailable(
  speech: DeviceConfig['speech'],
  shop: LoadedShop,
): Promise<string | undefined> {
  const plan = await planSpeech({
    speech,
    manifest: await loadManifest(),
    profile: shop.profile,
    log: silentLogger,
  });
  return plan.noSpeechInput;
}

/**
 * Plays every call file of a folder as a live transcript, English calls in audio when speech works here (the
 * caller's words rendered and carried as line audio, recognised, the replies synthesised), the others in text;
 * returns how many failed their expectations.
 */
async function playCalls(
  shop: LoadedShop,
  options: { dir: string; models: string; speechModels: string; text: boolean },
  out: (...lines: string[]) => void,
): Promise<number> {
  const { classifier, source, ms } = await loadOrTrain(shop, options.models);
  out(`intent model ${source === 'stored' ? 'loaded' : 'trained'} in ${Math.round(ms)} ms`);
  const speech = validateDeviceConfig({ speech: { modelsDir: options.speechModels, promptCacheDir: '' } })
    .config.speech;
  const noAudio = options.text ? 'asked for text mode' : await audioUnavailable(speech, shop);
  out(
    noAudio === undefined
      ? 'English calls in audio (caller speech → 8 kHz line → VAD + pocketsphinx; replies by flite), Mandarin in text'
      : `every call in text mode (${noAudio})`,
  );
  let failed = 0;
  for (const name of (await readdir(options.dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const call = await loadCallFile(join(options.dir, name));
    const input: InputMode = call.lang === 'en' && noAudio === undefined ? 'audio' : 'text';
    out('', `── ${name} · ${input} · caller ${call.caller ?? 'withheld'} · ${call.at.toISOString()}`);
    const { record, failures } = await playCall({
      shop,
      classifier,
      call,
      input,
      speech,
      log: createLogger({ level: 'warn', write: (l) => process.stderr.write(`${l}\n`) }),
      onEvent: (e) => out(...formatEvent(e, { heard: input === 'audio' })),
      onTurn: (turn) => {
        const note = formatTurnNote(turn);
        if (note !== undefined) out(note);
      },
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
    .option('--text', 'play every call in text mode (fast; no speech engines)')
    .option('--speech-models <dir>', 'verified speech models for audio mode', DEV_SPEECH_MODELS)
    .option(
      '--models <dir>',
      'where trained intent models are kept (default: $LINEKEEPER_MODELS_DIR or a cache dir)',
    )
    .action(
      async (options: {
        shop: string;
        at?: string;
        calls: string | false;
        models?: string;
        text?: boolean;
        speechModels: string;
      }) => {
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
        print('', 'Example calls:');
        const failed = await playCalls(
          shop,
          {
            dir: options.calls,
            models: options.models ?? defaultModelDir(),
            speechModels: options.speechModels,
            text: options.text === true,
          },
          print,
        );
        if (failed > 0) process.exitCode = 1;
      },
    );
}
