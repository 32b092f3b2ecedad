/**
 * Reads the device config and the shop profile from YAML, applies environment overrides, fills defaults and
 * validates both, reporting every problem at once.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { ErrorCode, LinekeeperError } from '../errors.js';
import type { Order } from '../shop/orders.js';
import { DEFAULT_CONFIG_PATH, type DeviceConfig, DeviceConfigSchema } from './device-schema.js';
import { checkShopProfile } from './shop-checks.js';
import { type ShopProfile, ShopProfileSchema } from './shop-schema.js';
import { assertNoIssues, type Issue, SchemaValidator } from './validate.js';

const deviceValidator = new SchemaValidator<DeviceConfig>(DeviceConfigSchema);
const shopValidator = new SchemaValidator<ShopProfile>(ShopProfileSchema);

/** Prefix of every environment override. */
export const ENV_PREFIX = 'LINEKEEPER_';

/** Reads a YAML file, throwing `Config_Unreadable` for a missing file and `Config_Invalid` for bad YAML. */
export async function readYamlFile(file: string, what: string): Promise<{ data: unknown; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new LinekeeperError(
      ErrorCode.Config_Unreadable,
      `cannot read the ${what} ${file}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return { data: parseYaml(text, file, what), text };
}

/** Parses YAML text, naming the file, line and column of every syntax error. */
export function parseYaml(text: string, file: string, what: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:$/, '')}`;
    });
    throw new LinekeeperError(
      ErrorCode.Config_Invalid,
      `the ${what} is not valid YAML:\n${lines.join('\n')}`,
    );
  }
  return doc.toJS() ?? {};
}

/** The environment variable that overrides a config path: `modem.ringsBeforeAnswer` → LINEKEEPER_MODEM__RINGS_BEFORE_ANSWER. */
export function envName(path: readonly string[]): string {
  return ENV_PREFIX + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

interface Leaf {
  path: string[];
  schema: TSchema;
}

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) =>
      leaves(child, [...path, key]),
    );
  }
  return [{ path, schema }];
}

/** Every override the device config accepts, with its variable name and description (for docs and --help). */
export function listEnvOverrides(): { name: string; path: string; description: string }[] {
  return leaves(DeviceConfigSchema).map((leaf) => ({
    name: envName(leaf.path),
    path: leaf.path.join('.'),
    description: String(leaf.schema.description ?? ''),
  }));
}

function parseEnvValue(schema: TSchema, raw: string): { value: unknown } | { error: string } {
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) return { error: `"${raw}" is not a number` };
      return { value };
    }
    case 'boolean': {
      if (/^(1|true|yes|on)$/i.test(raw)) return { value: true };
      if (/^(0|false|no|off)$/i.test(raw)) return { value: false };
      return { error: `"${raw}" is not a boolean (true/false)` };
    }
    case 'object':
    case 'array':
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { error: `"${raw}" is not JSON` };
      }
    default:
      return { value: raw };
  }
}

/** Applies LINEKEEPER_… overrides to a config document, returning problems with unparsable values. */
export function applyEnvOverrides(data: Record<string, unknown>, env: NodeJS.ProcessEnv): Issue[] {
  const issues: Issue[] = [];
  for (const leaf of leaves(DeviceConfigSchema)) {
    const name = envName(leaf.path);
    const raw = env[name];
    if (raw === undefined) continue;
    const parsed = parseEnvValue(leaf.schema, raw);
    if ('error' in parsed) {
      issues.push({ path: `${leaf.path.join('.')} (from ${name})`, message: parsed.error });
      continue;
    }
    let node = data;
    for (const key of leaf.path.slice(0, -1)) {
      const next = node[key];
      node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
      node = node[key] as Record<string, unknown>;
    }
    node[leaf.path[leaf.path.length - 1] as string] = parsed.value;
  }
  return issues;
}

/** Validates a device config document (after overrides), filling defaults; returns it or every issue. */
export function validateDeviceConfig(data: unknown): { config: DeviceConfig; issues: Issue[] } {
  const doc = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
  const issues = deviceValidator.check(doc);
  return { config: doc as DeviceConfig, issues };
}

/** Where the device config is read from: --config, else LINEKEEPER_CONFIG, else /etc/linekeeper/config.yaml. */
export function configPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.LINEKEEPER_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/**
 * Loads the device config: YAML file, then environment overrides, then defaults and validation.
 * A missing file at the default path yields the defaults (a development machine); elsewhere it is an error.
 */
export async function loadDeviceConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { allowMissing?: boolean } = {},
): Promise<DeviceConfig> {
  let data: unknown = {};
  try {
    data = (await readYamlFile(file, 'device config')).data;
  } catch (e) {
    const missing = (e as LinekeeperError).code === ErrorCode.Config_Unreadable && !(await exists(file));
    if (!(missing && options.allowMissing)) throw e;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    assertNoIssues(`The device config ${file}`, [
      { path: '', message: 'must be a YAML mapping of sections' },
    ]);
  }
  const doc = data as Record<string, unknown>;
  const envIssues = applyEnvOverrides(doc, env);
  const { config, issues } = validateDeviceConfig(doc);
  assertNoIssues(`The device config ${file}`, [...envIssues, ...issues]);
  // A relative profile path means "next to this config file", wherever the daemon was started from.
  config.shopProfile = resolve(dirname(file), config.shopProfile);
  return config;
}

async function exists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}

/** A validated shop profile with what it refers to. */
export interface LoadedShop {
  profile: ShopProfile;
  /** Absolute path of the profile file. */
  file: string;
  /** The orders table, empty when orders are disabled. */
  orders: Order[];
  /** SHA-256 of the profile text: keys caches (trained models, rendered prompts) to this version. */
  hash: string;
}

/** Validates a parsed shop profile document; returns every problem of shape and meaning. */
export async function validateShopProfile(
  data: unknown,
  profileDir: string,
): Promise<{ profile: ShopProfile; orders: Order[]; issues: Issue[] }> {
  const issues = shopValidator.check(data);
  const profile = data as ShopProfile;
  if (issues.length > 0) {
    // Meaning checks need the right shape; run those whose inputs are well-formed so all problems show at once.
    return {
      profile,
      orders: [],
      issues: [...issues, ...(await safeMeaningChecks(profile, profileDir, issues))],
    };
  }
  const checked = await checkShopProfile(profile, profileDir);
  return { profile, orders: checked.orders, issues: checked.issues };
}

async function safeMeaningChecks(
  profile: ShopProfile,
  profileDir: string,
  shapeIssues: Issue[],
): Promise<Issue[]> {
  try {
    const { issues } = await checkShopProfile(profile, profileDir);
    const shapePaths = new Set(shapeIssues.map((i) => i.path));
    return issues.filter((i) => !shapePaths.has(i.path));
  } catch {
    return [];
  }
}

/** Loads and validates a shop profile file; throws `Config_Invalid` listing every problem. */
export async function loadShopProfile(file: string): Promise<LoadedShop> {
  const absolute = resolve(file);
  const { data, text } = await readYamlFile(absolute, 'shop profile');
  const { profile, orders, issues } = await validateShopProfile(data, dirname(absolute));
  assertNoIssues(`The shop profile ${absolute}`, issues);
  return { profile, file: absolute, orders, hash: createHash('sha256').update(text).digest('hex') };
}
