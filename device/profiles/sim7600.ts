/** SIMCom SIM7600 (Waveshare SIM7600X HAT): raw PCM on USB interface 4 after AT+CPCMREG=1 in a call. */
import type { ModemProfile } from '../../src/modem/profile.js';

/** SIM7600 profile (hardware.md §3). */
export const sim7600: ModemProfile = {
  id: 'sim7600',
  name: 'SIMCom SIM7600',
  dialect: 'simcom',
  init: [
    { command: 'AT+CMEE=1' },
    { command: 'AT+CLIP=1', required: true },
    { command: 'AT+CVHU=0' },
    { command: 'AT+DDET=1' },
    { command: 'AT+CPCMFRM=0' },
    { command: 'AT+CNMI=2,1,0,0,0' },
    { command: 'AT+CPCMREG=0' },
  ],
  urcs: ['VOICE CALL:', '+RXDTMF:', 'MISSED_CALL:', '+SIMCARD:', 'RDY', '+CPIN:', 'SMS DONE', 'PB DONE'],
  identify: { manufacturer: 'AT+CGMI', model: 'AT+CGMM', firmware: 'AT+CGMR' },
  audio: {
    transport: 'audio-port',
    format: 'pcm16le',
    enable: ['AT+CPCMREG=1'],
    enableRetryMs: 12000,
    disable: ['AT+CPCMREG=0'],
  },
  hangup: ['AT+CHUP'],
  dtmf: { prefix: '+RXDTMF:', value: 'key' },
  callEnd: ['VOICE CALL: END', 'NO CARRIER'],
  notes: 'AT on ttyUSB2 (interface 02), PCM 8 kHz s16le 320 B / 20 ms on ttyUSB4 (interface 04).',
};
