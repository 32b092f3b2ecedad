/**
 * Signed envelopes for everything the fleet sends a box: desired device config, shop profiles, commands and
 * update artifacts. Ed25519 (node:crypto) over the canonical JSON of every field but `sig`, so the device id,
 * kind, version, nonce and validity window are all covered: a signature for one box, one version or one moment
 * cannot be reused for another (fleet.md §8.3). Verification names the reason for every rejection.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCode, LinekeeperError } from '../errors.js';

/** What an envelope carries. */
export type EnvelopeKind = 'config' | 'shop' | 'command' | 'artifact';

/** Envelope format version. */
export const ENVELOPE_FORMAT = 1;

/** A signed message from the fleet. */
export interface Envelope<T = unknown> {
  /** Envelope format (1). */
  format: number;
  kind: EnvelopeKind;
  /** The box it is for. */
  deviceId: string;
  /** Monotonic per kind and box for config and shop; commands use their issue time in ms. */
  version: number;
  /** 16 random bytes, hex: a box executes a nonce once. */
  nonce: string;
  /** ISO times of the validity window. */
  issuedAt: string;
  expiresAt: string;
  payload: T;
  /** Ed25519 signature (base64) over the canonical JSON of the other fields. */
  sig: string;
}

/** Why an envelope was refused. */
export type RejectReason =
  | 'malformed'
  | 'bad-signature'
  | 'wrong-device'
  | 'wrong-kind'
  | 'expired'
  | 'not-yet-valid'
  | 'stale-version'
  | 'replayed';

/** The outcome of a verification. */
export type Verification<T> =
  | { ok: true; envelope: Envelope<T> }
  | { ok: false; reason: RejectReason; message: string };

/** JSON with object keys sorted at every level: the exact bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A new fleet key pair as PEM (private PKCS#8, public SPKI). */
export function generateFleetKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function assertEd25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LinekeeperError(
      ErrorCode.Fleet_BadSignature,
      `${file} holds a ${key.asymmetricKeyType} key; the fleet uses Ed25519 (linekeeper fleet keygen)`,
    );
  }
  return key;
}

/** Reads the fleet's private key (PEM). */
export async function loadPrivateKey(file: string): Promise<KeyObject> {
  try {
    return assertEd25519(createPrivateKey(await readFile(file)), file);
  } catch (cause) {
    if (cause instanceof LinekeeperError) throw cause;
    throw new LinekeeperError(ErrorCode.Fleet_BadSignature, `cannot read the fleet private key ${file}`, {
      cause,
    });
  }
}

/** Reads the fleet's public key (PEM). */
export async function loadPublicKey(file: string): Promise<KeyObject> {
  try {
    return assertEd25519(createPublicKey(await readFile(file)), file);
  } catch (cause) {
    if (cause instanceof LinekeeperError) throw cause;
    throw new LinekeeperError(ErrorCode.Fleet_BadSignature, `cannot read the fleet public key ${file}`, {
      cause,
    });
  }
}

/** What to sign. */
export interface SignRequest<T> {
  kind: EnvelopeKind;
  deviceId: string;
  version: number;
  payload: T;
  /** Validity in seconds from now (default 300). */
  ttlSeconds?: number;
  now?: Date;
}

/** Signs a payload for one box. */
export function signEnvelope<T>(request: SignRequest<T>, privateKey: KeyObject): Envelope<T> {
  const now = request.now ?? new Date();
  const unsigned = {
    format: ENVELOPE_FORMAT,
    kind: request.kind,
    deviceId: request.deviceId,
    version: request.version,
    nonce: randomBytes(16).toString('hex'),
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + (request.ttlSeconds ?? 300) * 1000).toISOString(),
    payload: request.payload,
  };
  const sig = sign(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64');
  return { ...unsigned, sig };
}

/** What the box expects of an envelope. */
export interface VerifyExpectations {
  kind: EnvelopeKind;
  deviceId: string;
  now?: Date;
  /** The version applied now: anything not newer is refused. */
  currentVersion?: number;
  /** Nonces already used. */
  seenNonce?: (nonce: string) => boolean;
  /** Tolerated clock difference for issuedAt (default 300 s). */
  clockSkewSeconds?: number;
}

function isEnvelopeShape(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    e.format === ENVELOPE_FORMAT &&
    typeof e.kind === 'string' &&
    typeof e.deviceId === 'string' &&
    typeof e.version === 'number' &&
    Number.isSafeInteger(e.version) &&
    typeof e.nonce === 'string' &&
    /^[0-9a-f]{32}$/.test(e.nonce) &&
    typeof e.issuedAt === 'string' &&
    typeof e.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(e.issuedAt)) &&
    !Number.isNaN(Date.parse(e.expiresAt)) &&
    typeof e.sig === 'string' &&
    'payload' in e
  );
}

/** Checks shape, signature, target, validity window, version and nonce, in that order. */
export function verifyEnvelope<T>(
  value: unknown,
  publicKey: KeyObject,
  expect: VerifyExpectations,
): Verification<T> {
  const reject = (reason: RejectReason, message: string): Verification<T> => ({ ok: false, reason, message });
  if (!isEnvelopeShape(value)) {
    return reject(
      'malformed',
      'not a signed envelope (format, kind, deviceId, version, nonce, issuedAt, expiresAt, payload, sig)',
    );
  }
  const { sig, ...unsigned } = value;
  let valid = false;
  try {
    valid = verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(sig, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return reject('bad-signature', 'the signature does not match the fleet public key');
  if (value.deviceId !== expect.deviceId) {
    return reject('wrong-device', `signed for ${value.deviceId}, this box is ${expect.deviceId}`);
  }
  if (value.kind !== expect.kind)
    return reject('wrong-kind', `a ${value.kind} envelope where ${expect.kind} was expected`);
  const now = (expect.now ?? new Date()).getTime();
  if (Date.parse(value.expiresAt) <= now) return reject('expired', `expired at ${value.expiresAt}`);
  if (Date.parse(value.issuedAt) > now + (expect.clockSkewSeconds ?? 300) * 1000) {
    return reject('not-yet-valid', `issued in the future (${value.issuedAt}); check the clocks`);
  }
  if (expect.currentVersion !== undefined && value.version <= expect.currentVersion) {
    return reject(
      'stale-version',
      `version ${value.version} is not newer than the applied version ${expect.currentVersion}`,
    );
  }
  if (expect.seenNonce?.(value.nonce)) return reject('replayed', `nonce ${value.nonce} was already used`);
  return { ok: true, envelope: value as Envelope<T> };
}
