/** The ARPA language model builder, the reduced pronouncing dictionary, and pocketsphinx reading both. */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { resampleClip } from '../../src/audio/resample.js';
import { callerSentences } from '../../src/speech/recognize/caller-speech.js';
import { buildLanguageModel } from '../../src/speech/recognize/grammar.js';
import { buildArpa, type WeightedSentence } from '../../src/speech/recognize/language-model.js';
import { LINE_AUDIO_CMN, lineAcousticModel } from '../../src/speech/recognize/line-acoustic-model.js';
import {
  dictionaryText,
  pronounce,
  readPronouncingDictionary,
} from '../../src/speech/recognize/pronouncing-dictionary.js';
import { encodeWav } from '../../src/speech/wav.js';
import { bakery, lineSpeech } from '../helpers/speech.js';

/** An ARPA file read back: log10 probability and backoff per n-gram (words joined by spaces). */
function parseArpa(text: string) {
  const header = new Map<number, number>();
  const grams = new Map<string, { p: number; bow: number }>();
  let order = 0;
  for (const line of text.split('\n')) {
    const count = /^ngram (\d)=(\d+)$/.exec(line);
    if (count) header.set(Number(count[1]), Number(count[2]));
    const section = /^\\(\d)-grams:$/.exec(line);
    if (section) {
      order = Number(section[1]);
      continue;
    }
    if (order === 0 || line === '' || line.startsWith('\\')) continue;
    const fields = line.split(' ');
    const hasBow = fields.length === order + 2;
    grams.set(fields.slice(1, order + 1).join(' '), {
      p: Number(fields[0]),
      bow: hasBow ? Number(fields.at(-1)) : 0,
    });
  }
  return { header, grams };
}

/** P(word | history) by ARPA backoff, as a decoder computes it. */
function backoffProbability(grams: Map<string, { p: number; bow: number }>, history: string[], word: string) {
  let log = 0;
  for (let h = history; ; h = h.slice(1)) {
    const gram = grams.get([...h, word].join(' '));
    if (gram !== undefined) return 10 ** (log + gram.p);
    if (h.length === 0) return 0;
    log += grams.get(h.join(' '))?.bow ?? 0;
  }
}

const CORPUS: WeightedSentence[] = [
  'what time do you close',
  'what time do you open',
  'do you deliver',
  'do you make birthday cakes',
  'thanks bye',
  'thank you goodbye',
].map((s) => ({ words: s.split(' '), weight: 1 }));

t.test('Witten-Bell backoff: every history is a proper distribution, header counts match', async (t) => {
  const { header, grams } = parseArpa(buildArpa(CORPUS));
  for (const n of [1, 2, 3])
    t.equal([...grams.keys()].filter((k) => k.split(' ').length === n).length, header.get(n), `${n}-grams`);
  const vocabulary = [...grams.keys()].filter((k) => !k.includes(' ') && k !== '<s>');
  t.equal(grams.get('<s>')?.p, -99, '<s> is never predicted');
  const histories = [[], ['<s>'], ['do'], ['<s>', 'what'], ['do', 'you'], ['you', 'make'], ['bye'], ['zzz']];
  for (const history of histories) {
    const total = vocabulary.reduce((s, w) => s + backoffProbability(grams, history, w), 0);
    t.ok(Math.abs(total - 1) < 1e-4, `Σ P(w | ${history.join(' ') || '∅'}) = ${total.toFixed(6)}`);
  }
  t.same(
    [...grams].filter(([, g]) => g.p > 0 || g.bow > 0),
    [],
    'every probability and backoff weight is a log10 of at most 1',
  );
  t.ok(
    backoffProbability(grams, ['do', 'you'], 'deliver') > backoffProbability(grams, ['do', 'you'], 'cakes'),
    'a seen trigram beats a word that never followed',
  );
});

t.test('a slot spread over many fillers backs off as much as one filler of the same weight', async (t) => {
  const names = Array.from({ length: 100 }, (_, i) => `name${i}`);
  const spread = buildArpa([
    ...CORPUS,
    ...names.map((n) => ({ words: ['my', 'name', 'is', n], weight: 1 / names.length })),
  ]);
  const single = buildArpa([...CORPUS, { words: ['my', 'name', 'is', 'name0'], weight: 1 }]);
  t.equal(parseArpa(spread).grams.get('name is')?.bow, parseArpa(single).grams.get('name is')?.bow);
});

