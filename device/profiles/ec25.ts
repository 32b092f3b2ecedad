/** Quectel EC25/EG25: raw PCM on the NMEA port after AT+QPCMV=1,0; URCs pinned to the AT port. */
import type { ModemProfile } from '../../src/modem/profile.js';

/** EC25 profile (hardware.md §4). */
export const ec25: ModemProfile = {
  id: 'ec25',
  name: 'Quectel EC25/EG25',
  dialect: 'quectel',
  init: [
    // Without this, RING and +CLIP may arrive on another USB port and the box never hears the call.
    { command: 'AT+QURCCFG="urcport","usbat"', required: true },
    { command: 'AT+CMEE=1' },
    { command: 'AT+CLIP=1', required: true },
    { command: 'AT+CVHU=0' },
    { command: 'AT+QTONEDET=1' },
    { command: 'AT+QAUDMOD=3' },
    { command: 'AT+QGPSCFG="outport","none"' },
    { command: 'AT+CNMI=2,1,0,0,0' },
  ],
  urcs: ['+QTONEDET:', '+QIND:', '+QPCMV:', 'RDY', '+CPIN:', '+QUSIM:'],
  identify: { manufacturer: 'AT+CGMI', model: 'AT+CGMM', firmware: 'AT+CGMR' },
  audio: {
    transport: 'audio-port',
    format: 'pcm16le',
    enable: ['AT+QPCMV=1,0'],
    enableRetryMs: 5000,
    disable: ['AT+QPCMV=0'],
  },
  hangup: ['ATH', 'AT+QPCMV=0'],
  dtmf: { prefix: '+QTONEDET:', value: 'ascii-code' },
  callEnd: ['NO CARRIER'],
  notes: 'AT on interface 02; call PCM 8 kHz s16le on the NMEA port (interface 01) with AT+QPCMV=1,0.',
};
