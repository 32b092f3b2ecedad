import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  bpeVocabText,
  chineseUnits,
  modelingUnit,
  parseLexicon,
  parseSentencePieceModel,
  parseTokens,
  readVocabulary,
  spell,
  type Vocabulary,
} from '../../src/speech/sherpa/tokens.js';

/** A sentencepiece ModelProto with the given pieces, encoded by hand (field 1: {1 piece, 2 score, 3 type}). */
function sentencePieceModel(pieces: [string, number, number][]): Uint8Array {
  const parts: number[] = [];
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
    return out;
  };
  for (const [piece, score, type] of pieces) {
    const text = [...Buffer.from(piece)];
    const float = [...Buffer.from(new Float32Array([score]).buffer)];
    const body = [0x0a, ...varint(text.length), ...text, 0x15, ...float, 0x18, ...varint(type)];
    parts.push(0x0a, ...varint(body.length), ...body);
  }
  parts.push(0x12, 0x02, 0x18, 0x01); // trainer_spec { model_type: UNIGRAM }, skipped
  return Uint8Array.from(parts);
}

t.test('tokens.txt, bpe.model and a lexicon read as sherpa writes them', async (t) => {
  t.same([...parseTokens('<blk> 0\n▁HE 1\nLLO 2\n人 3\n\n')], ['<blk>', '▁HE', 'LLO', '人']);
  const pieces = parseSentencePieceModel(
    sentencePieceModel([
      ['<unk>', 0, 2],
      ['▁HE', -2.5, 1],
      ['LLO', -3, 1],
    ]),
  );
  t.same(pieces, [
    { piece: '<unk>', score: 0, type: 2 },
    { piece: '▁HE', score: -2.5, type: 1 },
    { piece: 'LLO', score: -3, type: 1 },
  ]);
  t.equal(bpeVocabText(pieces), '<unk> 0\n▁HE -2.5\nLLO -3\n');
  t.throws(() => parseSentencePieceModel(Uint8Array.from([0x0a, 0x09, 0x0a])), /truncated/);
  t.throws(() => parseSentencePieceModel(new Uint8Array(0)), /no sentencepiece pieces/);
  const lexicon = parseLexicon('AGENT EY1 JH AH0 N T\nagent EY1 JH IH0 N T\nPERSON\tP ER1 S AH0 N\n');
  t.same(lexicon.get('agent'), ['EY1', 'JH', 'AH0', 'N', 'T'], 'the first pronunciation wins');
  t.same(lexicon.get('person'), ['P', 'ER1', 'S', 'AH0', 'N']);
});

t.test('phrases are spelled like sherpa text2token, or left out with the reason', async (t) => {
  const bpe: Vocabulary = {
    tokens: new Set(['<blk>', '▁', '▁A', 'GENT', 'A', 'G', 'E', 'N', 'T', '人', '工', '▁AG']),
    pieces: new Map([
      ['▁', -2],
      ['▁A', -3],
      ['GENT', -4],
      ['▁AG', -3.5],
      ['A', -9],
      ['G', -9],
      ['E', -9],
      ['N', -9],
      ['T', -9],
    ]),
  };
  t.same(spell('Agent 人工', bpe), {
    phrase: 'Agent 人工',
    tokens: ['▁A', 'GENT', '人', '工'],
    text: 'AGENT 人工',
  });
  t.match(spell('agents', bpe), { reason: '"agents" cannot be spelled with the model\'s pieces' });
  t.match(spell('老板', bpe), { reason: /no token for "老"/ });
  t.match(spell('？！', bpe), { reason: 'nothing to spell' });
  t.equal(modelingUnit(bpe.tokens), 'cjkchar+bpe');

  // A phone+pinyin keyword model: English from its lexicon, Chinese in pinyin pieces; the operator's tokens win.
  const phones: Vocabulary = {
    tokens: new Set(['EY1', 'JH', 'AH0', 'N', 'T', 'r', 'én', 'g', 'ōng']),
    lexicon: parseLexicon('AGENT EY1 JH AH0 N T\n'),
  };
  t.same(spell('agent', phones), { phrase: 'agent', tokens: ['EY1', 'JH', 'AH0', 'N', 'T'], text: 'AGENT' });
  t.same(spell('人工', phones), { phrase: '人工', tokens: ['r', 'én', 'g', 'ōng'], text: '人工' });
  t.match(spell('person', phones), { reason: '"person" is not in the model\'s lexicon' });
  t.match(spell('老板', phones), {
    reason: /^the model has no token "l" for 老 \(lǎo\): give the tokens in speech\.keywordTokens$/,
  });
  t.match(spell('人工', { ...phones, given: new Map([['人工', ['r', 'én', 'g', 'ong']]]) }), {
    reason: 'token "ong" is not in tokens.txt',
  });
  t.equal(modelingUnit(phones.tokens), 'cjkchar');
  t.match(spell('agent', { tokens: new Set(['▁AGENT']) }), {
    reason: 'the model has no bpe.model or lexicon to spell English with',
  });
});

