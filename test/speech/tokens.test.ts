import t from 'tap';
import {
  bpeVocabText,
  modelingUnit,
  parseLexicon,
  parseSentencePieceModel,
  parseTokens,
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

  // A phone+pinyin keyword model: English from its lexicon, Chinese only as the operator gives it.
  const phones: Vocabulary = {
    tokens: new Set(['EY1', 'JH', 'AH0', 'N', 'T', 'r', 'én', 'g', 'ōng']),
    lexicon: parseLexicon('AGENT EY1 JH AH0 N T\n'),
    given: new Map([['人工', ['r', 'én', 'g', 'ōng']]]),
  };
  t.same(spell('agent', phones), { phrase: 'agent', tokens: ['EY1', 'JH', 'AH0', 'N', 'T'], text: 'AGENT' });
  t.same(spell('人工', phones), { phrase: '人工', tokens: ['r', 'én', 'g', 'ōng'], text: '人工' });
  t.match(spell('person', phones), { reason: '"person" is not in the model\'s lexicon' });
  t.match(spell('老板', phones), { reason: /give the tokens in speech\.keywordTokens/ });
  t.match(spell('人工', { ...phones, given: new Map([['人工', ['r', 'én', 'g', 'ong']]]) }), {
    reason: 'token "ong" is not in tokens.txt',
  });
  t.equal(modelingUnit(phones.tokens), 'cjkchar');
  t.match(spell('agent', { tokens: new Set(['▁AGENT']) }), {
    reason: 'the model has no bpe.model or lexicon to spell English with',
  });
});
