import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { loadOrTrain, modelKey } from '../../src/nlu/model-store.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

t.test('a trained model is stored quantized and reused; a changed profile trains again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-nlu-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);

  const first = await loadOrTrain(shop, dir, silentLogger);
  t.equal(first.source, 'trained');
  const stored = JSON.parse(await readFile(first.file, 'utf8')) as {
    models: { en: { weights: { weights: string; featureCount: number; classes: number } } };
  };
  // int8: one byte per weight.
  const en = stored.models.en.weights;
  t.equal(Buffer.from(en.weights, 'base64').length, en.featureCount * en.classes);

  const second = await loadOrTrain(shop, dir, silentLogger);
  t.equal(second.source, 'stored');
  for (const text of ['do you deliver to my office', '你们几点关门', 'I want to talk to the manager'])
    t.same(second.classifier.classify(text), first.classifier.classify(text), text);

  const changed = { ...shop, hash: 'f'.repeat(64) };
  t.not(modelKey(changed), modelKey(shop));
  const third = await loadOrTrain(changed, dir, silentLogger);
  t.equal(third.source, 'trained');
  t.same(await readdir(dir), [`nlu-${modelKey(changed)}.json`], 'the old model was removed');
});

t.test('a damaged model file is replaced by a fresh training', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-nlu-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
  await writeFile(join(dir, `nlu-${modelKey(shop)}.json`), '{"format":1,"key":');
  const warnings: string[] = [];
  const logger = createLogger({ level: 'warn', write: (line) => warnings.push(line) });
  const loaded = await loadOrTrain(shop, dir, logger);
  t.equal(loaded.source, 'trained');
  t.match(warnings.join('\n'), /unusable, training again/);
  t.equal((await loadOrTrain(shop, dir, silentLogger)).source, 'stored');
});
