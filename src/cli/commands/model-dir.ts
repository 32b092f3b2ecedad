/** Where the CLI keeps trained intent models between runs. */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** $LINEKEEPER_MODELS_DIR, else $XDG_CACHE_HOME/linekeeper/nlu, else ~/.cache/linekeeper/nlu (tmp without a home). */
export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINEKEEPER_MODELS_DIR) return env.LINEKEEPER_MODELS_DIR;
  const cache = env.XDG_CACHE_HOME ?? (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(cache, 'linekeeper', 'nlu');
}
