/**
 * Installs the generated toy models the way a box installs real ones: packed into .tar.bz2 release archives,
 * served over local HTTP, fetched and verified by `fetchModel` against a manifest that pins each file or the
 * archive. The toy transducer stands in for the streaming recognizer and the keyword model, the toy VITS voices
 * for the sherpa voices (a bilingual one like MeloTTS zh_en, an English one like piper en_US).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { silentLogger } from '../../src/log/logger.js';
import { fetchModel } from '../../src/speech/models/install.js';
import {
  findModel,
  loadManifest,
  type Manifest,
  type ModelEntry,
  type ModelKind,
} from '../../src/speech/models/manifest.js';
import { generateToyMatcha, generateToyTransducer, generateToyVits } from './toy-onnx.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The toy as a streaming recognizer in the manifest `installToyModels` returns (pinned file by file). */
export const TOY_STREAMING = 'toy-streaming-zipformer';
/** The toy as a keyword model in the manifest `installToyModels` returns (archive pinned). */
export const TOY_KWS = 'toy-kws-zipformer';

/** The toy VITS voice that speaks Chinese and English (in the manifest `installToyVoices` returns). */
export const TOY_VOICE_ZH_EN = 'toy-vits-zh_en';
/** The toy VITS voice that speaks English only. */
export const TOY_VOICE_EN = 'toy-vits-en';
/** The toy Matcha voice (acoustic model + vocoder) that speaks Mandarin only. */
export const TOY_VOICE_MATCHA_ZH = 'toy-matcha-zh';

/** Generates a toy into `dir/src/name` (returning its files by role), packs it into `name.tar.bz2` (one top
 *  directory, as sherpa releases are) and describes it. */
function toyEntry(
  dir: string,
  name: string,
  kind: ModelKind,
  pin: 'files' | 'archive',
  languages: string[],
  generate: (modelDir: string) => Record<string, string>,
) {
  const model = join(dir, 'src', name);
  mkdirSync(model, { recursive: true });
  const toy = generate(model);
  const archive = join(dir, `${name}.tar.bz2`);
  execFileSync('tar', ['-cjf', archive, '-C', join(dir, 'src'), name]);
  const bytes = readFileSync(archive);
  const files = Object.entries(toy).map(([role, path]) => ({
    role,
    path: basename(path),
    ...(pin === 'files' ? { sha256: sha256(readFileSync(path)) } : {}),
  }));
  const entry: ModelEntry = {
    name,
    kind,
    engine: 'sherpa-onnx',
    languages,
    licence: 'test',
    source: {
      url: `${kind}/${name}.tar.bz2`,
      sha256: pin === 'archive' ? sha256(bytes) : null,
      size: bytes.length,
    },
    files,
  };
  return { entry, bytes };
}

/** The parts of a tap test the installs use. */
type TestContext = { testdir(): string; teardown(fn: () => unknown): void };

/**
 * Installs the VAD and both toy models into `modelsDir`; returns the manifest that lists them. The streaming toy
 * hears speech above `threshold` mean log-mel, the keyword toy above `kwsThreshold`.
 */
export async function installToyModels(
  t: TestContext,
  modelsDir: string,
  options: { threshold?: number; kwsThreshold?: number } = {},
): Promise<Manifest> {
  const dir = t.testdir();
  const transducer = (threshold: number) => (model: string) => ({
    ...generateToyTransducer(model, threshold),
  });
  return install(t, modelsDir, [
    toyEntry(dir, TOY_STREAMING, 'asr-streaming', 'files', ['zh', 'en'], transducer(options.threshold ?? -8)),
    toyEntry(dir, TOY_KWS, 'kws', 'archive', ['zh', 'en'], transducer(options.kwsThreshold ?? -8)),
  ]);
}

/**
 * Installs the VAD and the toy VITS voices into `modelsDir` (the bilingual one pinned by archive, the English one
 * file by file), with `matcha` the toy Matcha voice too; returns the manifest that lists them.
 */
export async function installToyVoices(
  t: TestContext,
  modelsDir: string,
  options: { matcha?: boolean } = {},
): Promise<Manifest> {
  const dir = t.testdir();
  return install(t, modelsDir, [
    toyEntry(dir, TOY_VOICE_ZH_EN, 'tts', 'archive', ['zh', 'en'], (m) => ({
      ...generateToyVits(m, 'Chinese'),
    })),
    toyEntry(dir, TOY_VOICE_EN, 'tts', 'files', ['en'], (m) => ({ ...generateToyVits(m, 'English') })),
    ...(options.matcha === true
      ? [toyEntry(dir, TOY_VOICE_MATCHA_ZH, 'tts', 'files', ['zh'], (m) => ({ ...generateToyMatcha(m) }))]
      : []),
  ]);
}

/** Serves the packed toys over local HTTP and installs them with the VAD; returns their manifest. */
async function install(
  t: TestContext,
  modelsDir: string,
  toys: { entry: ModelEntry; bytes: Buffer }[],
): Promise<Manifest> {
  const served = new Map(toys.map((m) => [`/${(m.entry.source as { url: string }).url}`, m.bytes]));
  const server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const manifest: Manifest = {
    version: 1,
    baseUrl,
    models: [findModel(await loadManifest(), 'silero-vad'), ...toys.map((m) => m.entry)],
  };
  for (const entry of manifest.models) await fetchModel(entry, { modelsDir, baseUrl, log: silentLogger });
  return manifest;
}
