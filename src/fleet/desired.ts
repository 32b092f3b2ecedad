/**
 * Desired state from the fleet (device config and shop profile), applied the way fleet.md §3 describes:
 *
 *   retained lk/v1/{id}/config|shop/desired ─► verify signature, box, expiry, version > applied
 *        ─► parse + validate (the same validators as check-config) ─► write atomically, previous kept as
 *        `<file>.last-good` ─► remember version ─► retained lk/v1/{id}/config|shop/reported {status, reason}
 *
 * A rejected document leaves the running file untouched and says why.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseYaml, validateDeviceConfig, validateShopProfile } from '../config/load.js';
import { describeError } from '../errors.js';
import { type FleetState, writeFileDurably } from './fleet-state.js';
import { type EnvelopeKind, verifyEnvelope } from './signing.js';

/** The two kinds of desired document. */
export type DesiredKind = Extract<EnvelopeKind, 'config' | 'shop'>;

/** What the box reports after a desired document arrived. */
export interface DesiredReport {
  kind: DesiredKind;
  version: number;
  status: 'applied' | 'rejected';
  /** Machine-readable reason of a rejection: a signature reason or `invalid`. */
  reason?: string;
  /** Plain words: what was wrong. */
  error?: string;
  /** SHA-256 of the applied document. */
  hash?: string;
  /** What runs now. */
  current: { version: number; hash: string } | null;
  at: string;
}

/** Inputs of `applyDesired`. */
export interface ApplyDesiredOptions {
  kind: DesiredKind;
  value: unknown;
  deviceId: string;
  publicKey: KeyObject | undefined;
  /** The file that holds the document on the box. */
  file: string;
  state: FleetState;
  now?: Date;
}

function current(state: FleetState, kind: DesiredKind): DesiredReport['current'] {
  const applied = state.data[kind];
  return applied ? { version: applied.version, hash: applied.hash } : null;
}

/** Verifies, validates and applies one desired document; returns the report (never throws for bad input). */
export async function applyDesired(options: ApplyDesiredOptions): Promise<DesiredReport> {
  const { kind, state } = options;
  const now = options.now ?? new Date();
  const version =
    typeof options.value === 'object' && options.value !== null
      ? Number((options.value as { version?: unknown }).version)
      : NaN;
  const reject = (reason: string, error: string): DesiredReport => ({
    kind,
    version: Number.isFinite(version) ? version : -1,
    status: 'rejected',
    reason,
    error,
    current: current(state, kind),
    at: now.toISOString(),
  });
  if (!options.publicKey) {
    return reject('no-fleet-key', 'no fleet public key is installed on this box (setup.sh --fleet-pubkey)');
  }
  const verified = verifyEnvelope<{ yaml?: unknown }>(options.value, options.publicKey, {
    kind,
    deviceId: options.deviceId,
    now,
    currentVersion: state.data[kind]?.version ?? 0,
  });
  if (!verified.ok) return reject(verified.reason, verified.message);
  const text = verified.envelope.payload.yaml;
  if (typeof text !== 'string') return reject('invalid', 'the payload has no `yaml` text');
  let data: unknown;
  try {
    data = parseYaml(
      text,
      `${kind} version ${verified.envelope.version}`,
      kind === 'config' ? 'device config' : 'shop profile',
    );
  } catch (e) {
    return reject('invalid', describeError(e));
  }
  const issues =
    kind === 'config'
      ? validateDeviceConfig(data).issues
      : (await validateShopProfile(data, dirname(options.file))).issues;
  if (issues.length > 0) {
    return reject('invalid', issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '));
  }
  const hash = createHash('sha256').update(text).digest('hex');
  try {
    // The running document becomes the last good one before it is replaced.
    await copyFile(options.file, `${options.file}.last-good`).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await writeFileDurably(options.file, text);
    await state.update((d) => {
      d[kind] = { version: verified.envelope.version, hash, appliedAt: now.toISOString() };
    });
  } catch (e) {
    return reject('write-failed', `could not write ${options.file}: ${describeError(e)}`);
  }
  return {
    kind,
    version: verified.envelope.version,
    status: 'applied',
    hash,
    current: { version: verified.envelope.version, hash },
    at: now.toISOString(),
  };
}
