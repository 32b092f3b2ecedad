/**
 * Spells phrases of the shop profile in the tokens of a sherpa transducer model, as sherpa's text2token does:
 * Chinese characters stay characters, or become pinyin pieces (initial + tonal final, text2token's `ppinyin`) when
 * the model's Chinese units are pinyin; English words become sentencepiece pieces (the max-score segmentation over
 * bpe.model that sherpa's own ssentencepiece runs for hotwords) or lexicon phones (the en.phone of a phone+ppinyin
 * keyword model). Tokens the operator gives for a phrase win. A phrase the model cannot spell is dropped with the
 * reason: an unknown token in a keywords list stops sherpa's spotter from starting.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * pinyin-pro, loaded on first use: its dictionary costs ~28 MB RSS (measured), and the speech worker imports this module only to
 * read bpe.model, so only a process that spells Chinese for a pinyin model pays for it.
 */
let pinyinPro: typeof import('pinyin-pro') | undefined;
function pinyinOf(han: string) {
  pinyinPro ??= createRequire(import.meta.url)('pinyin-pro') as typeof import('pinyin-pro');
  return pinyinPro.pinyin(han, { type: 'all', toneSandhi: false });
}

/** What a model can spell with. */
export interface Vocabulary {
  /** Symbols of tokens.txt. */
  tokens: ReadonlySet<string>;
  /** Normal sentencepiece pieces and their scores (bpe.model), when the model ships one. */
  pieces?: ReadonlyMap<string, number>;
  /** Word (lower case) → tokens, when the model ships a lexicon (en.phone). */
  lexicon?: ReadonlyMap<string, readonly string[]>;
  /** Phrase → tokens given by the operator; they win over the spelling derived here. */
  given?: ReadonlyMap<string, readonly string[]>;
}

/** A phrase in the model's tokens, or why it cannot be spelled. */
export type Spelling =
  | { phrase: string; tokens: string[]; text: string }
  | { phrase: string; reason: string };

/** One piece of a sentencepiece model. */
export interface SentencePiece {
  piece: string;
  score: number;
  /** 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte. */
  type: number;
}

/** The symbols of a tokens.txt (`symbol id` per line; the symbol may itself be a space-free piece). */
export function parseTokens(text: string): Set<string> {
  const tokens = new Set<string>();
  for (const line of text.split('\n')) {
    const symbol = line.replace(/\s+\d+\s*$/, '');
    if (symbol !== '' && symbol !== line) tokens.add(symbol);
  }
  return tokens;
}

function readVarint(bytes: Uint8Array, at: { i: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at.i++];
    if (byte === undefined) throw new TypeError('truncated varint');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
    shift += 7;
  }
}

/** Calls `onField` for each field of one protobuf message (enough of protobuf for sentencepiece's ModelProto). */
function forEachField(
  bytes: Uint8Array,
  onField: (field: number, wire: number, value: number | Uint8Array) => void,
): void {
  const at = { i: 0 };
  while (at.i < bytes.length) {
    const key = readVarint(bytes, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) onField(field, wire, readVarint(bytes, at));
    else if (wire === 1) at.i += 8;
    else if (wire === 5) {
      onField(field, wire, bytes.subarray(at.i, at.i + 4));
      at.i += 4;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      onField(field, wire, bytes.subarray(at.i, at.i + length));
      at.i += length;
    } else throw new TypeError(`unsupported protobuf wire type ${wire}`);
    if (at.i > bytes.length) throw new TypeError('truncated protobuf field');
  }
}

