/**
 * SMS encoding: plain GSM text goes in text mode; anything else (Chinese) as UCS-2 PDUs (3GPP TS 23.040),
 * split into concatenated parts of 67 characters with an 8-bit reference UDH when longer than 70.
 */

/** True when text mode can carry `text` unchanged (printable ASCII, the safe subset of GSM 7-bit). */
export function fitsTextMode(text: string): boolean {
  return /^[\x20-\x7e\r\n]*$/.test(text);
}

function semiOctets(digits: string): string {
  const padded = digits.length % 2 === 1 ? `${digits}F` : digits;
  let out = '';
  for (let i = 0; i < padded.length; i += 2) out += `${padded[i + 1]}${padded[i]}`;
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

function ucs2Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase();
  return out;
}

/** One SMS-SUBMIT PDU and the TPDU length `AT+CMGS=<n>` wants. */
export interface SubmitPdu {
  pdu: string;
  tpduLength: number;
}

/** Encodes `text` to `number` as UCS-2 SMS-SUBMIT PDUs (one or more concatenated parts). */
export function encodeUcs2Submit(number: string, text: string, reference = 0): SubmitPdu[] {
  const digits = number.replace(/^\+/, '');
  if (!/^\d{1,20}$/.test(digits))
    throw new TypeError(`number: expected digits with an optional +, got "${number}"`);
  const type = number.startsWith('+') ? '91' : '81';
  const chars = Array.from(text);
  const parts: string[][] = [];
  if (chars.length <= 70) parts.push(chars);
  else for (let i = 0; i < chars.length; i += 67) parts.push(chars.slice(i, i + 67));
  return parts.map((part, index) => {
    const body = ucs2Hex(part.join(''));
    const udh = parts.length > 1 ? `050003${hex(reference & 0xff)}${hex(parts.length)}${hex(index + 1)}` : '';
    // First octet: SMS-SUBMIT with relative validity period, plus UDHI when a header precedes the text.
    const firstOctet = parts.length > 1 ? '51' : '11';
    const userData = udh + body;
    const tpdu = `${firstOctet}00${hex(digits.length)}${type}${semiOctets(digits)}0008AA${hex(userData.length / 2)}${userData}`;
    return { pdu: `00${tpdu}`, tpduLength: tpdu.length / 2 };
  });
}

/** Decodes a UCS-2 hex string (as text-mode `AT+CSCS="UCS2"` shows bodies) to text. */
export function decodeUcs2Hex(value: string): string {
  let out = '';
  for (let i = 0; i + 4 <= value.length; i += 4)
    out += String.fromCharCode(Number.parseInt(value.slice(i, i + 4), 16));
  return out;
}
