/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** Builds the services the daemon runs on real hardware. */
export function composeServices(_context: DaemonContext): Service[] {
  return [];
}
