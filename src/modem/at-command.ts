/**
 * One AT command as data, and its lifecycle as a pure state machine:
 *
 *   queued ──start──► writing ──written──► awaiting-final ──final ok──► done
 *                        │                      │  └──final error──► failed(error-result)
 *                        └─(payload)──► awaiting-prompt ──prompt──► writing-payload ──payload-written──► awaiting-final
 *   any open state ──timeout | port-closed | abort──► failed(timeout | port-closed | aborted)
 *
 * The failure set is closed: every way a command can fail is one of the four reasons.
 */
import { ErrorCode, LinekeeperError } from '../errors.js';

/** Queue order: recovery probes before call control before everything else. */
export type CommandPriority = 'recovery' | 'control' | 'normal';

/** A command to run. */
export interface AtCommand {
  /** Command text without the carriage return, e.g. `AT+CSQ`; also the log name of `raw` writes. */
  text: string;
  /** Bytes to write instead of `text` + CR (e.g. <DLE>^ to leave voice full duplex). */
  raw?: Uint8Array;
  /** Milliseconds to wait for the final result after the write; defaults to the engine's. */
  timeoutMs?: number;
  /** Queue priority; `normal` by default. */
  priority?: CommandPriority;
  /** Line prefixes that belong to this command even when they also arrive as unsolicited results. */
  infoPrefixes?: readonly string[];
  /** Text written after the `> ` prompt, followed by Ctrl-Z (SMS body or PDU). */
  payload?: string;
  /** Called synchronously on `CONNECT`, before any following byte is framed (to switch to data mode). */
  onConnect?: () => void;
}

/** A successful command's result. */
export interface AtResponse {
  /** The command text. */
  command: string;
  /** The final result line (`OK`, `CONNECT`). */
  final: string;
  /** Information lines that belonged to the command. */
  lines: string[];
}

/** Why a command failed: the closed set. */
export type CommandFailure =
  | { reason: 'timeout'; timeoutMs: number }
  | { reason: 'error-result'; result: string }
  | { reason: 'port-closed' }
  | { reason: 'aborted'; why: string };

/** Where a command is in its lifecycle. */
export type CommandState =
  | { phase: 'queued' }
  | { phase: 'writing' }
  | { phase: 'awaiting-prompt' }
  | { phase: 'writing-payload' }
  | { phase: 'awaiting-final' }
  | { phase: 'done'; final: string }
  | { phase: 'failed'; failure: CommandFailure };

/** What can happen to a command. */
export type CommandInput =
  | { type: 'start' }
  | { type: 'written' }
  | { type: 'prompt' }
  | { type: 'payload-written' }
  | { type: 'final'; line: string; ok: boolean }
  | { type: 'timeout'; timeoutMs: number }
  | { type: 'port-closed' }
  | { type: 'abort'; why: string };

/** True once a command is done or failed. */
export function isSettled(state: CommandState): state is Extract<CommandState, { phase: 'done' | 'failed' }> {
  return state.phase === 'done' || state.phase === 'failed';
}

/** The next state of a command; inputs that make no sense in a state leave it unchanged. */
export function nextCommandState(
  state: CommandState,
  input: CommandInput,
  hasPayload: boolean,
): CommandState {
  if (isSettled(state)) return state;
  switch (input.type) {
    case 'abort':
      return { phase: 'failed', failure: { reason: 'aborted', why: input.why } };
    case 'port-closed':
      return state.phase === 'queued' ? state : { phase: 'failed', failure: { reason: 'port-closed' } };
    case 'timeout':
      return state.phase === 'queued'
        ? state
        : { phase: 'failed', failure: { reason: 'timeout', timeoutMs: input.timeoutMs } };
    case 'start':
      return state.phase === 'queued' ? { phase: 'writing' } : state;
    case 'written':
      if (state.phase !== 'writing') return state;
      return hasPayload ? { phase: 'awaiting-prompt' } : { phase: 'awaiting-final' };
    case 'prompt':
      // As with finals, a fast modem may prompt before our write callback ran.
      return state.phase === 'awaiting-prompt' || (state.phase === 'writing' && hasPayload)
        ? { phase: 'writing-payload' }
        : state;
    case 'payload-written':
      return state.phase === 'writing-payload' ? { phase: 'awaiting-final' } : state;
    case 'final':
      // A fast modem may answer before our write callback ran, so a final is accepted while writing too.
      if (state.phase === 'queued') return state;
      return input.ok
        ? { phase: 'done', final: input.line }
        : { phase: 'failed', failure: { reason: 'error-result', result: input.line } };
  }
}

const FAILURE_CODES: Record<CommandFailure['reason'], ErrorCode> = {
  timeout: ErrorCode.Modem_Timeout,
  'error-result': ErrorCode.Modem_ErrorResult,
  'port-closed': ErrorCode.Modem_PortClosed,
  aborted: ErrorCode.Modem_Aborted,
};

function describeFailure(command: string, failure: CommandFailure): string {
  switch (failure.reason) {
    case 'timeout':
      return `${command}: no final result within ${failure.timeoutMs} ms`;
    case 'error-result':
      return `${command}: modem answered ${failure.result}`;
    case 'port-closed':
      return `${command}: the port closed before the final result`;
    case 'aborted':
      return `${command}: aborted (${failure.why})`;
  }
}

/** A failed AT command; `failure` says which of the four ways. */
export class AtCommandError extends LinekeeperError {
  constructor(
    readonly command: string,
    readonly failure: CommandFailure,
    options: { cause?: unknown } = {},
  ) {
    super(FAILURE_CODES[failure.reason], describeFailure(command, failure), {
      ...options,
      context: { command, ...failure },
    });
  }
}

/** True for an AtCommandError failing for `reason`. */
export function failedWith<R extends CommandFailure['reason']>(
  e: unknown,
  reason: R,
): e is AtCommandError & { failure: Extract<CommandFailure, { reason: R }> } {
  return e instanceof AtCommandError && e.failure.reason === reason;
}

const SUCCESS_FINALS = /^(OK|CONNECT( .*)?)$/;
const ERROR_FINALS = /^(ERROR|\+CME ERROR:.*|\+CMS ERROR:.*)$/;
const CALL_FINALS = /^(NO CARRIER|BUSY|NO ANSWER|NO DIALTONE)$/;

/** Classifies a line as the final result of `command`: 'ok', 'error', or undefined for not final. */
export function finalKind(line: string, command: string): 'ok' | 'error' | undefined {
  if (SUCCESS_FINALS.test(line)) return 'ok';
  if (ERROR_FINALS.test(line)) return 'error';
  // Call progress results end ATD/ATA; for any other command they are unsolicited (agentOS rule).
  if (CALL_FINALS.test(line) && /^AT[DA]/i.test(command)) return 'error';
  return undefined;
}