/** The pieces of a sentencepiece `bpe.model` (ModelProto field 1: piece = 1, score = 2, type = 3). */
export function parseSentencePieceModel(bytes: Uint8Array): SentencePiece[] {
  const pieces: SentencePiece[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  forEachField(bytes, (field, wire, value) => {
    if (field !== 1 || wire !== 2) return;
    const piece: SentencePiece = { piece: '', score: 0, type: 1 };
    forEachField(value as Uint8Array, (f, w, v) => {
      if (f === 1 && w === 2) piece.piece = decoder.decode(v as Uint8Array);
      else if (f === 2 && w === 5) {
        const b = v as Uint8Array;
        piece.score = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
      } else if (f === 3 && w === 0) piece.type = v as number;
    });
    pieces.push(piece);
  });
  if (pieces.length === 0) throw new TypeError('no sentencepiece pieces found (is this a bpe.model?)');
  return pieces;
}

/** The `piece score` lines sherpa reads as `bpeVocab` (what sentencepiece's vocabulary export writes). */
export function bpeVocabText(pieces: readonly SentencePiece[]): string {
  return pieces.map((p) => `${p.piece} ${p.score}\n`).join('');
}

/** A lexicon such as en.phone: `WORD tok tok …` per line; the first pronunciation of a word wins. */
export function parseLexicon(text: string): Map<string, string[]> {
  const lexicon = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [word, ...tokens] = line.trim().split(/\s+/);
    if (word && tokens.length > 0 && !lexicon.has(word.toLowerCase()))
      lexicon.set(word.toLowerCase(), tokens);
  }
  return lexicon;
}

/** Reads what a model directory offers to spell with. */
export async function readVocabulary(
  files: { tokens: string; bpeModel?: string; lexicon?: string },
  given: Readonly<Record<string, string>> = {},
): Promise<Vocabulary> {
  const tokens = parseTokens(await readFile(files.tokens, 'utf8'));
  const pieces =
    files.bpeModel === undefined
      ? undefined
      : new Map(
          parseSentencePieceModel(await readFile(files.bpeModel))
            .filter((p) => p.type === 1 || p.type === 4)
            .map((p) => [p.piece, p.score]),
        );
  const lexicon =
    files.lexicon === undefined ? undefined : parseLexicon(await readFile(files.lexicon, 'utf8'));
  const spelled = new Map(Object.entries(given).map(([phrase, t]) => [phrase, t.trim().split(/\s+/)]));
  return {
    tokens,
    ...(pieces ? { pieces } : {}),
    ...(lexicon ? { lexicon } : {}),
    ...(spelled.size > 0 ? { given: spelled } : {}),
  };
}

/** How the model writes English: upper case (icefall LibriSpeech pieces) unless its pieces are all lower case. */
function upperCase(vocabulary: Vocabulary): boolean {
  const letters = [...vocabulary.tokens].filter((t) => !t.startsWith('<')).join('');
  return /[A-Z]/.test(letters) || !/[a-z]/.test(letters);
}

/** The max-score segmentation of `text` into pieces (sherpa's ssentencepiece), or undefined when none covers it. */
function segmentPieces(text: string, pieces: ReadonlyMap<string, number>): string[] | undefined {
  const chars = [...text];
  const best: { score: number; from: number; piece: string }[] = [{ score: 0, from: -1, piece: '' }];
  for (let end = 1; end <= chars.length; end++) {
    let pick: { score: number; from: number; piece: string } | undefined;
    for (let start = 0; start < end; start++) {
      const before = best[start];
      if (before === undefined || before.score === Number.NEGATIVE_INFINITY) continue;
      const piece = chars.slice(start, end).join('');
      const score = pieces.get(piece);
      if (score !== undefined && (pick === undefined || before.score + score > pick.score)) {
        pick = { score: before.score + score, from: start, piece };
      }
    }
    best[end] = pick ?? { score: Number.NEGATIVE_INFINITY, from: -1, piece: '' };
  }
  if ((best[chars.length]?.score ?? Number.NEGATIVE_INFINITY) === Number.NEGATIVE_INFINITY) return undefined;
  const out: string[] = [];
  for (let at = chars.length; at > 0; ) {
    const step = best[at] as { from: number; piece: string };
    out.unshift(step.piece);
    at = step.from;
  }
  return out;
}

