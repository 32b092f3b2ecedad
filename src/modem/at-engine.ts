/**
 * The AT engine: one command in flight, a priority queue, the waiter registered before the write, and every
 * received line classified as echo, final result, the command's information, or an unsolicited result.
 *
 *   send(cmd) ─► queue (recovery > control > normal) ─► write ─► [lines] ─► final ─► resolve / AtCommandError
 *                                                          ▲
 *   SerialBinding.onData ─► LineFramer ─► line ─┬─► echo (dropped)
 *                                               ├─► final / info of the command in flight
 *                                               └─► UrcRouter (also while a command is pending)
 *
 * A timeout marks the modem unresponsive: then only `recovery` commands may start until one succeeds.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import {
  type AtCommand,
  AtCommandError,
  type AtResponse,
  type CommandInput,
  type CommandPriority,
  type CommandState,
  finalKind,
  isSettled,
  nextCommandState,
} from './at-command.js';
import { type DataSink, hexDump, LineFramer } from './line-framer.js';
import type { SerialBinding } from './serial-binding.js';
import type { UrcRouter } from './urc-router.js';

const PRIORITIES: readonly CommandPriority[] = ['recovery', 'control', 'normal'];
const CTRL_Z = 0x1a;

interface Pending {
  command: AtCommand;
  state: CommandState;
  lines: string[];
  timer?: TimerHandle;
  resolve(response: AtResponse): void;
  reject(error: AtCommandError): void;
  /** Stack of the caller, so a timeout names where the command came from. */
  origin: Error;
}

/** Events of the engine. */
export interface AtEngineEvents {
  /** A command timed out; the modem is now unresponsive. */
  unresponsive: [command: string];
  /** A recovery command succeeded after the modem was unresponsive. */
  responsive: [];
  /** Bytes were discarded as garbage. */
  discarded: [bytes: Uint8Array, reason: string];
  /** A DLE code arrived in command mode. */
  dle: [code: number];
}

/** Options of the engine. */
export interface AtEngineOptions {
  binding: SerialBinding;
  urcs: UrcRouter;
  clock: Clock;
  log: Logger;
  /** Timeout for commands without their own. */
  defaultTimeoutMs: number;
}

/** Runs AT commands one at a time over a serial binding. */
export class AtEngine extends EventEmitter<AtEngineEvents> {
  readonly #framer: LineFramer;
  readonly #queues = new Map<CommandPriority, Pending[]>(PRIORITIES.map((p) => [p, []]));
  #inflight: Pending | undefined;
  #unresponsive = false;
  #detach: (() => void) | undefined;
  readonly #options: AtEngineOptions;
  readonly #log: Logger;

