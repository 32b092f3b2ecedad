import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/log/logger.js';
import { RecordCipher } from '../../src/privacy/cipher.js';
import { loadKeyFile } from '../../src/privacy/key-file.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { RecordStore } from '../../src/store/record-store.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';
import { makeRecord, tempDir } from '../helpers/store.js';

t.test('keys init, then calls list, show, export (plain and redacted) and purge', async (t) => {
  const dir = await tempDir(t, 'lk-cli-calls-');
  const keyFile = join(dir, 'keys', 'records.key');
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      'version: 1',
      'device: { id: shop-0001 }',
      `shopProfile: ${join(ROOT, 'examples', 'shop-bakery.yaml')}`,
      `storage: { dataDir: ${join(dir, 'data')}, minFreeMb: 10 }`,
      `privacy: { encryptionKeyFile: ${keyFile}, callerHashSalt: fleet-salt }`,
      '',
    ].join('\n'),
  );
  const init = await runCli(['keys', 'init', '--config', config]);
  t.equal(init.code, 0, init.stderr);
  t.equal((await stat(keyFile)).mode & 0o777, 0o600);
  const again = await runCli(['keys', 'init', '--config', config]);
  t.equal(again.code, 1);
  t.match(again.stderr, /already exists/);

  const keys = await loadKeyFile(keyFile);
  const store = await RecordStore.open({
    dataDir: join(dir, 'data'),
    cipher: new RecordCipher(keys.recordsKey),
    log: silentLogger,
    minFreeMb: 10,
  });
  const old = makeRecord({ startedAt: '2026-09-01T08:00:00.000Z' });
  const recent = makeRecord({ startedAt: '2026-11-20T08:00:00.000Z', callerNumber: null });
  await store.put(old);
  await store.put(recent);
  await store.close();

  const list = await runCli(['calls', 'list', '--config', config]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, new RegExp(`${old.id}.*message.*\\+447700900123`));
  t.match(list.stdout, new RegExp(`${recent.id}.*withheld`));

  const show = await runCli(['calls', 'show', old.id, '--config', config, '--redacted']);
  t.equal(show.code, 0, show.stderr);
  const shown = JSON.parse(show.stdout) as CallRecord & { callerHash: string };
  t.equal(shown.callerNumber, null);
  t.match(shown.turns[0]?.transcript, /\[PHONE\]/);
  const missing = await runCli(['calls', 'show', 'NOPE', '--config', config]);
  t.match(missing.stderr, /no call record with id NOPE/);

  const exported = await runCli(['calls', 'export', '--config', config]);
  const lines = exported.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CallRecord);
  t.same(
    lines.map((r) => r.id),
    [old.id, recent.id],
  );
  t.same(lines[0], old, 'export is the CallRecord as kept');
  const redacted = await runCli([
    'calls',
    'export',
    '--config',
    config,
    '--redacted',
    '--since',
    '2026-11-01',
  ]);
  t.equal(redacted.stdout.trim().split('\n').length, 1);
  t.notMatch(redacted.stdout, /07700/);

  // The owner report reads the same records straight from the box's store.
  const digestFile = join(dir, 'digest.json');
  const report = await runCli([
    'report',
    '--config',
    config,
    '--since',
    '2026-11-01',
    '--now',
    '2026-11-23T12:00:00Z',
    '--out',
    join(dir, 'report.html'),
    '--digest',
    digestFile,
  ]);
  t.equal(report.code, 0, report.stderr);
  const digest = JSON.parse(await readFile(digestFile, 'utf8')) as { calls: { total: number } };
  t.equal(digest.calls.total, 1, 'the one call since November');

  const bad = await runCli(['calls', 'purge', '--config', config]);
  t.match(bad.stderr, /exactly one of --id, --before or --all/);
  const purge = await runCli(['calls', 'purge', '--config', config, '--before', '2026-10-01']);
  t.match(purge.stdout, /purged 1 call record/);
  const after = await runCli(['calls', 'export', '--config', config]);
  t.equal(after.stdout.trim().split('\n').length, 1);
});
