/**
 * `linekeeper simulate`: plays a call file (shared/examples/calls/README.md) against the conversation and prints
 * the call record; exits 1 when the file's `expect` block is not met.
 */
import type { Command } from 'commander';
import { loadShopProfile, validateDeviceConfig } from '../../config/load.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../log/logger.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import type { TurnRecord } from '../../records/call-record.js';
import { loadCallFile } from '../../simulate/call-file.js';
import { capturedFields } from '../../simulate/expectations.js';
import type { LineEvent } from '../../simulate/observed-channel.js';
import { type PlayedCall, playCall } from '../../simulate/play-call.js';
import { formatEvent, formatTurnNote } from '../../simulate/transcript.js';
import { EXAMPLE_PROFILE } from './demo.js';
import { DEV_SPEECH_MODELS, defaultModelDir } from './model-dir.js';

/** The machine-readable summary `simulate --json` prints. */
export function simulationReport(file: string, { record, failures, spoken }: PlayedCall) {
  return {
    file,
    passed: failures.length === 0,
    failures,
    outcome: record.outcome,
    escalation: record.escalation ?? null,
    fields: capturedFields(record),
    turns: record.turns.map((t, i) => ({
      said: spoken[i] ?? null,
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
    .option('--log-level <level>', 'logs on stderr: error, warn, info, debug or trace', 'warn')
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
        logLevel: LogLevel;
      }) => {
        if (options.input !== 'text' && options.input !== 'audio')
          throw new Error(`--input "${options.input}": expected "text" or "audio"`);
        if (!LOG_LEVELS.includes(options.logLevel))
          throw new Error(`--log-level "${options.logLevel}": expected one of ${LOG_LEVELS.join(', ')}`);
        const shop = await loadShopProfile(options.shop);
        const call = await loadCallFile(options.call);
        const { classifier } = await loadOrTrain(shop, options.models ?? defaultModelDir());
        const live = !options.json;
        const out = (line: string) => process.stdout.write(`${line}\n`);
        if (live) out(`${call.file} · caller ${call.caller ?? 'withheld'} · ${call.at.toISOString()}`);
        const played = await playCall({
          shop,
          classifier,
          call,
          input: options.input,
          speech: validateDeviceConfig({ speech: { modelsDir: options.speechModels, promptCacheDir: '' } })
            .config.speech,
          // Logs go to stderr: stdout is the transcript or the JSON report.
          log: createLogger({ level: options.logLevel, write: (l) => process.stderr.write(`${l}\n`) }),
          ...(live
            ? {
                onEvent: (e: LineEvent) => formatEvent(e, { heard: options.input === 'audio' }).forEach(out),
                onTurn: (turn: TurnRecord) => {
                  const note = formatTurnNote(turn);
                  if (note !== undefined) out(note);
                },
              }
            : {}),
        });
        const { record, failures } = played;
        if (options.json) out(JSON.stringify(simulationReport(call.file, played), null, 2));
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
