import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { isLinekeeperError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { fetchModel, RECEIPT_FILE } from '../../src/speech/models/install.js';
import {
  defaultManifestPath,
  findModel,
  isArchive,
  loadManifest,
  type Manifest,
  pinning,
} from '../../src/speech/models/manifest.js';
import { verifyAll, verifyModel } from '../../src/speech/models/verify.js';
import { runCli } from '../helpers/cli.js';
import { makeArchive, manifestFor, serve } from '../helpers/model-archive.js';

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'info', write: (l) => lines.push(l) }) };
}

t.test(
  'the shipped manifest is valid and pins every model (models/README.md says where each pin comes from)',
  async (t) => {
    const manifest = await loadManifest();
    const vad = findModel(manifest, 'silero-vad');
    t.match(vad.files[0], { sha256: /^[0-9a-f]{64}$/, size: 2327524 });
    t.ok(manifest.models.some((m) => m.kind === 'asr-streaming'));
    t.throws(() => findModel(manifest, 'nope'), /no model named "nope" in the manifest; known: silero-vad/);
    for (const m of manifest.models) {
      t.not(pinning(m), 'none', `${m.name} is pinned`);
      if (isArchive(m.source)) t.type(m.source.size, 'number', `${m.name}: archive size known`);
    }
    const kws = findModel(manifest, 'sherpa-onnx-kws-zipformer-zh-en-3M-2025-12-20');
    t.match(kws.source, { size: 32885699 }, 'the archive size, not the 40,744,741 bytes it unpacks to');
    t.same(
      findModel(manifest, 'sherpa-onnx-streaming-zipformer-small-bilingual-zh-en-2023-02-16').files.map(
        (f) => f.role,
      ),
      ['encoder', 'decoder', 'joiner', 'tokens', 'bpeModel'],
    );
  },
);

t.test(
  'an interrupted download resumes with a Range request, is verified, unpacked and installed',
  async (t) => {
    const dir = t.testdir();
    const archive = makeArchive(dir);
    const server = await serve(t, archive);
    server.cutNext = 1;
    const modelsDir = join(dir, 'models');
    const { lines, log } = capture();
    const entry = manifestFor(archive).models[0] as Manifest['models'][number];
    const installed = await fetchModel(entry, { modelsDir, baseUrl: server.baseUrl, log, retryDelayMs: 1 });
    t.equal(installed, join(modelsDir, 'tiny-model'));
    t.equal(server.requests.length, 2);
    t.equal(server.requests[0]?.range, undefined);
    t.match(server.requests[1]?.range, /^bytes=\d+-$/, 'the second request resumes');
    t.not(server.requests[1]?.range, 'bytes=0-');
    t.match(lines.join('\n'), /interrupted at \d+ bytes.*resuming in 1 ms \(attempt 2 of 5\)/);
    t.equal(await readFile(join(installed, 'tokens.txt'), 'utf8'), '<blk> 0\nYES 1\n');
    const status = await verifyModel(entry, modelsDir);
    t.equal(status.state, 'ok');
    t.same(await readdir(join(modelsDir, '.downloads')), [], 'the partial file is gone');

    // A damaged file is found by verify.
    const model = join(installed, 'model.onnx');
    const bytes = await readFile(model);
    bytes[1000] = (bytes[1000] as number) ^ 0xff;
    await writeFile(model, bytes);
    const damaged = await verifyModel(entry, modelsDir);
    t.equal(damaged.state, 'bad');
    t.match(damaged, { reason: /model\.onnx has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}/ });

    // Fetching again replaces the damaged install atomically.
    await fetchModel(entry, { modelsDir, baseUrl: server.baseUrl, log: silentLogger, retryDelayMs: 1 });
    t.equal((await verifyModel(entry, modelsDir)).state, 'ok');
    t.same((await readdir(modelsDir)).sort(), ['.downloads', '.staging', 'tiny-model']);
    t.same(await readdir(join(modelsDir, '.staging')), []);
  },
);

