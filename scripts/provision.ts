/**
 * Writes a box's `/etc/linekeeper/config.yaml` and shop profile for `scripts/setup.sh`, only where they are absent.
 * Run by setup.sh with the installed release: `node dist/scripts/provision.js --config-dir DIR [--device-id ID]
 * [--name NAME] [--broker URL] [--shop FILE] [--owner-mobile +E164]`. Prints one line per file it wrote or kept.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument, stringify } from 'yaml';

const { values } = parseArgs({
  options: {
    'config-dir': { type: 'string' },
    'device-id': { type: 'string' },
    name: { type: 'string' },
    broker: { type: 'string' },
    shop: { type: 'string' },
    'owner-mobile': { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`provision: ${message}\n`);
  process.exit(64);
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  );
}

const dir = values['config-dir'] ?? fail('--config-dir is required');
await mkdir(dir, { recursive: true });

const configFile = join(dir, 'config.yaml');
if (await exists(configFile)) {
  process.stdout.write(`kept ${configFile}\n`);
} else {
  const id = values['device-id'] ?? fail('a device id is needed for a new config (--device-id)');
  const config: Record<string, unknown> = {
    version: 1,
    device: { id, name: values.name ?? '' },
    // Relative: next to this file, so the same config works staged under --root and on the box.
    shopProfile: 'shop.yaml',
    mqtt: values.broker ? { enabled: true, url: values.broker } : { enabled: false },
  };
  await writeFile(
    configFile,
    `# Written by scripts/setup.sh; see \`linekeeper print-schema config\`.\n${stringify(config)}`,
  );
  process.stdout.write(`wrote ${configFile}\n`);
}

const shopFile = join(dir, 'shop.yaml');
if (await exists(shopFile)) {
  process.stdout.write(`kept ${shopFile}\n`);
} else {
  const source = values.shop ?? fail('a shop profile is needed (--shop FILE)');
  const doc = parseDocument(await readFile(source, 'utf8'));
  if (values['owner-mobile']) doc.setIn(['owner', 'mobile'], values['owner-mobile']);
  // The orders table is named relative to the profile: bring it along.
  const orders = doc.getIn(['orders', 'source']);
  if (typeof orders === 'string' && !isAbsolute(orders)) {
    const from = resolve(dirname(source), orders);
    if (await exists(from)) {
      await mkdir(dirname(join(dir, orders)), { recursive: true });
      await copyFile(from, join(dir, orders));
      process.stdout.write(`wrote ${join(dir, orders)}\n`);
    }
  }
  await writeFile(shopFile, doc.toString());
  process.stdout.write(`wrote ${shopFile}\n`);
}
