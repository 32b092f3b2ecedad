/**
 * Namespaced logging for journald or a terminal.
 *
 * Lines go to stdout as `LEVEL namespace: message key=value`, with a syslog priority prefix (`<6>`) when stdout
 * is the journal (systemd sets JOURNAL_STREAM), or as JSON lines on request. Levels are set per namespace by
 * the longest matching prefix. Values wrapped in `personal()` (caller numbers, transcripts) are printed only by
 * debug and trace entries; at higher levels they read `[personal]`, so private data never reaches the journal
 * of a box that runs at the default level.
 */

/** Log levels, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const SYSLOG_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

/** A value that is personal data: shown only in debug and trace entries. */
export class Personal {
  constructor(readonly value: unknown) {}
}

/** Marks a value (caller number, transcript, name) as personal data for the logger. */
export function personal(value: unknown): Personal {
  return new Personal(value);
}

/** Structured fields of one entry. */
export type LogFields = Record<string, unknown>;

/** One namespaced logger. Messages may be functions so that costly formatting runs only when visible. */
export interface Logger {
  /** The namespace, e.g. `linekeeper:modem:at`. */
  readonly namespace: string;
  error(message: string | (() => string), fields?: LogFields): void;
  warn(message: string | (() => string), fields?: LogFields): void;
  info(message: string | (() => string), fields?: LogFields): void;
  debug(message: string | (() => string), fields?: LogFields): void;
  trace(message: string | (() => string), fields?: LogFields): void;
  /** True when entries of this level would be written. */
  isEnabled(level: LogLevel): boolean;
  /** A logger for a sub-namespace: `child('at')` of `linekeeper:modem` is `linekeeper:modem:at`. */
  child(name: string): Logger;
}

/** How and where entries are written. */
export interface LogOptions {
  /** Level for namespaces without their own. */
  level: LogLevel;
  /** Levels per namespace prefix, e.g. `{ "linekeeper:modem": "trace" }`. */
  namespaces?: Record<string, LogLevel>;
  /** Write JSON lines instead of plain lines. */
  json?: boolean;
  /** Prefix lines with syslog priorities; defaults to whether stdout is the journal. */
  syslogPrefix?: boolean;
  /** Where lines go; defaults to stdout. */
  write?: (line: string) => void;
  /** Clock for JSON timestamps. */
  now?: () => Date;
}

function rank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

function renderValue(value: unknown, showPersonal: boolean, json: boolean): unknown {
  if (value instanceof Personal) return showPersonal ? renderValue(value.value, true, json) : '[personal]';
  if (value instanceof Error) return value.message;
  if (json) return value;
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

class NamespacedLogger implements Logger {
  readonly #threshold: number;

  constructor(
    readonly namespace: string,
    readonly options: Required<Omit<LogOptions, 'namespaces'>> & { namespaces: Record<string, LogLevel> },
  ) {
    let best = '';
    let level = options.level;
    for (const [prefix, prefixLevel] of Object.entries(options.namespaces)) {
      const matches = namespace === prefix || namespace.startsWith(`${prefix}:`);
      if (matches && prefix.length > best.length) {
        best = prefix;
        level = prefixLevel;
      }
    }
    this.#threshold = rank(level);
  }

  isEnabled(level: LogLevel): boolean {
    return rank(level) <= this.#threshold;
  }

  child(name: string): Logger {
    return new NamespacedLogger(`${this.namespace}:${name}`, this.options);
  }

  error(message: string | (() => string), fields?: LogFields): void {
    this.#log('error', message, fields);
  }
  warn(message: string | (() => string), fields?: LogFields): void {
    this.#log('warn', message, fields);
  }
  info(message: string | (() => string), fields?: LogFields): void {
    this.#log('info', message, fields);
  }
  debug(message: string | (() => string), fields?: LogFields): void {
    this.#log('debug', message, fields);
  }
  trace(message: string | (() => string), fields?: LogFields): void {
    this.#log('trace', message, fields);
  }

  #log(level: LogLevel, message: string | (() => string), fields: LogFields = {}): void {
    if (!this.isEnabled(level)) return;
    const text = typeof message === 'function' ? message() : message;
    const showPersonal = rank(level) >= rank('debug');
    const { json, write, now, syslogPrefix } = this.options;
    if (json) {
      const entry: Record<string, unknown> = {
        time: now().toISOString(),
        level,
        ns: this.namespace,
        msg: text,
      };
      for (const [key, value] of Object.entries(fields)) entry[key] = renderValue(value, showPersonal, true);
      write(JSON.stringify(entry));
      return;
    }
    const rendered = Object.entries(fields)
      .map(([key, value]) => ` ${key}=${String(renderValue(value, showPersonal, false))}`)
      .join('');
    const prefix = syslogPrefix ? `<${SYSLOG_PRIORITY[level]}>` : '';
    write(`${prefix}${level.toUpperCase().padEnd(5)} ${this.namespace}: ${text}${rendered}`);
  }
}

/** Creates the root logger (`linekeeper`) with the given options. */
export function createLogger(options: LogOptions): Logger {
  return new NamespacedLogger('linekeeper', {
    level: options.level,
    namespaces: options.namespaces ?? {},
    json: options.json ?? false,
    syslogPrefix: options.syslogPrefix ?? process.env.JOURNAL_STREAM !== undefined,
    write: options.write ?? ((line) => process.stdout.write(`${line}\n`)),
    now: options.now ?? (() => new Date()),
  });
}

/** A logger that writes nothing, for tests and library use without output. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
