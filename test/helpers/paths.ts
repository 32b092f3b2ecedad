/** Paths tests share: the project root, fixtures, and the shared examples beside the checkout. */
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** test/fixtures. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** shared/examples beside the checkout (as CI lays it out). */
export const SHARED_EXAMPLES = fileURLToPath(new URL('../../../shared/examples/', import.meta.url));
/** The bin script of the CLI (runs the compiled program; `npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../bin/linekeeper.js', import.meta.url));