/**
 * A slice of a phone+ppinyin tokens.txt as the zh-en keyword models ship it (sherpa-onnx-kws-zipformer-zh-en-3M):
 * `<blk>`, `<sos/eos>`, `<unk>`, then ARPAbet phones with stress, then pinyin initials and tonal finals in code point
 * order, each `symbol id`. Pieces the phrases below do not need are there too, and 板's final ǎn is missing.
 */
const PHONE_PPINYIN_TOKENS = [
  '<blk>',
  '<sos/eos>',
  '<unk>',
  'AH0',
  'EH1',
  'ER1',
  'EY1',
  'JH',
  'N',
  'P',
  'S',
  'T',
  'ai',
  'b',
  'ch',
  'd',
  'e',
  'g',
  'iā',
  'j',
  'l',
  'n',
  'q',
  'r',
  'sh',
  'uǎn',
  'uó',
  'w',
  'x',
  'y',
  'zh',
  'ài',
  'ào',
  'én',
  'ì',
  'ín',
  'ù',
  'ēn',
  'ěi',
  'ōng',
  'ǎo',
  'ǒ',
  'ǚ',
]
  .map((symbol, id) => `${symbol} ${id}\n`)
  .join('');

t.test("Chinese is spelled in pinyin pieces when the model's Chinese units are pinyin", async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, 'tokens.txt'), PHONE_PPINYIN_TOKENS);
  await writeFile(join(dir, 'en.phone'), 'AGENT EY1 JH AH0 N T\nPERSON P ER1 S AH0 N\n');
  const vocabulary = await readVocabulary({
    tokens: join(dir, 'tokens.txt'),
    lexicon: join(dir, 'en.phone'),
  });
  t.equal(chineseUnits(vocabulary.tokens), 'pinyin', 'told by its tonal finals');
  const pieces = (phrase: string) => {
    const spelled = spell(phrase, vocabulary);
    return 'tokens' in spelled ? spelled.tokens.join(' ') : spelled.reason;
  };
  t.equal(pieces('人工'), 'r én g ōng');
  t.equal(pieces('转人工'), 'zh uǎn r én g ōng');
  t.equal(pieces('真人'), 'zh ēn r én');
  t.equal(
    pieces('我要人工，agent'),
    'w ǒ y ào r én g ōng EY1 JH AH0 N T',
    'y and w are initials; mixed phrases',
  );
  t.equal(pieces('Person 爱'), 'P ER1 S AH0 N ài', 'a syllable without an initial is its final alone');
  t.equal(pieces('女的去'), 'n ǚ d e q ù', 'ü stays after n but not after q; a neutral tone has no mark');
  t.same(spell('转人工', vocabulary), {
    phrase: '转人工',
    tokens: ['zh', 'uǎn', 'r', 'én', 'g', 'ōng'],
    text: '转人工',
  });
  t.equal(
    pieces('老板'),
    'the model has no token "ǎn" for 板 (bǎn): give the tokens in speech.keywordTokens',
  );
  t.equal(pieces('𠀀'), 'no pinyin is known for "𠀀"');

  // The operator's tokens still win.
  const given = await readVocabulary({ tokens: join(dir, 'tokens.txt') }, { 人工: 'r én g ōng g ōng' });
  t.same(spell('人工', given), { phrase: '人工', tokens: ['r', 'én', 'g', 'ōng', 'g', 'ōng'], text: '人工' });

  // Hotwords: sherpa spells their text itself and knows no pinyin, so they are left out with the reason.
  t.same(spell('人工', vocabulary, { pinyin: false }), {
    phrase: '人工',
    reason: 'the model spells Chinese in pinyin, which sherpa cannot derive from hotword text',
  });
  t.same(spell('agent', vocabulary, { pinyin: false }), {
    phrase: 'agent',
    tokens: ['EY1', 'JH', 'AH0', 'N', 'T'],
    text: 'AGENT',
  });

  t.equal(chineseUnits(new Set(['<blk>', '人', '工', '▁A', 'GENT'])), 'characters');
  t.equal(chineseUnits(new Set(['<blk>', '▁HE', 'LL', 'O'])), 'characters', 'an English model has no pinyin');
});
