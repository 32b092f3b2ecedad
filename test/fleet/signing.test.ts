import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  canonicalJson,
  type Envelope,
  generateFleetKeys,
  signEnvelope,
  verifyEnvelope,
} from '../../src/fleet/signing.js';
import { runCli } from '../helpers/cli.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const keys = generateFleetKeys();
const privateKey = createPrivateKey(keys.privatePem);
const publicKey = createPublicKey(keys.publicPem);
const now = new Date('2026-11-24T01:00:00Z');

t.test('canonical JSON sorts keys at every level', async (t) => {
  t.equal(
    canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } }),
    '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}',
  );
});

t.test('a signed envelope verifies, and every kind of tampering is refused with its reason', async (t) => {
  const envelope = signEnvelope(
    { kind: 'shop', deviceId: 'shop-0001', version: 7, payload: { yaml: 'name: x' }, now },
    privateKey,
  );
  const expect = { kind: 'shop' as const, deviceId: 'shop-0001', now };
  t.match(verifyEnvelope(envelope, publicKey, expect), { ok: true });
  // Round trip through JSON with keys in another order still verifies (canonical form).
  const reordered = JSON.parse(
    JSON.stringify(Object.fromEntries(Object.entries(envelope).reverse())),
  ) as Envelope;
  t.match(verifyEnvelope(reordered, publicKey, expect), { ok: true });

  const reason = (value: unknown, extra: object = {}) => {
    const result = verifyEnvelope(value, publicKey, { ...expect, ...extra });
    return result.ok ? 'ok' : result.reason;
  };
  t.equal(reason({ ...envelope, payload: { yaml: 'name: evil' } }), 'bad-signature', 'payload changed');
  t.equal(reason({ ...envelope, version: 8 }), 'bad-signature', 'version changed');
  const other = createPrivateKey(generateFleetKeys().privatePem);
  t.equal(
    reason(signEnvelope({ ...expect, version: 7, payload: {} }, other)),
    'bad-signature',
    'another key',
  );
  t.equal(reason({ ...envelope, sig: 'garbage' }), 'bad-signature');
  t.equal(
    reason(signEnvelope({ ...expect, deviceId: 'shop-0002', version: 7, payload: {} }, privateKey)),
    'wrong-device',
  );
  t.equal(reason(envelope, { kind: 'config' }), 'wrong-kind');
  t.equal(reason(envelope, { now: new Date(now.getTime() + 301_000) }), 'expired');
  t.equal(reason(envelope, { now: new Date(now.getTime() - 3_600_000) }), 'not-yet-valid');
  t.equal(reason(envelope, { currentVersion: 7 }), 'stale-version');
  t.equal(reason(envelope, { currentVersion: 9 }), 'stale-version');
  t.equal(reason(envelope, { currentVersion: 6 }), 'ok');
  t.equal(reason(envelope, { seenNonce: (n: string) => n === envelope.nonce }), 'replayed');
  t.equal(reason({ hello: 1 }), 'malformed');
  t.equal(reason('{"format":1}'), 'malformed');
  const stale = verifyEnvelope(envelope, publicKey, { ...expect, currentVersion: 9 });
  t.match(stale, { ok: false, message: 'version 7 is not newer than the applied version 9' });
});

t.test('fleet keygen and fleet sign make envelopes the box accepts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lk-keys-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const made = await runCli(['fleet', 'keygen', '--out', dir]);
  t.equal(made.code, 0, made.stderr);
  t.equal((await stat(join(dir, 'fleet-private.pem'))).mode & 0o777, 0o600, 'private key is 0600');
  const again = await runCli(['fleet', 'keygen', '--out', dir]);
  t.not(again.code, 0, 'does not overwrite a key silently');
  t.match(again.stderr, /already exists.*--force/);

  const signed = await runCli([
    'fleet',
    'sign',
    `${SHARED_EXAMPLES}shop-bakery.yaml`,
    '--key',
    join(dir, 'fleet-private.pem'),
    '--device',
    'shop-0001',
    '--kind',
    'shop',
    '--version',
    '3',
  ]);
  t.equal(signed.code, 0, signed.stderr);
  const envelope = JSON.parse(signed.stdout) as Envelope<{ yaml: string }>;
  const pub = createPublicKey(await readFile(join(dir, 'fleet-public.pem')));
  const result = verifyEnvelope<{ yaml: string }>(envelope, pub, { kind: 'shop', deviceId: 'shop-0001' });
  t.ok(result.ok, 'the box verifies it');
  t.equal(envelope.version, 3);
  t.match(envelope.payload.yaml, /Golden Crust/);
  t.ok(
    Date.parse(envelope.expiresAt) - Date.parse(envelope.issuedAt) >= 29 * 86400_000,
    'profiles live 30 days',
  );
  const badKind = await runCli([
    'fleet',
    'sign',
    '-',
    '--key',
    join(dir, 'fleet-private.pem'),
    '--device',
    'x',
    '--kind',
    'nope',
  ]);
  t.match(badKind.stderr, /--kind must be one of/);
});
