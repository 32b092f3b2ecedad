/**
 * The Debian en-us acoustic model set up for telephone audio. The model is wideband; line audio has nothing above
 * 4 kHz, so its cepstral mean is far from the one the model's feat.params starts live CMN from, and a fresh
 * decoder misheard most first utterances (5 of 42 exact on flite line speech) until CMN had adapted over a few
 * turns. Starting CMN from the mean of line audio instead gives the first turn the accuracy of later ones.
 * pocketsphinx lets feat.params override `-cmninit` on the command line, so the model is presented as a
 * directory of links to the installed files with its own feat.params.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Debian's pocketsphinx-en-us keeps the acoustic model. */
export const POCKETSPHINX_HMM = '/usr/share/pocketsphinx/model/en-us/en-us';

/**
 * Live CMN after ~40 utterances of flite speech carried as 8 kHz line audio (pocketsphinx's own
 * `cmn_live … Update to` log); the model's default starts from 41.0, −5.3, −0.1, 5.1, … (wideband).
 */
export const LINE_AUDIO_CMN = [41.8, 25.8, -20.2, 42.8, -5.2, 1.9, 15.4, -25.7, -2.3, -7.3, 0.0, 16.4, -8.9];

/** Creates `dir` as the installed acoustic model with CMN starting from line audio; returns `dir`. */
export async function lineAcousticModel(dir: string, installed = POCKETSPHINX_HMM): Promise<string> {
  await mkdir(dir);
  for (const file of await readdir(installed))
    if (file !== 'feat.params') await symlink(join(installed, file), join(dir, file));
  const params = (await readFile(join(installed, 'feat.params'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('-cmninit '));
  params.push(`-cmninit ${LINE_AUDIO_CMN.map((c) => c.toFixed(2)).join(',')}`);
  await writeFile(join(dir, 'feat.params'), `${params.join('\n')}\n`);
  return dir;
}
