import { readdir, readFile } from 'node:fs/promises';
import t from 'tap';
import { simulationReport } from '../../src/cli/commands/simulate.js';
import { loadShopProfile, validateDeviceConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { IntentClassifier } from '../../src/nlu/classifier.js';
import { loadCallFile } from '../../src/simulate/call-file.js';
import type { LineEvent } from '../../src/simulate/observed-channel.js';
import { playCall } from '../../src/simulate/play-call.js';
import { ROOT, SHARED_EXAMPLES } from '../helpers/paths.js';

const CALLS = `${SHARED_EXAMPLES}calls/`;
const names = (await readdir(CALLS)).filter((f) => f.endsWith('.yaml')).sort();

t.test('the copies in examples/calls are the shared originals', async (t) => {
  t.same((await readdir(`${ROOT}examples/calls`)).filter((f) => f.endsWith('.yaml')).sort(), names);
  for (const name of [...names, 'README.md'])
    t.equal(
      await readFile(`${ROOT}examples/calls/${name}`, 'utf8'),
      await readFile(`${CALLS}${name}`, 'utf8'),
      name,
    );
});

// The same path as `linekeeper simulate --input text --json` (the CLI itself is exercised in simulate-cli.test.ts,
// audio mode in example-calls-audio.test.ts);
// in-process so that the whole set runs in seconds.
t.test('every example call passes in text mode', async (t) => {
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
  const classifier = IntentClassifier.train(shop.profile);
  t.ok(names.length >= 9, `${names.length} calls`);
  for (const name of names) {
    const call = await loadCallFile(`${CALLS}${name}`);
    const events: LineEvent[] = [];
    const played = await playCall({
      shop,
      classifier,
      call,
      input: 'text',
      speech: validateDeviceConfig({}).config.speech,
      log: silentLogger,
      onEvent: (e) => events.push(e),
    });
    const report = simulationReport(call.file, played);
    t.same(report.failures, [], name);
    t.ok(report.passed, name);
    t.same(
      report.turns.filter((turn) => turn.said !== null).map((turn) => turn.said),
      call.turns.flatMap((step) => ('say' in step ? [step.say] : [])).slice(0, report.turns.length),
      `${name}: the caller's words, as said`,
    );
    t.ok(
      events.some((e) => e.kind === 'hangup' || e.kind === 'handoff'),
      `${name}: the line ended the call or handed it over`,
    );
    for (const turn of report.turns) t.type(turn.latency_ms, 'number', `${name}: latency recorded`);
  }
});