t.test('words the dictionary cannot pronounce leave out only their own n-grams', async (t) => {
  const { grams } = parseArpa(
    buildArpa([{ words: ['do', 'you', 'take', 'zorbl', 'pay'], weight: 1 }], { known: (w) => w !== 'zorbl' }),
  );
  t.notOk([...grams.keys()].some((k) => k.includes('zorbl')));
  t.ok(grams.has('do you take'));
  t.ok(grams.has('pay </s>'));
  t.throws(() => buildArpa([]), /at least one non-empty sentence/);
  t.throws(() => buildArpa(CORPUS, { order: 4 }), /order 4/);
});

t.test('the reduced dictionary: variants kept, compounds pronounced from their parts', async (t) => {
  const dictionary = await readPronouncingDictionary();
  t.equal(
    pronounce(dictionary, 'wechat')?.[0],
    `${dictionary.get('we')?.[0]} ${dictionary.get('chat')?.[0]}`,
  );
  t.equal(pronounce(dictionary, 'qxzv'), undefined);
  const text = dictionaryText(dictionary, ['a', 'wechat']);
  t.match(text, /^a AH\na\(2\) EY\nwechat W IY CH AE T\n$/);
  t.throws(() => dictionaryText(dictionary, ['qxzv']), /no pronunciation for "qxzv"/);
});

t.test(
  'the shop model covers its FAQ, built-in intents and answers; pocketsphinx decodes a first turn with it',
  async (t) => {
    const profile = await bakery();
    const sentences = callerSentences(profile);
    const text = (s: WeightedSentence) => s.words.join(' ');
    t.ok(
      sentences.some((s) => text(s) === 'do you take wechat pay'),
      'FAQ example',
    );
    t.ok(
      sentences.some((s) => text(s) === 'thanks bye'),
      'built-in intent example',
    );
    t.ok(
      sentences.some((s) => /^my name is \w+ \w+$/.test(text(s))),
      'answer template filled',
    );
    const dictionary = await readPronouncingDictionary();
    const { arpa, words } = buildLanguageModel(profile, dictionary);
    const dir = t.testdir();
    await writeFile(join(dir, 'shop.arpa'), arpa);
    await writeFile(join(dir, 'shop.dict'), dictionaryText(dictionary, words));
    const speech = resampleClip(await lineSpeech('is there a delivery fee'), 8000, 16000);
    const padded = new Int16Array(speech.length + 16000);
    padded.set(speech, 8000);
    for (let i = 0; i < padded.length; i++) padded[i] = (padded[i] as number) + ((i * 7919) % 5) - 2;
    await writeFile(join(dir, 'turn.wav'), encodeWav({ samples: padded, sampleRate: 16000 }));
    const hmm = await lineAcousticModel(join(dir, 'hmm'));
    t.match(
      await readFile(join(hmm, 'feat.params'), 'utf8'),
      `\n-cmninit ${LINE_AUDIO_CMN.map((c) => c.toFixed(2)).join(',')}\n`,
    );
    const { stdout } = await promisify(execFile)('pocketsphinx_continuous', [
      '-hmm',
      hmm,
      '-infile',
      join(dir, 'turn.wav'),
      '-lm',
      join(dir, 'shop.arpa'),
      '-dict',
      join(dir, 'shop.dict'),
      '-logfn',
      join(dir, 'log'),
    ]);
    const log = await readFile(join(dir, 'log'), 'utf8');
    t.notMatch(log, /ERROR|FATAL/, 'pocketsphinx read the model without complaint');
    t.match(log, /Update from < 41\.80 25\.80/, 'CMN starts from line audio');
    t.match(log, /LM of order 3\n.*#1-grams: \d+\n.*#2-grams: \d+\n.*#3-grams: \d+/);
    t.equal(stdout.trim(), 'is there a delivery fee');
  },
);
