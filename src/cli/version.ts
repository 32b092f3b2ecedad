/** The app version from package.json, for `--version`, telemetry and the fleet. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The version in the package.json of this installation. */
export function version(): string {
  if (cached === undefined) {
    // dist/src/cli and src/cli both sit below the package root; walk up until package.json is found.
    let dir = new URL('.', import.meta.url);
    for (let i = 0; i < 5 && cached === undefined; i++) {
      try {
        cached = String(
          JSON.parse(readFileSync(fileURLToPath(new URL('package.json', dir)), 'utf8')).version,
        );
      } catch {
        dir = new URL('..', dir);
      }
    }
  }
  return cached ?? '0.0.0';
}
