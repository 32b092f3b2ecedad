/** The persistent pocketsphinx decoder: one process serves turn after turn, switching searches; its death is told. */
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { ErrorCode } from '../../src/errors.js';
import type { Expectation, Recognizer } from '../../src/speech/engines.js';
import { decoderModelsFor, withDictionary } from '../../src/speech/recognize/grammar.js';
import { createPocketsphinx } from '../../src/speech/recognize/pocketsphinx.js';
import { readPronouncingDictionary } from '../../src/speech/recognize/pronouncing-dictionary.js';
import { childProcesses } from '../../src/speech/worker/process-tree-usage.js';
import { bakery, lineSpeech } from '../helpers/speech.js';

/** Python children of this process running the decoder script. */
async function decoderPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const { pid } of await childProcesses()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('pocketsphinx_stream.py')) pids.push(pid);
  }
  return pids;
}

/** One turn: 250 ms of lead-in like the worker's pre-roll, the line audio at 16 kHz, and the hypothesis. */
async function turn(recognizer: Recognizer, expect: Expectation, said: string): Promise<string> {
  recognizer.begin(expect);
  recognizer.accept(new Int16Array(4000));
  recognizer.accept(resampleClip(await lineSpeech(said), 8000, 16000));
  return (await recognizer.finish()).text;
}

t.test(
  'one decoder process hears open, yes/no and digit turns in any order and leaves no files',
  async (t) => {
    const crashes: string[] = [];
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith('linekeeper-pocketsphinx-'));
    const recognizer = await createPocketsphinx(
      decoderModelsFor(await bakery(), await readPronouncingDictionary()),
      { onCrash: (why) => crashes.push(why) },
    );
    t.teardown(() => recognizer.close());
    const pids = await decoderPids();
    t.equal(pids.length, 1, 'one decoder process');
    t.same(
      (await readdir(tmpdir())).filter((f) => f.startsWith('linekeeper-pocketsphinx-')),
      before,
      'its model files are gone once it has loaded them',
    );
    t.equal(await turn(recognizer, 'open', 'is there a delivery fee'), 'is there a delivery fee');
    t.equal(await turn(recognizer, 'yesno', 'yes please'), 'yes please');
    t.equal(await turn(recognizer, 'digits', 'one three eight'), 'one three eight');
    t.equal(await turn(recognizer, 'open', 'what time do you close today'), 'what time do you close today');
    // A turn given up (the caller hung up) is dropped; the next one is heard on its own.
    recognizer.begin('open');
    recognizer.accept(resampleClip(await lineSpeech('where is my order'), 8000, 16000));
    t.equal(await turn(recognizer, 'yesno', 'no thanks'), 'no thanks');
    t.equal((await recognizer.finish()).text, '', 'finish without a turn hears nothing');
    t.same(await decoderPids(), pids, 'the same process served every turn');
    t.same(crashes, []);
  },
);

t.test('a decoder that dies is told once and fails the turn it was serving', async (t) => {
  const crashes: string[] = [];
  const recognizer = await createPocketsphinx(
    decoderModelsFor(await bakery(), await readPronouncingDictionary()),
    { onCrash: (why) => crashes.push(why) },
  );
  t.teardown(() => recognizer.close());
  const [pid] = await decoderPids();
  recognizer.begin('open');
  process.kill(pid as number, 'SIGKILL');
  await t.rejects(recognizer.finish(), {
    code: ErrorCode.Speech_EngineFailed,
    message: /pocketsphinx exited \(code null, signal SIGKILL\)/,
  });
  t.equal(crashes.length, 1);
  t.match(crashes[0], /signal SIGKILL/);
});

t.test("a search the decoder cannot load fails the start with pocketsphinx's reason", async (t) => {
  const dictionary = await readPronouncingDictionary();
  const { searches } = decoderModelsFor(await bakery(), dictionary);
  // A grammar word outside the dictionary it is given.
  const models = withDictionary(searches, dictionary);
  models.searches.yesno = { jsgf: '#JSGF V1.0;\ngrammar g;\npublic <u> = xylophone;\n', words: [] };
  await t.rejects(createPocketsphinx(models), {
    code: ErrorCode.Speech_EngineFailed,
    message: /^pocketsphinx did not start: cannot load the yesno search \(jsgf yesno\.gram\)/,
  });
});
