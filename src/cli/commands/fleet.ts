/**
 * `linekeeper fleet`: the operator's side of fleet management, run on any machine with the fleet key and broker
 * credentials. Keys and signing work offline; the other subcommands talk to the broker.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import { type EnvelopeKind, generateFleetKeys, loadPrivateKey, signEnvelope } from '../../fleet/signing.js';

const KINDS: readonly EnvelopeKind[] = ['config', 'shop', 'command', 'artifact'];

/** Default validity: desired state is retained and may wait for a box that is offline; commands are short-lived. */
export const DEFAULT_TTL_SECONDS: Record<EnvelopeKind, number> = {
  config: 30 * 86400,
  shop: 30 * 86400,
  command: 300,
  artifact: 7 * 86400,
};

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Reads a file argument, `-` meaning stdin. */
async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The payload of an envelope of `kind` from the input text: YAML documents travel as text, the rest as JSON. */
export function payloadFor(kind: EnvelopeKind, text: string): unknown {
  if (kind === 'config' || kind === 'shop') return { yaml: text };
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new LinekeeperError(ErrorCode.Fleet_Rejected, `the ${kind} payload must be JSON`, { cause });
  }
}

function registerKeygen(fleet: Command): void {
  fleet
    .command('keygen')
    .description(
      'Create the fleet signing key pair (Ed25519): keep the private key safe, install the public one on boxes.',
    )
    .option('--out <dir>', 'directory for fleet-private.pem and fleet-public.pem', '.')
    .option('--force', 'overwrite existing key files')
    .action(async (options: { out: string; force?: boolean }) => {
      const privateFile = join(options.out, 'fleet-private.pem');
      const publicFile = join(options.out, 'fleet-public.pem');
      if (!options.force && ((await exists(privateFile)) || (await exists(publicFile)))) {
        throw new LinekeeperError(
          ErrorCode.Fleet_Rejected,
          `${privateFile} or ${publicFile} already exists: a new key would lock out every box that trusts the old one (--force to replace)`,
        );
      }
      const keys = generateFleetKeys();
      await writeFile(privateFile, keys.privatePem, { mode: 0o600 });
      await writeFile(publicFile, keys.publicPem, { mode: 0o644 });
      process.stdout.write(
        `wrote ${privateFile} (keep it secret) and ${publicFile} (install on boxes: setup.sh --fleet-pubkey)\n`,
      );
    });
}

function registerSign(fleet: Command): void {
  fleet
    .command('sign')
    .description('Sign a config, shop profile, command or artifact for one box; prints the envelope as JSON.')
    .argument('<file>', 'the document to sign (YAML for config and shop, JSON otherwise); - reads stdin')
    .requiredOption('--key <file>', 'fleet private key (fleet-private.pem)')
    .requiredOption('--device <id>', 'the box it is for')
    .option('--kind <kind>', `one of ${KINDS.join(', ')}`, 'shop')
    .option('--version <n>', 'version (must grow with every push; default: now in ms)')
    .option('--ttl <seconds>', 'validity in seconds (default 30 days for config/shop, 300 s for commands)')
    .action(
      async (
        file: string,
        options: { key: string; device: string; kind: string; version?: string; ttl?: string },
      ) => {
        const kind = options.kind as EnvelopeKind;
        if (!KINDS.includes(kind)) {
          throw new LinekeeperError(
            ErrorCode.Fleet_Rejected,
            `--kind must be one of ${KINDS.join(', ')}, not ${options.kind}`,
          );
        }
        const version = options.version === undefined ? Date.now() : Number(options.version);
        if (!Number.isSafeInteger(version) || version < 0) {
          throw new LinekeeperError(
            ErrorCode.Fleet_Rejected,
            `--version must be a whole number, not ${options.version}`,
          );
        }
        const envelope = signEnvelope(
          {
            kind,
            deviceId: options.device,
            version,
            payload: payloadFor(kind, await readInput(file)),
            ttlSeconds: options.ttl === undefined ? DEFAULT_TTL_SECONDS[kind] : Number(options.ttl),
          },
          await loadPrivateKey(options.key),
        );
        process.stdout.write(`${JSON.stringify(envelope)}\n`);
      },
    );
}

/** Adds `fleet` and its subcommands to the program. */
export function registerFleet(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('Manage a fleet of boxes over MQTT: keys, signing, devices, pushes and commands.');
  registerKeygen(fleet);
  registerSign(fleet);
}
