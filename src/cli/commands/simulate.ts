/**
 * `linekeeper simulate`: plays a call file (shared/examples/calls/README.md) against the conversation and prints
 * the call record; exits 1 when the file's `expect` block is not met.
 */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadShopProfile, validateDeviceConfig } from '../../config/load.js';
import { createLogger } from '../../log/logger.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import type { CallRecord, TurnRecord } from '../../records/call-record.js';
import { loadCallFile } from '../../simulate/call-file.js';
import { capturedFields } from '../../simulate/expectations.js';
import { ScriptedTextChannel } from '../../simulate/scripted-channel.js';
import { simulateCall } from '../../simulate/simulate-call.js';
import { formatEvent, formatTurnNote } from '../../simulate/transcript.js';
import { simulateAudioCall } from '../../simulate/virtual-line.js';
import { EXAMPLE_PROFILE } from './demo.js';
import { defaultModelDir } from './model-dir.js';

/** Where `scripts/setup.sh --dev` installs the verified speech models of a development checkout. */
export const DEV_SPEECH_MODELS = fileURLToPath(new URL('../../../../models/installed', import.meta.url));

/** The machine-readable summary `simulate --json` prints. */
export function simulationReport(file: string, record: CallRecord, failures: string[]) {
  return {
    file,
    passed: failures.length === 0,
    failures,
    outcome: record.outcome,
    escalation: record.escalation ?? null,
    fields: capturedFields(record),
    turns: record.turns.map((t) => ({
      said: t.transcript ?? null,
      recognised: t.transcript ?? null,
      dtmf: t.dtmf ?? null,
      lang: t.lang ?? null,
      intent: t.intent ?? null,
      confidence: t.confidence ?? null,
      slots: t.slots ?? {},
      frustration: t.frustration ?? null,
      reply: t.reply,
      latency_ms: t.latency?.total ?? null,
    })),
    record,
  };
}

/** Adds `simulate` to the program. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'Play a simulated call file against the line; print the call record and check its expect block (exit 1 when a check fails).',
    )
    .requiredOption('--call <file>', 'call file (YAML, see shared/examples/calls/README.md)')
    .option('--shop <file>', 'shop profile', EXAMPLE_PROFILE)
    .option(
      '--input <mode>',
      'how the caller turns reach the line: text (injected transcripts) or audio',
      'text',
    )
    .option('--json', 'print the call record as JSON')
    .option(
      '--speech-models <dir>',
      'verified speech models for --input audio (setup.sh --dev installs the VAD here)',
      DEV_SPEECH_MODELS,
    )
    .option(
      '--models <dir>',
      'where trained intent models are kept (default: $LINEKEEPER_MODELS_DIR or a cache dir)',
    )
    .action(
      async (options: {
        call: string;
        shop: string;
        input: string;
        json?: boolean;
        models?: string;
        speechModels: string;
      }) => {
        if (options.input !== 'text' && options.input !== 'audio')
          throw new Error(`--input "${options.input}": expected "text" or "audio"`);
        const shop = await loadShopProfile(options.shop);
        const call = await loadCallFile(options.call);
        const { classifier } = await loadOrTrain(shop, options.models ?? defaultModelDir());
        const live = !options.json;
        const out = (line: string) => process.stdout.write(`${line}\n`);
        if (live) out(`${call.file} · caller ${call.caller ?? 'withheld'} · ${call.at.toISOString()}`);
        const onTurn = (turn: TurnRecord) => {
          if (!live) return;
          // In audio mode the turn shows what the recognizer heard and what the line said back.
          if (options.input === 'audio') {
            out(`  caller: ${turn.transcript ?? (turn.dtmf ? `[keys ${turn.dtmf}]` : '[silence]')}`);
            out(`  line:   ${turn.reply}`);
          }
          const note = formatTurnNote(turn);
          if (note !== undefined) out(note);
        };
        const { record, failures } =
          options.input === 'audio'
            ? await simulateAudioCall({
                shop,
                classifier,
                call,
                speech: validateDeviceConfig({
                  speech: { modelsDir: options.speechModels, promptCacheDir: '' },
                }).config.speech,
                log: createLogger({ level: 'warn' }),
                onTurn,
              })
            : await simulateCall(
                shop,
                classifier,
                call,
                new ScriptedTextChannel(call, live ? (e) => formatEvent(e).forEach(out) : undefined),
                onTurn,
              );
        if (options.json) out(JSON.stringify(simulationReport(call.file, record, failures), null, 2));
        else {
          out(
            `  outcome: ${record.outcome}${record.escalation ? ` (${record.escalation.reason}, ${record.escalation.action})` : ''}`,
          );
          out(
            failures.length === 0
              ? '  expectations: all met'
              : `  expectations FAILED:\n${failures.map((f) => `    - ${f}`).join('\n')}`,
          );
        }
        if (failures.length > 0) process.exitCode = 1;
      },
    );
}
