/**
 * `linekeeper simulate`: plays a call file (shared/examples/calls/README.md) against the conversation and prints
 * the call record; exits 1 when the file's `expect` block is not met.
 */
import type { Command } from 'commander';
import { loadShopProfile } from '../../config/load.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import { loadOrTrain } from '../../nlu/model-store.js';
import type { CallRecord } from '../../records/call-record.js';
import { loadCallFile } from '../../simulate/call-file.js';
import { capturedFields } from '../../simulate/expectations.js';
import { ScriptedTextChannel } from '../../simulate/scripted-channel.js';
import { simulateCall } from '../../simulate/simulate-call.js';
import { formatEvent, formatTurnNote } from '../../simulate/transcript.js';
import { EXAMPLE_PROFILE } from './demo.js';
import { defaultModelDir } from './model-dir.js';

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
      '--models <dir>',
      'where trained intent models are kept (default: $LINEKEEPER_MODELS_DIR or a cache dir)',
    )
    .action(
      async (options: { call: string; shop: string; input: string; json?: boolean; models?: string }) => {
        if (options.input === 'audio')
          throw new LinekeeperError(
            ErrorCode.Speech_EngineFailed,
            '--input audio needs the speech engines wired to the virtual modem (src/speech); use --input text for now',
          );
        if (options.input !== 'text')
          throw new Error(`--input "${options.input}": expected "text" or "audio"`);
        const shop = await loadShopProfile(options.shop);
        const call = await loadCallFile(options.call);
        const { classifier } = await loadOrTrain(shop, options.models ?? defaultModelDir());
        const live = !options.json;
        const out = (line: string) => process.stdout.write(`${line}\n`);
        if (live) out(`${call.file} · caller ${call.caller ?? 'withheld'} · ${call.at.toISOString()}`);
        const channel = new ScriptedTextChannel(call, live ? (e) => formatEvent(e).forEach(out) : undefined);
        const { record, failures } = await simulateCall(shop, classifier, call, channel, (turn) => {
          const note = live ? formatTurnNote(turn) : undefined;
          if (note !== undefined) out(note);
        });
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
