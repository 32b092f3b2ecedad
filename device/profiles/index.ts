/** All modem profiles by id. */
import type { ModemProfile, ProfileId } from '../../src/modem/profile.js';
import { ec25 } from './ec25.js';
import { sim7600 } from './sim7600.js';
import { usr5637 } from './usr5637.js';

/** The profiles the drivers and the virtual modem know. */
export const PROFILES: Readonly<Record<ProfileId, ModemProfile>> = { sim7600, ec25, usr5637 };

/** The profile for `id`; throws naming the known ids. */
export function profileById(id: string): ModemProfile {
  const profile = (PROFILES as Record<string, ModemProfile>)[id];
  if (!profile)
    throw new TypeError(`unknown modem profile "${id}"; expected one of ${Object.keys(PROFILES).join(', ')}`);
  return profile;
}
