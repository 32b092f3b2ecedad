/** Finds which profile a modem needs from what it says about itself (vgetty detect.c style). */
import { describeError, ErrorCode, LinekeeperError } from '../errors.js';
import type { AtEngine } from './at-engine.js';
import type { ProfileId } from './profile.js';

/** Asks AT+CGMI (GSM modules) and ATI0 (V.253 modems) and maps the answer to a profile id. */
export async function detectProfile(engine: AtEngine): Promise<ProfileId> {
  await engine.send({ text: 'AT', priority: 'recovery', timeoutMs: 2000 });
  await engine.send({ text: 'ATE0' }).catch(() => undefined);
  const cgmi = await engine.send({ text: 'AT+CGMI' }).then(
    (r) => r.lines.join(' '),
    () => '',
  );
  if (/simcom/i.test(cgmi)) return 'sim7600';
  if (/quectel/i.test(cgmi)) return 'ec25';
  let ati0 = '';
  try {
    ati0 = (await engine.send({ text: 'ATI0' })).lines.join(' ').trim();
  } catch (e) {
    throw new LinekeeperError(ErrorCode.Modem_Unsupported, `cannot identify the modem: ${describeError(e)}`);
  }
  // ATI0: 5601 = USR5637, 56000 = Conexant (callattendant); both speak V.253.
  if (ati0 === '5601' || ati0 === '56000') return 'usr5637';
  throw new LinekeeperError(
    ErrorCode.Modem_Unsupported,
    `unknown modem (AT+CGMI: "${cgmi || 'ERROR'}", ATI0: "${ati0}"); pass --profile sim7600|ec25|usr5637`,
  );
}
