/**
 * Every English example call in audio mode, through `linekeeper simulate --input audio --json`: the caller's
 * turns are rendered by flite and spoken into the virtual modem as 8 kHz line audio, and the daemon's own line,
 * speech worker (Silero VAD, pocketsphinx with the shop's language model, flite) and conversation answer them.
 * Slow (up to a minute and a half a call, in real time), so the calls run one after another in this one file.
 * `npm run soak:audio-calls` plays the set LINEKEEPER_AUDIO_CALL_ROUNDS times over (5) to check it stays reliable.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadCallFile } from '../../src/simulate/call-file.js';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { installVad } from '../helpers/speech.js';

const CALLS = `${SHARED_EXAMPLES}calls/`;
const english: string[] = [];
for (const name of (await readdir(CALLS)).filter((f) => f.endsWith('.yaml')).sort())
  if ((await loadCallFile(`${CALLS}${name}`)).lang === 'en') english.push(name);
const rounds = Number(process.env.LINEKEEPER_AUDIO_CALL_ROUNDS ?? 1);
// Each call runs in real time (greetings, replies, the caller's pauses): allow well over its minute.
t.setTimeout(rounds * english.length * 150_000);

const dir = await mkdtemp(join(tmpdir(), 'lk-audio-calls-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const speechModels = join(dir, 'speech-models');
await installVad(speechModels);

interface Report {
  passed: boolean;
  failures: string[];
  turns: { said: string | null; recognised: string | null; intent: string | null; reply: string }[];
  outcome: string;
  escalation: { reason: string } | null;
}

t.ok(english.length >= 4, `English calls: ${english.join(', ')}`);
for (let round = 1; round <= rounds; round++) {
  for (const name of english) {
    t.test(`${name} passes in audio mode${rounds > 1 ? ` (round ${round})` : ''}`, async (t) => {
      const call = await loadCallFile(`${CALLS}${name}`);
      const result = await runCli([
        'simulate',
        '--shop',
        `${SHARED_EXAMPLES}shop-bakery.yaml`,
        '--models',
        join(dir, 'models'),
        '--call',
        call.file,
        '--input',
        'audio',
        '--speech-models',
        speechModels,
        '--json',
        // On a failure the log shows each turn's frustration by signal and the caller's measured voice.
        '--log-level',
        'debug',
      ]);
      // stdout is the report alone (logs go to stderr).
      const report = JSON.parse(result.stdout) as Report;
      // On a failure, the whole conversation as the line heard and answered it.
      const heard = report.turns
        .map((turn) => `${turn.said} → ${turn.recognised} (${turn.intent}) ⇒ ${turn.reply}`)
        .join('\n');
      const diagnostics = { log: result.stderr };
      t.same(
        report.failures,
        [],
        `${name}:\n${heard}\noutcome ${report.outcome} ${report.escalation?.reason ?? ''}`,
        diagnostics,
      );
      t.equal(result.code, 0, 'exits 0: every expectation met', diagnostics);
      // Every turn the caller spoke while the line listened was heard, and is reported with the caller's own
      // words (the line may end the call, e.g. by handing it over, before the script runs out).
      const script = call.turns.flatMap((step) => ('say' in step ? [step.say] : []));
      const spoken = report.turns.filter((turn) => turn.said !== null);
      t.same(
        spoken.map((turn) => turn.said),
        script.slice(0, spoken.length),
        'the report says what the caller said, in order',
      );
      t.ok(
        spoken.every((turn) => turn.recognised !== null),
        'the line heard every turn the caller spoke while it listened',
      );
    });
  }
}