t.test('a wrong checksum is refused, discarded, and nothing is installed', async (t) => {
  const dir = t.testdir();
  const archive = makeArchive(dir);
  const server = await serve(t, archive);
  const modelsDir = join(dir, 'models');
  const entry = manifestFor(archive, 'ab'.repeat(32)).models[0] as Manifest['models'][number];
  const error = await fetchModel(entry, { modelsDir, baseUrl: server.baseUrl, log: silentLogger }).catch(
    (e) => e,
  );
  t.ok(isLinekeeperError(error));
  t.match(
    error.message,
    /tiny-model: downloaded archive has SHA-256 [0-9a-f]{64}, expected abab.*; discarded \(E0401\)/,
  );
  t.same(await readdir(join(modelsDir, '.downloads')), []);
  t.equal((await verifyModel(entry, modelsDir)).state, 'missing');
});

t.test(
  'a server that keeps failing gives up after the attempts, naming the URL; 404 fails at once',
  async (t) => {
    const dir = t.testdir();
    const archive = makeArchive(dir);
    const server = await serve(t, archive);
    server.cutNext = 10;
    const entry = manifestFor(archive).models[0] as Manifest['models'][number];
    const options = {
      modelsDir: join(dir, 'm'),
      baseUrl: server.baseUrl,
      log: silentLogger,
      retryDelayMs: 1,
      attempts: 3,
    };
    const error = await fetchModel(entry, options).catch((e) => e);
    t.match(
      error.message,
      /download of http:\/\/127\.0\.0\.1:\d+\/asr-models\/tiny-model\.tar\.bz2 failed after 3 attempts/,
    );
    const before = server.requests.length;
    const missing = {
      ...entry,
      source: { url: 'asr-models/none.tar.bz2', sha256: 'ab'.repeat(32), size: null },
    };
    const notFound = await fetchModel(missing, options).catch((e) => e);
    t.match(notFound.message, /HTTP 404/);
    t.equal(server.requests.length - before, 1, '404 is not retried');
  },
);

