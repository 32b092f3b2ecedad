/**
 * Unsolicited result codes (RING, +CLIP, VOICE CALL: END, caller ID records…) routed to handlers by pattern.
 * It works while a command is pending: the engine asks `isUrc` for every line, so a `RING` interleaved into
 * a response reaches the call code instead of the command. Handlers run synchronously and must not block.
 */

import { ErrorCode, LinekeeperError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';

/** A URC pattern: a line prefix or a regular expression. */
export type UrcPattern = string | RegExp;

/** Called with the line (and the continuation lines a multi-line URC owns). */
export type UrcHandler = (line: string, continuation: readonly string[]) => void;

interface Route {
  pattern: UrcPattern;
  handler: UrcHandler;
  once: boolean;
}

function matches(pattern: UrcPattern, line: string): boolean {
  return typeof pattern === 'string' ? line.startsWith(pattern) : pattern.test(line);
}

/** Routes unsolicited lines to their handlers. */
export class UrcRouter {
  readonly #known: { pattern: UrcPattern; continuationLines: number }[] = [];
  readonly #routes = new Set<Route>();
  #pending: { line: string; needed: number; lines: string[] } | undefined;

  constructor(private readonly log: Logger) {}

  /** Declares `pattern` as a URC (profile tables); `continuationLines` following lines belong to it (+CMT). */
  declare(pattern: UrcPattern, continuationLines = 0): void {
    this.#known.push({ pattern, continuationLines });
  }

  /** True when `line` is a declared URC or the continuation of one. */
  isUrc(line: string): boolean {
    return this.#pending !== undefined || this.#known.some((k) => matches(k.pattern, line));
  }

  /** Calls `handler` for every URC matching `pattern`; returns an unsubscribe function. */
  on(pattern: UrcPattern, handler: UrcHandler, options: { once?: boolean } = {}): () => void {
    const route: Route = { pattern, handler, once: options.once === true };
    this.#routes.add(route);
    return () => this.#routes.delete(route);
  }

  /** Resolves with the next URC matching `pattern`, or rejects after `timeoutMs`. */
  waitFor(pattern: UrcPattern, timeoutMs: number, clock: Clock): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        off();
        reject(
          new LinekeeperError(ErrorCode.Modem_Timeout, `no ${String(pattern)} within ${timeoutMs} ms`, {
            context: { pattern: String(pattern) },
          }),
        );
      }, timeoutMs);
      const off = this.on(
        pattern,
        (line) => {
          timer.clear();
          resolve(line);
        },
        { once: true },
      );
    });
  }

  /** Delivers one unsolicited line. */
  dispatch(line: string): void {
    if (this.#pending) {
      this.#pending.lines.push(line);
      if (this.#pending.lines.length < this.#pending.needed) return;
      const { line: head, lines } = this.#pending;
      this.#pending = undefined;
      this.#deliver(head, lines);
      return;
    }
    const known = this.#known.find((k) => matches(k.pattern, line));
    if (known && known.continuationLines > 0) {
      this.#pending = { line, needed: known.continuationLines, lines: [] };
      return;
    }
    this.#deliver(line, []);
  }

  #deliver(line: string, continuation: string[]): void {
    let handled = false;
    for (const route of [...this.#routes]) {
      if (!matches(route.pattern, line)) continue;
      handled = true;
      if (route.once) this.#routes.delete(route);
      try {
        route.handler(line, continuation);
      } catch (e) {
        this.log.error(`URC handler for ${String(route.pattern)} failed`, { error: e });
      }
    }
    if (!handled) this.log.debug(() => `unhandled unsolicited line: ${line}`);
  }
}
