/**
 * Checks installed models against the manifest and their install receipts, so nothing unverified is ever handed
 * to sherpa-onnx (a corrupt file aborts the whole process, speech-models.md §1).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type InstallReceipt, RECEIPT_FILE, sha256File } from './install.js';
import { isArchive, type Manifest, type ModelEntry, pinning } from './manifest.js';

/** Why an install is loaded although nothing published vouches for it. */
export const UNVERIFIED_NOTE =
  'installed with --allow-unpinned: no published checksum vouches for it, its files are only compared with the install receipt';

/** The state of one installed model; `unverified` says why an ok model has no published checksum behind it. */
export type ModelStatus =
  | { name: string; state: 'ok'; dir: string; entry: ModelEntry; unverified?: string }
  | { name: string; state: 'missing'; reason: string; entry: ModelEntry }
  | { name: string; state: 'bad'; reason: string; entry: ModelEntry };

/** Verifies one model under `modelsDir`: files present, sizes and SHA-256 as pinned and as installed. */
export async function verifyModel(entry: ModelEntry, modelsDir: string): Promise<ModelStatus> {
  const dir = join(modelsDir, entry.name);
  const bad = (reason: string): ModelStatus => ({ name: entry.name, state: 'bad', reason, entry });
  if ((await stat(dir).catch(() => null)) === null) {
    return { name: entry.name, state: 'missing', reason: `not installed in ${dir}`, entry };
  }
  let receipt: InstallReceipt;
  try {
    receipt = JSON.parse(await readFile(join(dir, RECEIPT_FILE), 'utf8')) as InstallReceipt;
  } catch {
    return bad(`no readable install receipt ${RECEIPT_FILE} (install with linekeeper models fetch)`);
  }
  if (
    isArchive(entry.source) &&
    entry.source.sha256 !== null &&
    receipt.sourceSha256 !== entry.source.sha256
  ) {
    return bad(
      `installed from an archive with SHA-256 ${receipt.sourceSha256}, manifest pins ${entry.source.sha256}`,
    );
  }
  for (const file of entry.files) {
    const path = join(dir, file.path);
    const info = await stat(path).catch(() => null);
    if (info === null) return bad(`${file.path} (${file.role}) is missing`);
    if (info.isDirectory()) continue;
    const expected = file.sha256 ?? receipt.files[file.path]?.sha256;
    if (expected === undefined) return bad(`${file.path} has no checksum in the manifest or the receipt`);
    const size = file.size ?? receipt.files[file.path]?.size;
    if (size !== undefined && info.size !== size)
      return bad(`${file.path} is ${info.size} bytes, expected ${size}`);
    const actual = await sha256File(path);
    if (actual !== expected) return bad(`${file.path} has SHA-256 ${actual}, expected ${expected}`);
  }
  // A pin added to the manifest since an unverified install was checked above; without one, say so.
  const unverified = receipt.verifiedBy === 'unverified' && pinning(entry) === 'none';
  return {
    name: entry.name,
    state: 'ok',
    dir,
    entry,
    ...(unverified ? { unverified: UNVERIFIED_NOTE } : {}),
  };
}

/** Verifies every model of the manifest. */
export async function verifyAll(manifest: Manifest, modelsDir: string): Promise<ModelStatus[]> {
  return Promise.all(manifest.models.map((entry) => verifyModel(entry, modelsDir)));
}

/** The path of a verified model's file with the given role, if the manifest lists one. */
export function optionalModelFile(
  status: Extract<ModelStatus, { state: 'ok' }>,
  role: string,
): string | undefined {
  const file = status.entry.files.find((f) => f.role === role);
  return file === undefined ? undefined : join(status.dir, file.path);
}

/** The path of a verified model's file with the given role. */
export function modelFile(status: Extract<ModelStatus, { state: 'ok' }>, role: string): string {
  const path = optionalModelFile(status, role);
  if (path === undefined) throw new TypeError(`model ${status.name} has no file with role ${role}`);
  return path;
}