t.test(
  'an unpinned model is refused unless the operator allows it; then it is installed marked unverified',
  async (t) => {
    const dir = t.testdir();
    const archive = makeArchive(dir);
    const server = await serve(t, archive);
    const base = manifestFor(archive).models[0] as Manifest['models'][number];
    const entry = { ...base, source: { url: 'asr-models/tiny-model.tar.bz2', sha256: null, size: null } };
    const modelsDir = join(dir, 'm');
    const options = { modelsDir, baseUrl: server.baseUrl, log: silentLogger };
    await t.rejects(
      fetchModel(entry, options),
      /model tiny-model has no SHA-256 pin in the manifest, for its archive or for all of its files; refusing to install it unverified \(linekeeper models fetch tiny-model --allow-unpinned installs it anyway/,
    );
    t.equal(server.requests.length, 0, 'nothing was downloaded');
    const { lines, log } = capture();
    await fetchModel(entry, { ...options, log, allowUnpinned: true });
    const sha = createHash('sha256').update(archive).digest('hex');
    t.match(
      lines.join('\n'),
      new RegExp(`WARN .*installed UNVERIFIED \\(--allow-unpinned\\).*archive SHA-256 is ${sha}`),
    );
    const receipt = JSON.parse(await readFile(join(modelsDir, 'tiny-model', RECEIPT_FILE), 'utf8'));
    t.equal(receipt.verifiedBy, 'unverified');
    t.match(await verifyModel(entry, modelsDir), {
      state: 'ok',
      unverified: /installed with --allow-unpinned/,
    });
    // Once the manifest pins the archive, the same install counts as verified.
    t.notOk(
      'unverified' in (await verifyModel({ ...entry, source: { ...entry.source, sha256: sha } }, modelsDir)),
    );
  },
);

t.test(
  'an archive with no pin of its own installs without a flag when each file it holds is pinned',
  async (t) => {
    const dir = t.testdir();
    const archive = makeArchive(dir);
    const server = await serve(t, archive);
    const base = manifestFor(archive).models[0] as Manifest['models'][number];
    const fileSha = (name: string) =>
      createHash('sha256')
        .update(readFileSync(join(dir, 'src', 'tiny-model', name)))
        .digest('hex');
    const entry = {
      ...base,
      source: { url: 'asr-models/tiny-model.tar.bz2', sha256: null, size: archive.length },
      files: base.files.map((f) => ({ ...f, sha256: fileSha(f.path) })),
    };
    const modelsDir = join(dir, 'm');
    const { lines, log } = capture();
    const installed = await fetchModel(entry, { modelsDir, baseUrl: server.baseUrl, log });
    t.match(
      lines.join('\n'),
      /its archive is not pinned \(SHA-256 [0-9a-f]{64}\); each unpacked file is checked against its pin/,
    );
    t.equal(JSON.parse(await readFile(join(installed, RECEIPT_FILE), 'utf8')).verifiedBy, 'files');
    t.same(await verifyModel(entry, join(dir, 'm')), {
      name: 'tiny-model',
      state: 'ok',
      dir: installed,
      entry,
    });
    // A file that does not match its pin stops the install, and the download is not kept.
    const wrong = {
      ...entry,
      files: [
        { ...(entry.files[0] as (typeof entry.files)[0]), sha256: 'cd'.repeat(32) },
        ...entry.files.slice(1),
      ],
    };
    const other = join(dir, 'other');
    await t.rejects(
      fetchModel(wrong, { modelsDir: other, baseUrl: server.baseUrl, log: silentLogger }),
      /model tiny-model: model\.onnx has SHA-256 [0-9a-f]{64}, expected cdcd/,
    );
    t.equal((await verifyModel(wrong, other)).state, 'missing');
    t.same(await readdir(join(other, '.downloads')), []);
  },
);

t.test('CLI: models fetch (npm VAD and a served archive) and models verify', async (t) => {
  const dir = t.testdir();
  const archive = makeArchive(dir);
  const server = await serve(t, archive);
  const shipped = await loadManifest(defaultManifestPath());
  const manifest = manifestFor(archive);
  manifest.models.unshift(findModel(shipped, 'silero-vad'));
  const manifestFile = join(dir, 'manifest.json');
  await writeFile(manifestFile, JSON.stringify(manifest));
  const modelsDir = join(dir, 'models');
  const common = ['--dir', modelsDir, '--manifest', manifestFile];
  manifest.models.push({
    ...(manifest.models[1] as Manifest['models'][number]),
    name: 'unpinned-model',
    source: { url: 'asr-models/unpinned.tar.bz2', sha256: null, size: null },
  });
  await writeFile(manifestFile, JSON.stringify(manifest));
  const defaults = await runCli(['models', 'fetch', ...common, '--base-url', server.baseUrl]);
  t.equal(defaults.code, 0, defaults.stderr);
  t.equal(
    defaults.stdout,
    `silero-vad: installed in ${join(modelsDir, 'silero-vad')}\n`,
    'only the default set',
  );
  const fetched = await runCli(['models', 'fetch', ...common, '--all', '--base-url', server.baseUrl]);
  t.equal(fetched.code, 0, fetched.stderr);
  t.match(fetched.stdout, /silero-vad: installed in .*\ntiny-model: installed in /);
  t.match(
    fetched.stderr,
    /unpinned-model: skipped, no published SHA-256 pins its archive or its files \(linekeeper models fetch unpinned-model --allow-unpinned installs it unverified\)/,
  );
  manifest.models.pop();
  await writeFile(manifestFile, JSON.stringify(manifest));
  const verified = await runCli(['models', 'verify', ...common, '--json']);
  t.equal(verified.code, 0, verified.stderr);
  t.same(JSON.parse(verified.stdout), [
    { name: 'silero-vad', state: 'ok' },
    { name: 'tiny-model', state: 'ok' },
  ]);
  await writeFile(join(modelsDir, 'silero-vad', 'silero_vad_v5.onnx'), 'garbage');
  const bad = await runCli(['models', 'verify', ...common]);
  t.equal(bad.code, 1);
  t.match(bad.stdout, /silero-vad: bad \(silero_vad_v5\.onnx is 7 bytes, expected 2327524\)/);
  t.match(bad.stderr, /damaged models: silero-vad; reinstall with linekeeper models fetch NAME \(E0401\)/);
  t.same(
    (await verifyAll(manifest, modelsDir)).map((s) => s.state),
    ['bad', 'ok'],
  );
});
