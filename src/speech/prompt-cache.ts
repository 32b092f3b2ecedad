/**
 * Rendered prompts keyed by SHA-256 of voice + language + text, in memory and on disk, so every fixed prompt of
 * the shop profile (greeting, FAQ answers, address, …) starts playing at once. Filled when the profile loads;
 * a prompt rendered in an earlier run is read back from disk instead of synthesised again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lang, ShopProfile } from '../config/shop-schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** A text in a language. */
export interface Prompt {
  text: string;
  lang: Lang;
}

/** Every fixed prompt of a profile, in each of its languages. */
export function fixedPrompts(profile: ShopProfile): Prompt[] {
  const prompts: Prompt[] = [];
  for (const lang of profile.languages) {
    const texts = [profile.greeting[lang], profile.address[lang], ...profile.faq.map((f) => f.answer[lang])];
    for (const text of texts) if (text !== undefined) prompts.push({ text, lang });
  }
  return prompts;
}

/** Options of the cache. */
export interface PromptCacheOptions {
  /** Directory for rendered prompts; empty keeps them in memory only. */
  dir: string;
  /** Engine + voice per language (part of the key: a new voice never plays an old rendering). */
  voiceId: (lang: Lang) => string;
  log: Logger;
}

/** Rendered 8 kHz prompts. */
export class PromptCache {
  readonly #options: PromptCacheOptions;
  readonly #memory = new Map<string, Int16Array>();

  constructor(options: PromptCacheOptions) {
    this.#options = options;
  }

  /** The cache key of a prompt. */
  key(text: string, lang: Lang): string {
    return createHash('sha256')
      .update(`${this.#options.voiceId(lang)}\u0000${lang}\u0000${text}`)
      .digest('hex');
  }

  /** The rendered prompt, when cached in memory. */
  get(text: string, lang: Lang): Int16Array | undefined {
    return this.#memory.get(this.key(text, lang));
  }

  /** Keeps a rendering (and writes it to disk when a directory is set). */
  async put(text: string, lang: Lang, samples: Int16Array): Promise<void> {
    const key = this.key(text, lang);
    this.#memory.set(key, samples);
    if (this.#options.dir === '') return;
    try {
      await mkdir(this.#options.dir, { recursive: true });
      const file = join(this.#options.dir, `${key}.pcm`);
      // Write then rename: a crash never leaves half a prompt that would play as a cut-off sentence.
      await writeFile(`${file}.tmp`, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      await rename(`${file}.tmp`, file);
    } catch (e) {
      this.#options.log.warn(`prompt cache: cannot write to ${this.#options.dir}: ${describeError(e)}`);
    }
  }

  /** Loads from disk or renders every prompt not yet in memory; returns how many were rendered anew. */
  async prerender(prompts: readonly Prompt[], render: (p: Prompt) => Promise<Int16Array>): Promise<number> {
    let rendered = 0;
    for (const prompt of prompts) {
      if (this.get(prompt.text, prompt.lang) !== undefined) continue;
      const key = this.key(prompt.text, prompt.lang);
      if (this.#options.dir !== '') {
        const bytes = await readFile(join(this.#options.dir, `${key}.pcm`)).catch(() => undefined);
        if (bytes !== undefined && bytes.length % 2 === 0 && bytes.length > 0) {
          const copy = new Uint8Array(bytes);
          this.#memory.set(key, new Int16Array(copy.buffer, 0, copy.length / 2));
          continue;
        }
      }
      await this.put(prompt.text, prompt.lang, await render(prompt));
      rendered++;
    }
    return rendered;
  }
}

/** Splits a reply into sentences (English and Chinese punctuation), so the first can play while the rest render. */
export function splitSentences(text: string): string[] {
  return (text.match(/[^.!?。！？；;]+[.!?。！？；;]*/g) ?? [text])
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
