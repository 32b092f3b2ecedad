/**
 * `linekeeper fleet`: the operator's side of fleet management, run on any machine with the fleet key and broker
 * credentials. Keys and signing work offline; the other subcommands talk to the broker.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { DesiredKind } from '../../fleet/desired.js';
import { type DeviceView, FleetOperator } from '../../fleet/operator.js';
import { type EnvelopeKind, generateFleetKeys, loadPrivateKey, signEnvelope } from '../../fleet/signing.js';
import { checkDigest, type DigestPayload } from '../../ingest/digest-payload.js';
import { DIGEST_TOPIC } from '../../report/digest.js';
import { TOPICS } from '../../sync/events.js';

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

/** Broker and key options every online subcommand takes (flags, else LINEKEEPER_FLEET_* variables). */
interface OnlineOptions {
  broker?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  clientKey?: string;
  key?: string;
  wait: string;
}

function online(command: Command): Command {
  return command
    .option('--broker <url>', 'broker URL (default $LINEKEEPER_FLEET_BROKER)')
    .option('--username <name>', 'broker username (default $LINEKEEPER_FLEET_USERNAME)')
    .option('--password <secret>', 'broker password (default $LINEKEEPER_FLEET_PASSWORD)')
    .option('--ca <file>', 'broker CA certificate (PEM)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--client-key <file>', 'client certificate key (PEM)')
    .option('--key <file>', 'fleet private key for signing (default $LINEKEEPER_FLEET_KEY)')
    .option('--wait <ms>', 'how long to collect retained messages', '1000');
}

async function connect(options: OnlineOptions): Promise<FleetOperator> {
  const url = options.broker ?? process.env.LINEKEEPER_FLEET_BROKER;
  if (!url)
    throw new LinekeeperError(
      ErrorCode.Fleet_Rejected,
      'no broker: pass --broker URL or set LINEKEEPER_FLEET_BROKER',
    );
  const username = options.username ?? process.env.LINEKEEPER_FLEET_USERNAME;
  const password = options.password ?? process.env.LINEKEEPER_FLEET_PASSWORD;
  return FleetOperator.connect({
    url,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(options.ca && { ca: await readFile(options.ca) }),
    ...(options.cert && { cert: await readFile(options.cert) }),
    ...(options.clientKey && { key: await readFile(options.clientKey) }),
  });
}

function signingKeyFile(options: OnlineOptions): string {
  const file = options.key ?? process.env.LINEKEEPER_FLEET_KEY;
  if (!file)
    throw new LinekeeperError(
      ErrorCode.Fleet_Rejected,
      'no signing key: pass --key fleet-private.pem or set LINEKEEPER_FLEET_KEY',
    );
  return file;
}

async function withOperator<T>(
  options: OnlineOptions,
  work: (operator: FleetOperator) => Promise<T>,
): Promise<T> {
  const operator = await connect(options);
  try {
    return await work(operator);
  } finally {
    await operator.close();
  }
}

/**
 * Lets a following command run for `ms`, or until Ctrl-C (SIGINT) or SIGTERM without `ms`; rejects when the
 * broker ends the session, since the operator does not reconnect.
 */