/** A final with a tone mark, as text2token's `ppinyin` writes them (`ōng`, `iǎo`, `üè`). */
const TONAL_FINAL = /^[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*$/u;

/**
 * Initials as text2token splits them (pypinyin `to_initials(strict=False)`): y and w count as initials, so 要 is
 * `y ào` and 我 `w ǒ`; zh/ch/sh come before z/c/s.
 */
const INITIAL = /^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(.*)$/u;

/** How a model writes Chinese: one token per character, or pinyin pieces (a tonal final such as `ōng` is a token). */
export function chineseUnits(tokens: ReadonlySet<string>): 'characters' | 'pinyin' {
  let pinyinPiece = false;
  for (const token of tokens) {
    if (/^\p{Script=Han}$/u.test(token)) return 'characters';
    if (TONAL_FINAL.test(token)) pinyinPiece = true;
  }
  return pinyinPiece ? 'pinyin' : 'characters';
}

/**
 * Chinese characters in pinyin pieces: each syllable (read in context by pinyin-pro, without tone sandhi, as
 * pypinyin reads it for text2token) becomes its initial, if any, and its tonal final (`转人工` → `zh uǎn r én g ōng`).
 */
function pinyinPieces(han: string, tokens: ReadonlySet<string>): string[] | { reason: string } {
  const pieces: string[] = [];
  for (const { origin, pinyin: syllable } of pinyinOf(han)) {
    if (syllable === '') return { reason: `no pinyin is known for "${origin}"` };
    const [, initial = '', final = ''] = INITIAL.exec(syllable.normalize('NFC')) ?? [];
    for (const piece of [initial, final]) {
      if (piece === '') continue;
      if (!tokens.has(piece)) {
        return {
          reason: `the model has no token "${piece}" for ${origin} (${syllable}): give the tokens in speech.keywordTokens`,
        };
      }
      pieces.push(piece);
    }
  }
  return pieces;
}

/** How `spell` may spell. */
export interface SpellOptions {
  /**
   * Whether Chinese may become pinyin pieces on a pinyin-unit model (default true). Hotwords say false: sherpa
   * re-spells hotword text itself and knows no pinyin, so such a phrase is left out instead.
   */
  pinyin?: boolean;
}

/** Spells one phrase in the model's tokens. */
export function spell(phrase: string, vocabulary: Vocabulary, options: SpellOptions = {}): Spelling {
  const given = vocabulary.given?.get(phrase.trim());
  const upper = upperCase(vocabulary);
  const units = chineseUnits(vocabulary.tokens);
  const tokens: string[] = [];
  const words: string[] = [];
  if (given !== undefined) tokens.push(...given);
  else {
    for (const part of phrase.match(/\p{Script=Han}+|[A-Za-z0-9']+/gu) ?? []) {
      if (/\p{Script=Han}/u.test(part)) {
        if (units === 'pinyin') {
          if (options.pinyin === false) {
            return {
              phrase,
              reason: 'the model spells Chinese in pinyin, which sherpa cannot derive from hotword text',
            };
          }
          const pieces = pinyinPieces(part, vocabulary.tokens);
          if ('reason' in pieces) return { phrase, reason: pieces.reason };
          tokens.push(...pieces);
        } else {
          const missing = [...part].find((char) => !vocabulary.tokens.has(char));
          if (missing !== undefined) return { phrase, reason: `the model has no token for "${missing}"` };
          tokens.push(...part);
        }
        words.push(part);
        continue;
      }
      const word = upper ? part.toUpperCase() : part.toLowerCase();
      const spelled =
        vocabulary.lexicon !== undefined
          ? vocabulary.lexicon.get(part.toLowerCase())
          : vocabulary.pieces !== undefined
            ? segmentPieces(`▁${word}`, vocabulary.pieces)
            : undefined;
      if (spelled === undefined) {
        return {
          phrase,
          reason:
            vocabulary.lexicon !== undefined
              ? `"${part}" is not in the model's lexicon`
              : vocabulary.pieces !== undefined
                ? `"${part}" cannot be spelled with the model's pieces`
                : 'the model has no bpe.model or lexicon to spell English with',
        };
      }
      tokens.push(...spelled);
      words.push(word);
    }
  }
  if (tokens.length === 0) return { phrase, reason: 'nothing to spell' };
  const unknown = tokens.find((t) => !vocabulary.tokens.has(t));
  if (unknown !== undefined) return { phrase, reason: `token "${unknown}" is not in tokens.txt` };
  return { phrase, tokens, text: given === undefined ? words.join(' ') : phrase.trim() };
}

/** How sherpa must split hotword text for this model (`modelingUnit`). */
export function modelingUnit(tokens: ReadonlySet<string>): 'cjkchar' | 'bpe' | 'cjkchar+bpe' {
  let cjk = false;
  let bpe = false;
  for (const token of tokens) {
    if (/^\p{Script=Han}$/u.test(token)) cjk = true;
    else if (token.startsWith('▁')) bpe = true;
  }
  return cjk && bpe ? 'cjkchar+bpe' : bpe ? 'bpe' : 'cjkchar';
}
