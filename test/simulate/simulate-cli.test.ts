import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const dir = await mkdtemp(join(tmpdir(), 'lk-sim-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const shop = ['--shop', `${SHARED_EXAMPLES}shop-bakery.yaml`, '--models', join(dir, 'models')];

t.test('a call whose expectations fail exits 1 and names each failed check', async (t) => {
  const file = join(dir, 'wrong.yaml');
  await writeFile(
    file,
    [
      'caller: "+8613700003333"',
      'at: "2026-11-23T10:15:00+08:00"',
      'lang: en',
      'turns:',
      '  - say: "where is your shop"',
      'expect:',
      '  intents: [hours]',
      '  outcome: booking',
      '  reply_mentions: ["22:00"]',
      '',
    ].join('\n'),
  );
  const result = await runCli(['simulate', ...shop, '--call', file, '--json']);
  t.equal(result.code, 1);
  const report = JSON.parse(result.stdout) as {
    failures: string[];
    turns: { intent: string; reply: string }[];
  };
  t.match(report.failures, [
    /^intents\[0\]: expected hours, got location/,
    /^outcome: expected booking, got resolved/,
    /^reply_mentions: no reply states "22:00"/,
  ]);
  t.match(report.turns[0], { intent: 'location', reply: /Wenhua Road/ });
});

t.test('a readable transcript without --json', async (t) => {
  const result = await runCli(['simulate', ...shop, '--call', `${SHARED_EXAMPLES}calls/hours-en.yaml`]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /caller › hi what time do you close today/);
  t.match(result.stdout, /line {3}› We're open now until 19:00 today/);
  t.match(result.stdout, /expectations: all met/);
});

t.test('--log-level debug logs each turn on stderr with its frustration by signal', async (t) => {
  const call = ['--call', `${SHARED_EXAMPLES}calls/hours-en.yaml`, '--json'];
  const result = await runCli(['simulate', ...shop, ...call, '--log-level', 'debug']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stderr, /turn: hours [\d.]+ frustration [\d.]+ .*words=[\d.]+ voice=0 tag=0/);
  JSON.parse(result.stdout);
  const wrong = await runCli(['simulate', ...shop, ...call, '--log-level', 'loud']);
  t.not(wrong.code, 0);
  t.match(wrong.stderr, /--log-level "loud": expected one of error, warn, info, debug, trace/);
});

t.test('a broken call file names its problems', async (t) => {
  const file = join(dir, 'broken.yaml');
  await writeFile(
    file,
    'caller: "12345"\nat: someday\nturns:\n  - shout: hello\nexpect:\n  outcome: happy\n',
  );
  const broken = await runCli(['simulate', ...shop, '--call', file]);
  t.equal(broken.code, 78);
  t.match(broken.stderr, /caller: "12345" is not an E\.164 number/);
  t.match(broken.stderr, /at: "someday" is not an ISO 8601 time/);
  t.match(broken.stderr, /turns\[0\]: expected one of say, dtmf/);
  t.match(broken.stderr, /expect\.outcome: must be one of/);
});
