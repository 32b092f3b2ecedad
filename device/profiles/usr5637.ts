/** US Robotics USR5637 and Conexant V.253 voice modems: DLE-shielded audio on the AT port (+VTR). */
import type { ModemProfile } from '../../src/modem/profile.js';

/** USR5637 / Conexant profile (hardware.md §6). */
export const usr5637: ModemProfile = {
  id: 'usr5637',
  name: 'US Robotics USR5637 (V.253)',
  dialect: 'v253',
  init: [
    { command: 'ATV1' },
    { command: 'AT+FCLASS=8', required: true },
    { command: 'AT+VCID=1', required: true },
    { command: 'AT+VIT=0' },
  ],
  urcs: ['RING', 'DATE', 'TIME', 'NMBR', 'NAME', 'MESG'],
  identify: { manufacturer: 'ATI0', model: 'ATI0', firmware: 'ATI3' },
  audio: { transport: 'dle', format: 'linear8', enable: [], enableRetryMs: 0, disable: [] },
  hangup: ['AT+VLS=0'],
  callEnd: [],
  voiceFormats: { linear8: 128, pcm16le: 129, alaw: 130, ulaw: 131 },
  notes:
    'USB CDC-ACM /dev/ttyACM0; caller ID between the 1st and 2nd RING; AT+VTR full duplex, no echo cancelling.',
};
