/** Where the CLI keeps trained intent models between runs, and the speech models of a development checkout. */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `scripts/setup.sh --dev` installs the verified speech models of a development checkout. */
export const DEV_SPEECH_MODELS = fileURLToPath(new URL('../../../../models/installed', import.meta.url));

/** $LINEKEEPER_MODELS_DIR, else $XDG_CACHE_HOME/linekeeper/nlu, else ~/.cache/linekeeper/nlu (tmp without a home). */
export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINEKEEPER_MODELS_DIR) return env.LINEKEEPER_MODELS_DIR;
  const cache = env.XDG_CACHE_HOME ?? (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(cache, 'linekeeper', 'nlu');
}
