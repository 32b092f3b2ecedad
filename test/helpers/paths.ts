/** Paths tests share: the project root, fixtures, and the shared examples beside the checkout. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(): string {
  // Two levels up from test/helpers; compiled for the benchmarks this file sits in dist/test/helpers instead.
  let dir = fileURLToPath(new URL('../../', import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return `${dir.replace(/\/$/, '')}/`;
}

/** The project root (the checkout, also when this file runs compiled from dist/). */
export const ROOT = projectRoot();
/** test/fixtures. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** shared/examples beside the checkout (as CI lays it out). */
export const SHARED_EXAMPLES = fileURLToPath(new URL('../../../shared/examples/', import.meta.url));
/** The bin script of the CLI (runs the compiled program; `npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../bin/linekeeper.js', import.meta.url));