async function listen(operator: FleetOperator, ms?: number): Promise<void> {
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const timer = ms === undefined ? undefined : setTimeout(stop, ms);
  if (ms === undefined) process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await Promise.race([stopped, operator.lost]);
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function deviceTable(devices: DeviceView[]): string {
  const rows = [['DEVICE', 'STATE', 'APP', 'CONFIG', 'PROFILE', 'GROUP', 'LAST SEEN', 'HEALTH']];
  for (const d of devices)
    rows.push([
      d.id,
      d.online ? 'online' : 'offline',
      d.app,
      String(d.configVersion),
      String(d.profileVersion),
      d.group || '-',
      d.lastSeen,
      d.health,
    ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One weekly digest as a block of aligned lines: box, week, calls, outcomes, escalations, questions, latency. */
function digestBlock(deviceId: string, d: DigestPayload): string {
  const minute = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
  const counts = (entries: [string, number][]) =>
    entries.length === 0 ? 'none' : entries.map(([name, n]) => `${name} ${n}`).join(', ');
  const ms = (value: number | null) => (value === null ? '-' : `${Math.round(value)} ms`);
  const reasons = Object.entries(d.escalations.reasons).filter(([, n]) => n > 0);
  const lines: [string, string][] = [
    ['calls', `${d.calls.total} (${d.calls.afterHours} after hours)`],
    ['outcomes', counts(Object.entries(d.calls.outcomes))],
    ['escalated', `${d.escalations.total}${reasons.length > 0 ? ` (${counts(reasons)})` : ''}`],
    ['most asked', counts(d.topIntents.map((i) => [i.intent, i.count]))],
    ...(d.unanswered.length === 0
      ? [['unanswered', 'none'] as [string, string]]
      : d.unanswered.map((u, i): [string, string] => [
          i === 0 ? 'unanswered' : '',
          `${u.count}× ${JSON.stringify(u.question)}`,
        ])),
    ['latency', `p50 ${ms(d.latencyMs.p50)}, p90 ${ms(d.latencyMs.p90)}`],
  ];
  return [
    `${deviceId}  week ${minute(d.from)} → ${minute(d.to)} UTC`,
    ...lines.map(([label, value]) => `  ${label.padEnd(11)}${value}`),
  ].join('\n');
}

/** Parses `key=value` arguments (values JSON when they parse, else strings) or one JSON object. */
export function parseCommandArgs(args: string[]): Record<string, unknown> {
  if (args.length === 1 && args[0]?.trim().startsWith('{'))
    return JSON.parse(args[0]) as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0)
      throw new LinekeeperError(ErrorCode.Fleet_Rejected, `command arguments are key=value, not "${arg}"`);
    const raw = arg.slice(eq + 1);
    try {
      result[arg.slice(0, eq)] = JSON.parse(raw);
    } catch {
      result[arg.slice(0, eq)] = raw;
    }
  }
  return result;
}

async function pushDesired(
  kind: DesiredKind,
  target: string | undefined,
  file: string,
  options: OnlineOptions & { group?: string; version?: string },
) {
  const key = await loadPrivateKey(signingKeyFile(options));
  const text = await readFile(file, 'utf8');
  const version = options.version === undefined ? Date.now() : Number(options.version);
  await withOperator(options, async (operator) => {
    let ids: string[];
    if (options.group !== undefined) {
      ids = (await operator.devices(Number(options.wait)))
        .filter((d) => d.group === options.group)
        .map((d) => d.id);
      if (ids.length === 0)
        throw new LinekeeperError(ErrorCode.Fleet_Rejected, `no device in group ${options.group}`);
    } else {
      if (!target) throw new LinekeeperError(ErrorCode.Fleet_Rejected, 'name a device ID or --group G');
      await operator.assertKnown(target, Number(options.wait));
      ids = [target];
    }
    let failed = 0;
    for (const id of ids) {
      const envelope = signEnvelope(
        {
          kind,
          deviceId: id,
          version,
          payload: payloadFor(kind, text),
          ttlSeconds: DEFAULT_TTL_SECONDS[kind],
        },
        key,
      );
      const report = await operator.push(kind, envelope);
      if (report.status !== 'applied') failed++;
      process.stdout.write(
        report.status === 'applied'
          ? `${id}: ${kind} version ${report.version} applied\n`
          : `${id}: ${kind} version ${report.version} rejected (${report.reason}): ${report.error}\n`,
      );
    }
    if (failed > 0) process.exitCode = 1;
  });
}

function registerOnline(fleet: Command): void {
  online(
    fleet.command('devices').description('List boxes: online state, versions, group, last seen, health.'),
  )
    .option('--json', 'print JSON')
    .action(async (options: OnlineOptions & { json?: boolean }) => {
      const devices = await withOperator(options, (operator) => operator.devices(Number(options.wait)));
      if (options.json) print(devices);
      else
        process.stdout.write(
          `${devices.length === 0 ? 'no devices have connected yet' : deviceTable(devices)}\n`,
        );
    });
  online(fleet.command('status').description("One box's state and the reports of its config and profile."))
    .argument('<id>', 'device id')
    .action(async (id: string, options: OnlineOptions) => {
      print(await withOperator(options, (operator) => operator.status(id, Number(options.wait))));
    });
  for (const [name, kind, what] of [
    ['push-shop', 'shop', 'shop profile (YAML)'],
    ['push-config', 'config', 'device config (YAML)'],
  ] as const) {
    online(
      fleet
        .command(name)
        .description(`Sign and push a ${what} to a box or a group; waits for each box's report.`),
    )
      .argument('<id-or-file>', 'device id, or the file when --group is given')
      .argument('[file]', `the ${what}`)
      .option('--group <group>', 'every box whose state names this group')
      .option('--version <n>', 'version (default: now in ms, so it always grows)')
      .action(
        async (
          first: string,
          second: string | undefined,
          options: OnlineOptions & { group?: string; version?: string },
        ) =>
          second === undefined
            ? pushDesired(kind, undefined, first, options)
            : pushDesired(kind, first, second, options),
      );
  }
  online(
    fleet
      .command('cmd')
      .description(
        'Run a signed command on a box: status, reload, restart, selftest, calls.export, logs.tail, models.install, app.update.',
      ),
  )
    .argument('<id>', 'device id')
    .argument('<name>', 'command name')
    .argument('[args...]', 'key=value arguments or one JSON object')
    .option('--ttl <seconds>', 'how long the command stays valid', '60')
    .action(async (id: string, name: string, args: string[], options: OnlineOptions & { ttl: string }) => {
      const key = await loadPrivateKey(signingKeyFile(options));
      const response = await withOperator(options, async (operator) => {
        await operator.assertKnown(id, Number(options.wait));
        const envelope = signEnvelope(
          {
            kind: 'command',
            deviceId: id,
            version: Date.now(),
            payload: { name, args: parseCommandArgs(args) },
            ttlSeconds: Number(options.ttl),
          },
          key,
        );
        return operator.command(envelope, {
          onProgress: (p) =>
            process.stderr.write(
              `${p.status} ${p.step}${p.percent !== undefined ? ` ${p.percent}%` : ''}${p.statusDetails ? `: ${p.statusDetails}` : ''}\n`,
            ),
        });
      });
      print(response);
      if (response.status !== 'ok' || (response.job && response.job.status !== 'SUCCEEDED'))
        process.exitCode = 1;
    });
  online(
    fleet.command('escalations').description('Show escalations from every box (--follow keeps listening).'),
  )
    .option('--follow', 'keep listening until interrupted')
    .action(async (options: OnlineOptions & { follow?: boolean }) => {
      await withOperator(options, async (operator) => {
        await operator.follow(TOPICS.escalation, (id, payload) =>
          process.stdout.write(`${JSON.stringify({ deviceId: id, ...(payload as object) })}\n`),
        );
        if (options.follow) process.stderr.write('following the escalations of every box; Ctrl-C stops\n');
        await listen(operator, options.follow ? undefined : Number(options.wait));
      });
    });
}

function registerDigests(fleet: Command): void {
  online(
    fleet
      .command('digests')
      .description(
        "Print the boxes' weekly digests as they publish them (--follow); stored ones are in the ingest database.",
      ),
  )
    .argument('[id]', 'only this box')
    .option('--group <group>', 'only boxes whose state names this group')
    .option('--follow', 'keep listening until interrupted (required: the broker does not keep digests)')
    .option('--json', 'one JSON line per digest, with its deviceId')
    .action(
      async (
        id: string | undefined,
        options: OnlineOptions & { group?: string; follow?: boolean; json?: boolean },
      ) => {
        if (!options.follow) {
          throw new LinekeeperError(
            ErrorCode.Fleet_Rejected,
            'the broker does not keep weekly digests (they are events, not retained): the weeks already sent are in the ingest database, table lk_digests; --follow prints new ones as the boxes publish them',
          );
        }
        if (id !== undefined && options.group !== undefined)
          throw new LinekeeperError(ErrorCode.Fleet_Rejected, 'name a device ID or --group G, not both');
        await withOperator(options, async (operator) => {
          if (id !== undefined) await operator.assertKnown(id, Number(options.wait));
          await operator.follow(
            DIGEST_TOPIC,
            (deviceId, payload) => {
              const digest = checkDigest(payload, deviceId);
              if (typeof digest === 'string')
                process.stderr.write(`${deviceId}: not a weekly digest: ${digest}\n`);
              else if (options.json) process.stdout.write(`${JSON.stringify(digest)}\n`);
              else process.stdout.write(`${digestBlock(deviceId, digest)}\n\n`);
            },
            {
              ...(id !== undefined && { id }),
              ...(options.group !== undefined && { group: options.group }),
            },
          );
          const which = id ?? (options.group === undefined ? 'every box' : `group ${options.group}`);
          process.stderr.write(`following the weekly digests of ${which}; Ctrl-C stops\n`);
          await listen(operator);
        });
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
  registerOnline(fleet);
  registerDigests(fleet);
}
