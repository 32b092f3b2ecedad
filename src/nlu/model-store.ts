/**
 * Keeps trained intent models on disk, quantized, keyed by the profile's hash and the training-data fingerprint,
 * so that a reboot loads the model instead of retraining, and a changed profile (or a new release's training
 * data) trains afresh. Files are written atomically; a damaged file is replaced by a fresh training.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedShop } from '../config/load.js';
import type { Lang } from '../config/shop-schema.js';
import type { Logger } from '../log/logger.js';
import { IntentClassifier, type StoredLanguageModel } from './classifier.js';
import { trainingFingerprint } from './training-set.js';

const FORMAT = 1;

interface StoredFile {
  format: number;
  key: string;
  trainedMs: number;
  models: Partial<Record<Lang, StoredLanguageModel>>;
}

/** How a classifier was obtained. */
export interface LoadedClassifier {
  classifier: IntentClassifier;
  /** `stored`: read from disk; `trained`: trained now (and stored). */
  source: 'stored' | 'trained';
  /** Time to train or load, ms. */
  ms: number;
  /** The model file. */
  file: string;
}

/** The key a profile's model is stored under. */
export function modelKey(shop: Pick<LoadedShop, 'hash'>): string {
  return createHash('sha256').update(`${shop.hash}:${trainingFingerprint()}`).digest('hex').slice(0, 24);
}

/** Loads the profile's model from `dir`, or trains and stores it. Older models in `dir` are removed. */
export async function loadOrTrain(
  shop: Pick<LoadedShop, 'hash' | 'profile'>,
  dir: string,
  logger?: Logger,
): Promise<LoadedClassifier> {
  const start = performance.now();
  const key = modelKey(shop);
  const file = join(dir, `nlu-${key}.json`);
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as StoredFile;
    if (stored.format !== FORMAT || stored.key !== key)
      throw new Error(`format ${stored.format}, key ${stored.key}`);
    const classifier = new IntentClassifier(stored.models);
    return { classifier, source: 'stored', ms: performance.now() - start, file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      logger?.warn(`stored intent model ${file} is unusable, training again: ${(e as Error).message}`);
  }
  const classifier = IntentClassifier.train(shop.profile);
  const trainedMs = performance.now() - start;
  await mkdir(dir, { recursive: true });
  const body: StoredFile = { format: FORMAT, key, trainedMs, models: classifier.stored };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(body));
  await rename(tmp, file);
  for (const name of await readdir(dir))
    if (/^nlu-[0-9a-f]+\.json$/.test(name) && name !== `nlu-${key}.json`)
      await rm(join(dir, name), { force: true });
  logger?.info(`trained the intent model in ${Math.round(trainedMs)} ms`, { file });
  return { classifier, source: 'trained', ms: trainedMs, file };
}
