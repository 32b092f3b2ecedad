/** The lifecycle every part of the daemon shares: started in order, stopped in reverse. */

/** A long-running part of the daemon (modem, speech worker, sync, fleet agent). */
export interface Service {
  /** Short name for logs. */
  readonly name: string;
  /** Starts the service; resolves once it is ready (or degraded but running). */
  start(): Promise<void>;
  /** Stops the service and releases its resources; must be safe to call after a failed start. */
  stop(): Promise<void>;
  /** Whether the service works right now; gates the systemd watchdog ping (optional). */
  health?(): { ok: boolean; reason?: string };
}
