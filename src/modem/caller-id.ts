/** Caller ID parsing: GSM `+CLIP` lines and analog `DATE/TIME/NMBR/NAME` records (V.253 `+VCID=1`). */
import type { CallerId } from './driver.js';

/** Parses `+CLIP: "<number>",<type>,,,,<validity>`; validity 1 = withheld, 2 = unavailable. */
export function parseClip(line: string): CallerId | undefined {
  const m = /^\+CLIP:\s*"([^"]*)"\s*,\s*(\d+)(?:\s*,[^,]*,[^,]*,[^,]*(?:,\s*(\d))?)?/.exec(line);
  if (!m) return undefined;
  const raw = m[1] ?? '';
  const validity = m[3] === undefined ? (raw === '' ? 2 : 0) : Number(m[3]);
  if (validity === 1) return { number: null, absent: 'withheld' };
  if (validity === 2 || raw === '') return { number: null, absent: 'unavailable' };
  // Type 145 is international: make sure the number carries its +.
  const number = m[2] === '145' && !raw.startsWith('+') ? `+${raw}` : raw;
  return { number };
}

/** One field of an analog caller ID record, spaces around `=` allowed; undefined for other lines. */
export function parseCallerIdField(line: string): { key: string; value: string } | undefined {
  const m = /^\s*(DATE|TIME|NMBR|NAME|MESG)\s*=\s*(.*?)\s*$/.exec(line);
  return m ? { key: m[1] as string, value: m[2] as string } : undefined;
}

/** Turns collected analog fields into a caller ID; NMBR `P` = private, `O` = out of area. */
export function callerIdFromFields(fields: ReadonlyMap<string, string>): CallerId {
  const nmbr = fields.get('NMBR');
  const name = fields.get('NAME');
  const withName = (id: CallerId): CallerId => (name && name !== 'P' && name !== 'O' ? { ...id, name } : id);
  if (nmbr === undefined || nmbr === 'O' || nmbr === '')
    return withName({ number: null, absent: 'unavailable' });
  if (nmbr === 'P') return withName({ number: null, absent: 'withheld' });
  return withName({ number: nmbr });
}
