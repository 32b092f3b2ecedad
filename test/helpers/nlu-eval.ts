/** Intent accuracy of a classifier on a JSONL file of labelled utterances (`lang`, `text`, `intent`). */
import { readFile } from 'node:fs/promises';
import type { Lang } from '../../src/config/shop-schema.js';

/** Per-language results of an evaluation. */
export interface EvalResult {
  total: number;
  correct: number;
  /** In-scope utterances (labelled other than `none`). */
  inScope: number;
  /** In-scope utterances classified as `none`. */
  inScopeAsNone: number;
  errors: string[];
}

/** Reads labelled utterances. */
export async function readLabelled(file: string): Promise<{ lang: Lang; text: string; intent: string }[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { lang: Lang; text: string; intent: string });
}

/** Classifies every line and tallies accuracy per language. */
export async function evaluate(
  file: string,
  classify: (text: string, lang: Lang) => string | Promise<string>,
): Promise<Record<string, EvalResult>> {
  const out: Record<string, EvalResult> = {};
  for (const line of await readLabelled(file)) {
    const r = out[line.lang] ?? { total: 0, correct: 0, inScope: 0, inScopeAsNone: 0, errors: [] };
    out[line.lang] = r;
    const got = await classify(line.text, line.lang);
    r.total++;
    if (got === line.intent) r.correct++;
    else r.errors.push(`${line.text} → ${got} (want ${line.intent})`);
    if (line.intent !== 'none') {
      r.inScope++;
      if (got === 'none') r.inScopeAsNone++;
    }
  }
  return out;
}
