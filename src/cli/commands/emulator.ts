/** `linekeeper emulator`: the virtual modem on pseudo-terminals, to run the daemon or a probe without hardware. */
import { type Command, InvalidArgumentError } from 'commander';
import { PtyEmulator } from '../../../device/emulator/pty-emulator.js';
import { PROFILES, profileById } from '../../../device/profiles/index.js';

function tone(hz: number, ms: number): Int16Array {
  const out = new Int16Array((8000 * ms) / 1000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return out;
}

/** Adds `emulator` to the program. */
export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description(
      'Run the virtual modem on a pseudo-terminal (socat): the daemon opens --link as its modem port. ' +
        'GSM profiles also create <link>-audio for call audio.',
    )
    .requiredOption('--profile <id>', `modem to emulate (${Object.keys(PROFILES).join('|')})`, (value) => {
      if (!(value in PROFILES))
        throw new InvalidArgumentError(`expected one of ${Object.keys(PROFILES).join(', ')}`);
      return value;
    })
    .requiredOption('--link <path>', 'path of the AT port the daemon opens')
    .option('--audio-link <path>', 'path of the audio port (GSM; default <link>-audio)')
    .option(
      '--call <number>',
      'place a call from this number ("withheld" for none) once the daemon has set up the modem',
    )
    .option(
      '--call-after <seconds>',
      'seconds after the daemon first talks to the modem (ATE0) before the call rings',
      (v) => Number.parseFloat(v),
      3,
    )
    .option(
      '--hold <seconds>',
      'seconds the caller stays on after being answered',
      (v) => Number.parseFloat(v),
      5,
    )
    .action(
      async (options: {
        profile: string;
        link: string;
        audioLink?: string;
        call?: string;
        callAfter: number;
        hold: number;
      }) => {
        const emulator = new PtyEmulator(profileById(options.profile), options.link, {
          audioLink: options.audioLink,
        });
        await emulator.start();
        const { modem, links } = emulator;
        const out = (line: string) => process.stdout.write(`${line}\n`);
        out(
          `emulator ready: ${modem.profile.name} on ${links.at}${links.audio ? ` (audio ${links.audio})` : ''}`,
        );
        modem.on('command', (text) => out(`← ${text}`));
        modem.on('call', (state) => out(`call ${state}`));
        modem.on('sms', (sms) => out(`SMS to ${sms.destination} (${sms.mode}): ${sms.body}`));
        modem.on('transfer', (transfer) => out(`transfer to ${transfer.to} by ${transfer.method}`));
        modem.on('hangup', (by) => out(`hung up by the ${by}`));
        if (options.call !== undefined) {
          const number = options.call === 'withheld' ? null : options.call;
          // Ring once the daemon has started talking to the modem (its first ATE0), so a slow start does not
          // miss the call.
          let timer: NodeJS.Timeout | undefined;
          const onCommand = (text: string) => {
            if (text.toUpperCase() !== 'ATE0' || timer) return;
            modem.off('command', onCommand);
            timer = setTimeout(() => modem.ring({ number, ringIntervalMs: 5000 }), options.callAfter * 1000);
          };
          modem.on('command', onCommand);
          modem.on('call', (state) => {
            if (state !== 'active') return;
            setTimeout(() => {
              void modem.sendAudio(tone(440, 1000));
              setTimeout(() => modem.hangUp(), options.hold * 1000);
            }, 500);
          });
          process.once('exit', () => clearTimeout(timer));
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await emulator.stop();
        out('emulator stopped');
      },
    );
}
