/** The services of a real box, in start order. Capabilities add theirs here as they arrive. */
import { profileById } from '../../device/profiles/index.js';
import { LineService } from '../calls/line-service.js';
import type { DaemonContext } from './daemon.js';
import type { Service } from './service.js';

/** Builds the services the daemon runs on real hardware. */
export function composeServices(context: DaemonContext): Service[] {
  const { config, shop, log } = context;
  // The GPIO power key is wired in here once src/gpio/ lands (LineService's powerCycle option).
  const line = new LineService({
    config: config.modem,
    profile: profileById(config.modem.profile),
    log,
    ownerMobile: shop.profile.owner.mobile,
  });
  return [line];
}
