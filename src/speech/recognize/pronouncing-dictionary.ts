/**
 * The CMU pronouncing dictionary that pocketsphinx decodes with, and the reduced copy each decoder loads: only
 * the words of its language model, so a decoder starts in a fraction of the time and memory of the full 134k
 * words. A word the dictionary lacks but that splits into two words it has ("wechat" = "we" + "chat") is
 * pronounced as the two in a row, so shop words like payment brands can still be heard.
 */
import { readFile } from 'node:fs/promises';

/** Where Debian's pocketsphinx-en-us puts its pronouncing dictionary. */
export const POCKETSPHINX_DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

/** Word → its pronunciations (phone strings), in dictionary order. */
export type PronouncingDictionary = ReadonlyMap<string, readonly string[]>;

/** Reads a CMU-style dictionary (`word(2)` lines are further pronunciations of `word`). */
export async function readPronouncingDictionary(file = POCKETSPHINX_DICT): Promise<PronouncingDictionary> {
  const dictionary = new Map<string, string[]>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const word = line.slice(0, space).replace(/\(\d+\)$/, '');
    const phones = line.slice(space + 1).trim();
    if (phones === '') continue;
    const known = dictionary.get(word);
    if (known === undefined) dictionary.set(word, [phones]);
    else known.push(phones);
  }
  return dictionary;
}

/** The pronunciations of a word: its own, else those of the two dictionary words it is made of. */
export function pronounce(dictionary: PronouncingDictionary, word: string): readonly string[] | undefined {
  const own = dictionary.get(word);
  if (own !== undefined) return own;
  // Both parts at least two letters, so that a stray "a" or "i" does not make any word "pronounceable".
  for (let cut = 2; cut <= word.length - 2; cut++) {
    const first = dictionary.get(word.slice(0, cut));
    const second = dictionary.get(word.slice(cut));
    if (first !== undefined && second !== undefined) return [`${first[0]} ${second[0]}`];
  }
  return undefined;
}

/** Dictionary text for pocketsphinx (`-dict`) covering exactly `words`; throws on a word it cannot pronounce. */
export function dictionaryText(dictionary: PronouncingDictionary, words: Iterable<string>): string {
  const lines: string[] = [];
  for (const word of [...new Set(words)].sort()) {
    const phones = pronounce(dictionary, word);
    if (phones === undefined) throw new TypeError(`no pronunciation for "${word}"`);
    lines.push(...phones.map((p, i) => (i === 0 ? `${word} ${p}` : `${word}(${i + 1}) ${p}`)));
  }
  return `${lines.join('\n')}\n`;
}
