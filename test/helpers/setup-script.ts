/** Runs scripts/setup.sh as the tests do: staged under a temporary root, as a Debian image would be. */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SHARED_EXAMPLES } from './paths.js';

const SETUP = join(ROOT, 'scripts/setup.sh');

/** Runs setup.sh with `args`; resolves with its exit code and output. */
export function setup(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SETUP, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** Every path under `dir` with type, mode, numeric owner and content hash (or link target). */
export async function manifest(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (path: string) => {
    const stat = await lstat(path);
    const rel = path.slice(dir.length) || '/';
    const owner = `${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8)}`;
    if (stat.isSymbolicLink()) entries.set(rel, `link ${owner} -> ${await readlink(path)}`);
    else if (stat.isDirectory()) {
      entries.set(rel, `dir ${owner}`);
      for (const name of await readdir(path)) await walk(join(path, name));
    } else
      entries.set(
        rel,
        `file ${owner} ${createHash('sha256')
          .update(await readFile(path))
          .digest('hex')}`,
      );
  };
  await walk(dir);
  return entries;
}

/** The numeric id of `name` in a passwd or group file. */
export function idOf(file: string, name: string): number {
  const line = file.split('\n').find((l) => l.startsWith(`${name}:`));
  return Number(line?.split(':')[2]);
}

/** A staged root with Debian's groups (gpio missing) and a fleet key, and the flags that install a box into it. */
export async function stagedRoot(t: {
  teardown(fn: () => Promise<void>): void;
}): Promise<{ root: string; args: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'lk-root-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  // A staged OS image: Debian's groups exist, gpio does not (it is created).
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:\naudio:x:29:\n');
  const pubkey = join(root, 'fleet-public.pem');
  await writeFile(pubkey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  const args = [
    '--root',
    root,
    '--device-id',
    'shop-0042',
    '--shop',
    `${SHARED_EXAMPLES}shop-bakery.yaml`,
    '--owner-mobile',
    '+8613900000000',
    '--broker',
    'mqtts://fleet.example.com:8883',
    '--fleet-pubkey',
    pubkey,
    '--no-models',
  ];
  return { root, args };
}
