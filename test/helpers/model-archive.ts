/**
 * A small speech model release archive served over local HTTP, and a manifest that lists it: what the model
 * installer (`linekeeper models fetch`, the fleet's `models.install`) downloads, verifies and unpacks in tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Manifest } from '../../src/speech/models/manifest.js';

/** Builds a small model archive (`tiny-model.tar.bz2`) the way sherpa-onnx releases are laid out: one top directory. */
export function makeArchive(dir: string): Buffer {
  const model = join(dir, 'src', 'tiny-model');
  execFileSync('mkdir', ['-p', model]);
  // Pseudo-random content (xorshift32, so every run builds the same archive) that bzip2 cannot shrink: the archive
  // stays ~200 KB, arrives in several chunks and can be cut in the middle.
  const bytes = Buffer.alloc(200_000);
  let x = 2463534242;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  writeFileSync(join(model, 'model.onnx'), bytes);
  writeFileSync(join(model, 'tokens.txt'), '<blk> 0\nYES 1\n');
  const archive = join(dir, 'tiny-model.tar.bz2');
  execFileSync('tar', ['-cjf', archive, '-C', join(dir, 'src'), 'tiny-model']);
  return readFileSync(archive);
}

/** The server: its base URL, the requests it got, and a switch to cut responses short. */
export interface Served {
  baseUrl: string;
  requests: { url: string; range: string | undefined }[];
  /** Cut the next N responses after half the body. */
  cutNext: number;
}

/** Serves `archive` as `/asr-models/tiny-model.tar.bz2` (with Range requests) until the test ends. */
export async function serve(
  t: { teardown(fn: () => Promise<void>): void },
  archive: Buffer,
): Promise<Served> {
  const served: Served = { baseUrl: '', requests: [], cutNext: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    served.requests.push({ url: req.url ?? '', range: req.headers.range });
    if (req.url !== '/asr-models/tiny-model.tar.bz2') {
      res.writeHead(404).end();
      return;
    }
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const body = archive.subarray(start);
    res.writeHead(match ? 206 : 200, {
      'content-length': body.length,
      ...(match ? { 'content-range': `bytes ${start}-${archive.length - 1}/${archive.length}` } : {}),
    });
    if (served.cutNext > 0) {
      served.cutNext--;
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  served.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return served;
}

/** A manifest listing the archive as `tiny-model`, pinned with `sha256` (default: its real SHA-256). */
export function manifestFor(
  archive: Buffer,
  sha256 = createHash('sha256').update(archive).digest('hex'),
): Manifest {
  return {
    version: 1,
    baseUrl: 'https://example.invalid/never-used',
    models: [
      {
        name: 'tiny-model',
        kind: 'asr-offline',
        engine: 'sherpa-onnx',
        languages: ['en'],
        licence: 'test',
        source: { url: 'asr-models/tiny-model.tar.bz2', sha256, size: archive.length },
        files: [
          { role: 'model', path: 'model.onnx' },
          { role: 'tokens', path: 'tokens.txt' },
        ],
      },
    ],
  };
}
