/**
 * One coded error type for the whole daemon. Codes are grouped by hundreds per area and named `Area_Reason`;
 * the message ends in a stable suffix such as `(E0100)` that operators can search for.
 */

/** Every reason the daemon can fail, grouped by area. */
export enum ErrorCode {
  Config_Invalid = 100,
  Config_Unreadable = 101,
  Config_Migration = 102,
  Modem_Timeout = 200,
  Modem_ErrorResult = 201,
  Modem_PortClosed = 202,
  Modem_Unresponsive = 203,
  Modem_Aborted = 204,
  Modem_Unsupported = 205,
  Gpio_Unavailable = 300,
  Speech_ModelMissing = 400,
  Speech_ModelCorrupt = 401,
  Speech_EngineFailed = 402,
  Store_Corrupt = 500,
  Store_DiskFull = 501,
  Store_Io = 502,
  Store_KeyMissing = 503,
  Store_KeyUnsafe = 504,
  Store_Decrypt = 505,
  Store_SchemaNewer = 506,
  Store_NotFound = 507,
  Mqtt_Unreachable = 600,
  Mqtt_BadPayload = 601,
  Mqtt_Refused = 602,
  Ingest_Database = 650,
  Fleet_BadSignature = 700,
  Fleet_Rejected = 701,
  Internal = 900,
}

/** Exit code for configuration errors (EX_CONFIG); the systemd unit does not restart on it. */
export const EXIT_CONFIG = 78;

/** The daemon's error: a code, a message naming expected and actual values, optional context and cause. */
export class LinekeeperError extends Error {
  /** The machine-readable reason. */
  readonly code: ErrorCode;
  /** Extra facts for logs (never caller data). */
  readonly context: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(
      `${message} (E${String(code).padStart(4, '0')})`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = 'LinekeeperError';
    this.code = code;
    this.context = options.context;
  }

  /** The `Area_Reason` name of the code, e.g. `Config_Invalid`. */
  get codeName(): string {
    return ErrorCode[this.code] ?? String(this.code);
  }
}

/** True for a LinekeeperError, also across module copies (checks the name, not the prototype chain). */
export function isLinekeeperError(e: unknown): e is LinekeeperError {
  return (
    e instanceof Error && e.name === 'LinekeeperError' && typeof (e as { code?: unknown }).code === 'number'
  );
}

/** Errors only an installer can fix (a restart would repeat them): configuration and the box's key file. */
function needsInstaller(code: ErrorCode): boolean {
  return (
    (code >= 100 && code < 200) || code === ErrorCode.Store_KeyMissing || code === ErrorCode.Store_KeyUnsafe
  );
}

/** The process exit code for an error that ends the program: 78 when only an installer can fix it, else 1. */
export function exitCodeFor(e: unknown): number {
  return isLinekeeperError(e) && needsInstaller(e.code) ? EXIT_CONFIG : 1;
}

/** A readable one-line description of any thrown value, following `cause` chains. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': caused by ');
}
