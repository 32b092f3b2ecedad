/** Mandarin synthesis with the Debian `espeak-ng` CLI (`-v cmn`, 22.05 kHz; GPL-3, run as a separate program). */
import { execFile } from 'node:child_process';
import type { Lang } from '../../config/shop-schema.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { Synthesizer } from '../engines.js';
import { type Pcm, parseWav } from '../wav.js';

/** Renders text with espeak-ng to a WAV on stdout. */
export function espeakSynthesize(text: string, voice: string): Promise<Pcm> {
  return new Promise((resolve, reject) => {
    execFile(
      'espeak-ng',
      ['-v', voice, '--stdout', '--', text],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new LinekeeperError(
              ErrorCode.Speech_EngineFailed,
              `espeak-ng -v ${voice} failed: ${stderr.toString().trim() || error.message}`,
              { cause: error },
            ),
          );
          return;
        }
        try {
          resolve(parseWav(stdout));
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

/** espeak-ng Mandarin. */
export function createEspeakMandarin(): Synthesizer {
  return {
    languages: ['zh'],
    voiceId: () => 'espeak-ng:cmn',
    synthesize: (text: string, _lang: Lang) => espeakSynthesize(text, 'cmn'),
  };
}
