/**
 * Installs the generated toy transducer as a streaming recognizer and as a keyword model the way a box installs
 * real ones: packed into .tar.bz2 release archives, served over local HTTP, fetched and verified by
 * `fetchModel` against a manifest that pins each file (the streaming one) or the archive (the keyword one).
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
import { generateToyTransducer } from './toy-onnx.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The toy as a streaming recognizer in the manifest `installToyModels` returns (pinned file by file). */
export const TOY_STREAMING = 'toy-streaming-zipformer';
/** The toy as a keyword model in the manifest `installToyModels` returns (archive pinned). */
export const TOY_KWS = 'toy-kws-zipformer';

/** Packs the toy into `name.tar.bz2` (one top directory, as sherpa releases are) and describes it. */
function toyEntry(dir: string, name: string, kind: ModelKind, pin: 'files' | 'archive', threshold: number) {
  const model = join(dir, 'src', name);
  mkdirSync(model, { recursive: true });
  const toy = generateToyTransducer(model, threshold);
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
    languages: ['zh', 'en'],
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

/**
 * Installs the VAD and both toy models into `modelsDir`; returns the manifest that lists them. The streaming toy
 * hears speech above `threshold` mean log-mel, the keyword toy above `kwsThreshold`.
 */
export async function installToyModels(
  t: { testdir(): string; teardown(fn: () => unknown): void },
  modelsDir: string,
  options: { threshold?: number; kwsThreshold?: number } = {},
): Promise<Manifest> {
  const dir = t.testdir();
  const streaming = toyEntry(dir, TOY_STREAMING, 'asr-streaming', 'files', options.threshold ?? -8);
  const kws = toyEntry(dir, TOY_KWS, 'kws', 'archive', options.kwsThreshold ?? -8);
  const served = new Map(
    [streaming, kws].map((m) => [`/${(m.entry.source as { url: string }).url}`, m.bytes]),
  );
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
    models: [findModel(await loadManifest(), 'silero-vad'), streaming.entry, kws.entry],
  };
  for (const entry of manifest.models) await fetchModel(entry, { modelsDir, baseUrl, log: silentLogger });
  return manifest;
}