  constructor(options: AtEngineOptions) {
    super();
    this.#options = options;
    this.#log = options.log;
    this.#framer = new LineFramer({
      line: (text) => this.#onLine(text),
      prompt: () => this.#advance({ type: 'prompt' }),
      dle: (code) => this.emit('dle', code),
      discarded: (bytes, reason) => {
        this.#log.warn(`discarded ${bytes.length} bytes from the modem (${reason}): ${hexDump(bytes)}`);
        this.emit('discarded', bytes, reason);
      },
    });
  }

  /** True after a timeout until a recovery command succeeds. */
  get unresponsive(): boolean {
    return this.#unresponsive;
  }

  /** True while the AT port carries voice data. */
  get inDataMode(): boolean {
    return this.#framer.inDataMode;
  }

  /** Starts listening to the binding (call after it opened). */
  attach(): void {
    this.#detach?.();
    const offData = this.#options.binding.onData((data) => {
      if (this.#log.isEnabled('trace')) this.#log.trace(`← ${hexDump(data)}`);
      this.#framer.push(data);
    });
    const offClose = this.#options.binding.onClose(() => this.portClosed());
    this.#detach = () => {
      offData();
      offClose();
    };
  }

  /** Stops listening; fails the command in flight and everything queued with port-closed. */
  portClosed(): void {
    this.#detach?.();
    this.#detach = undefined;
    this.#framer.leaveDataMode();
    const all = [...(this.#inflight ? [this.#inflight] : []), ...PRIORITIES.flatMap((p) => this.#take(p))];
    for (const pending of all) this.#settle(pending, { type: 'port-closed' });
  }

  /** Queues `command`; resolves with its response or rejects with an AtCommandError. */
  send(command: AtCommand): Promise<AtResponse> {
    const origin = new Error(`sent ${command.text}`);
    return new Promise((resolve, reject) => {
      const pending: Pending = { command, state: { phase: 'queued' }, lines: [], resolve, reject, origin };
      this.#queues.get(command.priority ?? 'normal')?.push(pending);
      this.#pump();
    });
  }

  /** Aborts queued commands (not the one in flight) whose priority is `normal`, e.g. when the port closes. */
  abortQueued(why: string): void {
    for (const pending of this.#take('normal')) this.#settle(pending, { type: 'abort', why });
  }

  /** Sends raw bytes outside the command queue (voice data while in data mode). */
  async writeData(data: Uint8Array): Promise<void> {
    await this.#options.binding.write(data);
  }

  /** Routes every following received byte to `sink` until it reports its end; then resumes line mode. */
  enterDataMode(sink: DataSink): void {
    this.#framer.enterDataMode({
      push: (data) => {
        const result = sink.push(data);
        if (result.ended) queueMicrotask(() => this.#pump());
        return result;
      },
    });
  }

  /** Leaves data mode without waiting for the modem (after a port reopen). */
  leaveDataMode(): void {
    this.#framer.leaveDataMode();
    this.#pump();
  }

  #take(priority: CommandPriority): Pending[] {
    const queue = this.#queues.get(priority) ?? [];
    return queue.splice(0);
  }

  #mayStart(command: AtCommand): boolean {
    if (this.#unresponsive && (command.priority ?? 'normal') !== 'recovery') return false;
    // In voice data mode only raw writes (the end-of-stream codes) reach the modem.
    if (this.#framer.inDataMode && command.raw === undefined) return false;
    return true;
  }

  #pump(): void {
    if (this.#inflight) return;
    for (const priority of PRIORITIES) {
      const queue = this.#queues.get(priority) ?? [];
      const index = queue.findIndex((p) => this.#mayStart(p.command));
      if (index < 0) continue;
      const [next] = queue.splice(index, 1);
      if (next) this.#start(next);
      return;
    }
  }

  #start(pending: Pending): void {
    // Register before the write: a fast modem may answer before the write callback runs.
    this.#inflight = pending;
    pending.state = nextCommandState(pending.state, { type: 'start' }, pending.command.payload !== undefined);
    const { command } = pending;
    this.#log.trace(`→ ${command.text}`);
    const bytes = command.raw ?? new TextEncoder().encode(`${command.text}\r`);
    this.#options.binding.write(bytes).then(
      () => {
        this.#advance({ type: 'written' });
        if (this.#inflight === pending && !isSettled(pending.state)) this.#armTimer(pending);
      },
      () => this.#settle(pending, { type: 'port-closed' }),
    );
  }

  #armTimer(pending: Pending): void {
    const timeoutMs = pending.command.timeoutMs ?? this.#options.defaultTimeoutMs;
    pending.timer = this.#options.clock.setTimeout(() => {
      this.#settle(pending, { type: 'timeout', timeoutMs });
    }, timeoutMs);
  }

  #advance(input: CommandInput): void {
    const pending = this.#inflight;
    if (!pending) {
      if (input.type === 'prompt') this.#log.debug('prompt "> " with no command waiting for it');
      return;
    }
    pending.state = nextCommandState(pending.state, input, pending.command.payload !== undefined);
    if (pending.state.phase === 'writing-payload') this.#writePayload(pending);
    if (isSettled(pending.state)) this.#finish(pending);
  }

  #writePayload(pending: Pending): void {
    const body = new TextEncoder().encode(pending.command.payload ?? '');
    const bytes = new Uint8Array(body.length + 1);
    bytes.set(body);
    bytes[body.length] = CTRL_Z;
    this.#options.binding.write(bytes).then(
      () => this.#advance({ type: 'payload-written' }),
      () => this.#settle(pending, { type: 'port-closed' }),
    );
  }

  #settle(pending: Pending, input: CommandInput): void {
    if (isSettled(pending.state)) return;
    pending.state = nextCommandState(pending.state, input, pending.command.payload !== undefined);
    // Queued commands are not in flight yet; failing them only needs the state to settle.
    if (!isSettled(pending.state)) pending.state = { phase: 'failed', failure: { reason: 'port-closed' } };
    this.#finish(pending);
  }

  #finish(pending: Pending): void {
    pending.timer?.clear();
    if (this.#inflight === pending) this.#inflight = undefined;
    const { state, command } = pending;
    if (state.phase === 'done') {
      if (this.#unresponsive && command.priority === 'recovery') {
        this.#unresponsive = false;
        this.emit('responsive');
      }
      pending.resolve({ command: command.text, final: state.final, lines: pending.lines });
    } else if (state.phase === 'failed') {
      const error = new AtCommandError(command.text, state.failure, { cause: pending.origin });
      if (state.failure.reason === 'timeout') {
        const wasResponsive = !this.#unresponsive;
        this.#unresponsive = true;
        this.#log.warn(error.message);
        if (wasResponsive) this.emit('unresponsive', command.text);
      }
      pending.reject(error);
    }
    queueMicrotask(() => this.#pump());
  }

  #onLine(line: string): void {
    const pending = this.#inflight;
    const urcs = this.#options.urcs;
    if (!pending) {
      // With echo on, the modem repeats our command; without a command in flight it is a late echo.
      if (/^AT/i.test(line)) return;
      urcs.dispatch(line);
      return;
    }
    if (line === pending.command.text) return;
    const kind = finalKind(line, pending.command.text);
    if (kind) {
      if (kind === 'ok' && line.startsWith('CONNECT')) pending.command.onConnect?.();
      this.#advance({ type: 'final', line, ok: kind === 'ok' });
      return;
    }
    const owned = pending.command.infoPrefixes?.some((p) => line.startsWith(p)) ?? false;
    if (!owned && urcs.isUrc(line)) {
      urcs.dispatch(line);
      return;
    }
    pending.lines.push(line);
  }
}
