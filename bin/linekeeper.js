#!/usr/bin/env node
// Entry point of the `linekeeper` command: runs the compiled CLI (npm run build, done by scripts/setup.sh).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'linekeeper: the program is not built yet; run `npm run build` (scripts/setup.sh does it)\n',
  );
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv);
